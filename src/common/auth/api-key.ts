import { createHash, timingSafeEqual } from 'node:crypto';

const SHA256_HEX = /^[a-f0-9]{64}$/i;
const HASHED = /^sha256:([a-f0-9]{64})$/i;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

export interface ConfiguredKey {
  /** How logs, limits and ownership know the key: its name, else a prefix of its digest. */
  id: string;
  digest: Buffer;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A key's public name when it has none: a prefix of its digest, never the key. */
export function keyIdOf(digest: string): string {
  return digest.slice(0, 16);
}

/** `name=` before a key when the prefix is a name and a key follows (base64 padding is not a name). */
export function splitName(entry: string): { name?: string; secret: string } {
  const equals = entry.indexOf('=');
  const name = entry.slice(0, equals);
  const secret = entry.slice(equals + 1);
  return equals > 0 && NAME.test(name) && secret !== '' && !secret.startsWith('=')
    ? { name, secret }
    : { secret: entry };
}

/**
 * One entry of API_KEYS: `key`, `sha256:<hex>`, `name=key` or `name=sha256:<hex>`
 * (a bare 64-digit hex is a digest too, as it always was).
 */
export function parseKeyEntry(entry: string): ConfiguredKey {
  const { name, secret } = splitName(entry);
  const hex = HASHED.exec(secret)?.[1] ?? (SHA256_HEX.test(secret) ? secret : undefined);
  const digest = hex?.toLowerCase() ?? sha256Hex(secret);
  return { id: name ?? keyIdOf(digest), digest: Buffer.from(digest, 'hex') };
}

/** The configured key `presented` is, compared digest to digest in constant time, every entry looked at. */
export function matchKey(
  presented: string,
  keys: readonly ConfiguredKey[],
): ConfiguredKey | undefined {
  const digest = createHash('sha256').update(presented).digest();
  let match: ConfiguredKey | undefined;
  for (const key of keys) if (timingSafeEqual(digest, key.digest)) match ??= key;
  return match;
}
