import { applyDecorators } from '@nestjs/common';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsPositive,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  type ValidationArguments,
} from 'class-validator';
import { parseByteSize } from './env-units';

type Message = (args: ValidationArguments) => string;

interface Range {
  min?: number;
  max?: number;
}

// Every rule of a variable shares one message so that a bad variable makes one line;
// only rules of variables that are never secret echo the value.
const echoing =
  (problem: string): Message =>
  ({ value }) =>
    `${problem} (got "${String(value)}")`;

/** Skips the rules of an unset variable; unlike IsOptional it still checks a JSON null. */
export const IfSet = () => ValidateIf((_object, value) => value !== undefined);

function boundsOf({ min, max }: Range): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  return min !== undefined ? ` of at least ${min}` : '';
}

function withinRange(isKind: PropertyDecorator, { min, max }: Range, message: Message) {
  return applyDecorators(
    isKind,
    ...(min === undefined ? [] : [Min(min, { message })]),
    ...(max === undefined ? [] : [Max(max, { message })]),
  );
}

export function IsIntegerIn(range: Range = {}): PropertyDecorator {
  const message = echoing(`must be an integer${boundsOf(range)}`);
  return withinRange(IsInt({ message }), range, message);
}

export function IsNumberIn(range: Range = {}): PropertyDecorator {
  const message = echoing(`must be a number${boundsOf(range)}`);
  return withinRange(
    IsNumber({ allowNaN: false, allowInfinity: false }, { message }),
    range,
    message,
  );
}

export function IsSeconds(): PropertyDecorator {
  const message = echoing('must be a number of seconds more than 0');
  return applyDecorators(
    IsNumber({ allowNaN: false, allowInfinity: false }, { message }),
    IsPositive({ message }),
  );
}

export const IsTrueOrFalse = () =>
  IsBoolean({ message: echoing('must be true, false, 1, 0, yes, no, on or off') });

export const IsOneOf = (allowed: readonly string[]) =>
  IsIn([...allowed], { message: echoing(`must be one of ${allowed.join(', ')}`) });

export const IsByteSize = () =>
  ValidateBy({
    name: 'isByteSize',
    validator: {
      validate: (value) => typeof value === 'string' && !Number.isNaN(parseByteSize(value)),
      defaultMessage: echoing('must be a size such as 1048576, 512kb or 1mb'),
    },
  });

/** A URL may carry credentials, so a rejected one is never echoed. */
export const IsUrlWithProtocol = (protocols: readonly string[]) =>
  ValidateBy({
    name: 'isUrlWithProtocol',
    validator: {
      validate: (value) => typeof value === 'string' && protocols.includes(protocolOf(value)),
      defaultMessage: () => `must be a ${protocols.join(' or ')} URL`,
    },
  });

function protocolOf(text: string): string {
  try {
    return new URL(text).protocol;
  } catch {
    return '';
  }
}

export const IsHostPortList = () =>
  Matches(/^[^\s:]+:\d{1,5}$/, { each: true, message: 'must be a comma list of host:port' });

export const IsModelPricing = () =>
  ValidateBy({
    name: 'isModelPricing',
    validator: {
      validate: isModelPricing,
      defaultMessage: () =>
        'must be a JSON object {"model": {"input": number, "output": number}} with prices of at least 0',
    },
  });

function isModelPricing(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value as Record<string, unknown>).every((price) => {
    const { input, output } = (price ?? {}) as Record<string, unknown>;
    return typeof input === 'number' && typeof output === 'number' && input >= 0 && output >= 0;
  });
}

export const IsUpstreamList = () =>
  ValidateBy({
    name: 'isUpstreamList',
    validator: {
      validate: isUpstreamList,
      defaultMessage: () =>
        'must be a JSON list of {"name", "base_url" (http or https), "api_key_env", "models" (optional list), "weight" (optional, more than 0)} with distinct names',
    },
  });

const UPSTREAM_FIELDS = new Set(['name', 'base_url', 'api_key_env', 'models', 'weight']);
const TOKEN = /^[A-Za-z0-9._-]{1,64}$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isUpstream(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entry = value as Record<string, unknown>;
  const { name, base_url, api_key_env, models, weight } = entry;
  return (
    Object.keys(entry).every((field) => UPSTREAM_FIELDS.has(field)) &&
    typeof name === 'string' &&
    TOKEN.test(name) &&
    typeof base_url === 'string' &&
    ['http:', 'https:'].includes(protocolOf(base_url)) &&
    typeof api_key_env === 'string' &&
    VARIABLE_NAME.test(api_key_env) &&
    (models === undefined ||
      (Array.isArray(models) &&
        models.length > 0 &&
        models.every((model) => typeof model === 'string' && model !== ''))) &&
    (weight === undefined || (typeof weight === 'number' && Number.isFinite(weight) && weight > 0))
  );
}

function isUpstreamList(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isUpstream)) return false;
  const names = value.map((entry) => (entry as { name: string }).name);
  return new Set(names).size === names.length;
}

export const IsKeyLimits = () =>
  ValidateBy({
    name: 'isKeyLimits',
    validator: {
      validate: isKeyLimits,
      defaultMessage: () =>
        'must be a JSON object {"<key name>": {"requests_per_minute", "tokens_per_day", "usd_per_month"}} of positive numbers',
    },
  });

const KEY_LIMIT_NAMES = new Set(['requests_per_minute', 'tokens_per_day', 'usd_per_month']);

function isKeyLimits(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value as Record<string, unknown>).every(
    (limits) =>
      typeof limits === 'object' &&
      limits !== null &&
      Object.entries(limits).every(
        ([name, limit]) => KEY_LIMIT_NAMES.has(name) && typeof limit === 'number' && limit > 0,
      ),
  );
}

/** Fails, with the reason as the message, while the value is unset and `reasonRequired` gives one. */
export function RequiredWhen<T extends object>(
  reasonRequired: (object: T) => string | undefined,
): PropertyDecorator {
  return ValidateBy({
    name: 'requiredWhen',
    validator: {
      validate: (value, args) =>
        value !== undefined || reasonRequired(args!.object as T) === undefined,
      defaultMessage: (args) => reasonRequired(args!.object as T) ?? '',
    },
  });
}
