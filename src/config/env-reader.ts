import {
  ENVIRONMENT_VARIABLES,
  type EnvironmentVariable,
  type EnvironmentVariableName,
} from './environment-variables';

/** A configuration value that cannot be used; the message names the variable. */
export class ConfigValidationError extends Error {
  constructor(
    readonly variable: EnvironmentVariableName,
    problem: string,
    value: string | undefined,
  ) {
    super(`${variable} ${problem}${value === undefined ? '' : ` (got "${value}")`}`);
    this.name = 'ConfigValidationError';
  }
}

interface Range {
  min?: number;
  max?: number;
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Typed, validated reads of environment variables, falling back to each one's documented default. */
export class EnvReader {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  optionalString(name: EnvironmentVariableName): string | undefined {
    const value = this.env[name]?.trim();
    if (value !== undefined && value !== '') return value;
    const variable: EnvironmentVariable = ENVIRONMENT_VARIABLES[name];
    return variable.default;
  }

  string(name: EnvironmentVariableName): string {
    const value = this.optionalString(name);
    if (value === undefined) throw new ConfigValidationError(name, 'is required', value);
    return value;
  }

  integer(name: EnvironmentVariableName, range: Range = {}): number {
    const raw = this.string(name);
    const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    return this.inRange(name, raw, value, range, 'an integer');
  }

  number(name: EnvironmentVariableName, range: Range = {}): number {
    const raw = this.string(name);
    const value = /^-?(\d+\.?\d*|\.\d+)$/.test(raw) ? Number(raw) : NaN;
    return this.inRange(name, raw, value, range, 'a number');
  }

  /** A positive number of seconds, returned in milliseconds. */
  seconds(name: EnvironmentVariableName): number {
    const raw = this.string(name);
    const value = this.number(name, { min: 0 });
    if (value === 0) throw new ConfigValidationError(name, 'must be more than 0 seconds', raw);
    return Math.round(value * 1000);
  }

  boolean(name: EnvironmentVariableName): boolean {
    const raw = this.string(name).toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(raw)) return true;
    if (['false', '0', 'no', 'off'].includes(raw)) return false;
    throw new ConfigValidationError(name, 'must be true or false', raw);
  }

  list(name: EnvironmentVariableName): string[] {
    return (this.optionalString(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  oneOf<T extends string>(name: EnvironmentVariableName, allowed: readonly T[]): T | undefined {
    const raw = this.optionalString(name);
    if (raw === undefined) return undefined;
    const match = allowed.find((candidate) => candidate === raw.toLowerCase());
    if (match === undefined) {
      throw new ConfigValidationError(name, `must be one of ${allowed.join(', ')}`, raw);
    }
    return match;
  }

  url(name: EnvironmentVariableName, protocols: readonly string[]): string | undefined {
    const raw = this.optionalString(name);
    if (raw === undefined) return undefined;
    let protocol: string;
    try {
      protocol = new URL(raw).protocol;
    } catch {
      throw new ConfigValidationError(name, 'must be a URL', undefined);
    }
    if (!protocols.includes(protocol)) {
      throw new ConfigValidationError(name, `must be a ${protocols.join(' or ')} URL`, undefined);
    }
    return raw;
  }

  bytes(name: EnvironmentVariableName): number {
    const raw = this.string(name);
    const match = /^(\d+)\s*([kmg]?b?)$/i.exec(raw);
    const multiplier = match ? BYTE_UNITS[match[2]!.toLowerCase()] : undefined;
    if (!match || multiplier === undefined || Number(match[1]) === 0) {
      throw new ConfigValidationError(name, 'must be a size such as 1048576, 512kb or 1mb', raw);
    }
    return Number(match[1]) * multiplier;
  }

  json(name: EnvironmentVariableName): unknown {
    const raw = this.optionalString(name);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new ConfigValidationError(name, 'must be valid JSON', undefined);
    }
  }

  private inRange(
    name: EnvironmentVariableName,
    raw: string,
    value: number,
    { min, max }: Range,
    kind: string,
  ): number {
    const bounds =
      min !== undefined && max !== undefined
        ? ` from ${min} to ${max}`
        : min !== undefined
          ? ` of at least ${min}`
          : '';
    if (
      Number.isNaN(value) ||
      (min !== undefined && value < min) ||
      (max !== undefined && value > max)
    ) {
      throw new ConfigValidationError(name, `must be ${kind}${bounds}`, raw);
    }
    return value;
  }
}
