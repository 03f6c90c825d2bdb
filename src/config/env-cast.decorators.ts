import { Transform } from 'class-transformer';

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)$/;
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/**
 * Explicit casts, because class-transformer's implicit conversion reads "false" as true.
 * A cast leaves text it cannot read as it is, so the rule after it reports the value given.
 */
function castText(cast: (text: string) => unknown): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? cast(value) : value,
  );
}

export const CastToInteger = () => castText((text) => (INTEGER.test(text) ? Number(text) : text));

export const CastToNumber = () => castText((text) => (DECIMAL.test(text) ? Number(text) : text));

export const CastToBoolean = () =>
  castText((text) => {
    const word = text.toLowerCase();
    return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : text;
  });

export const CastToLowerCase = () => castText((text) => text.toLowerCase());

/** A comma list, trimmed, without empty items. */
export const CastToList = () =>
  castText((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

export const CastToJson = () =>
  castText((text) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  });
