const descriptions = new WeakMap<object, Map<string, string>>();

/**
 * What a variable means, for the README table, .env.example and the deployment checks.
 * Only described properties are read from the environment.
 */
export function Describe(description: string): PropertyDecorator {
  return (prototype, property) => {
    const described = descriptions.get(prototype) ?? new Map<string, string>();
    described.set(String(property), description);
    descriptions.set(prototype, described);
  };
}

/** The described properties of `type`, in declaration order, with their descriptions. */
export function descriptionsOf(type: abstract new () => object): ReadonlyMap<string, string> {
  return descriptions.get(type.prototype as object) ?? new Map();
}
