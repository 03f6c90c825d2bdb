import { createHash } from 'node:crypto';

const SHA256_HEX = /^[a-f0-9]{64}$/i;

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Configured entries are keys or their SHA-256 hex; both become digests. */
export function toKeyDigest(entry: string): string {
  return SHA256_HEX.test(entry) ? entry.toLowerCase() : sha256Hex(entry);
}

/** A key's public name in logs and ownership: a prefix of its digest, never the key. */
export function keyIdOf(digest: string): string {
  return digest.slice(0, 16);
}
