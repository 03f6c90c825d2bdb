import { hash, webcrypto } from 'node:crypto';
import type { LlmRequest, WireRequest } from '../llm/llm.provider';

const FORMAT = '2';

/** Up to this size a key is digested on the event loop, where it costs less than a trip to the thread pool. */
const INLINE_DIGEST_MAX_BYTES = 64 * 1024;

/**
 * Everything that can change an answer, in a fixed order: the provider, the
 * model and parameters, the whole message list (system prompt and history
 * included) and the caller's key, so no answer is shared across API keys.
 * Each field is written as its length, then its UTF-16 code units as they
 * are: no two requests give the same bytes (UTF-8 would turn a lone surrogate
 * into U+FFFD), and nothing has to be escaped first.
 */
function requestFields(request: LlmRequest): string[] {
  const { model, temperature, maxTokens, messages } = request;
  const fields = [model, String(temperature), String(maxTokens), String(messages.length)];
  for (const { role, content } of messages) fields.push(role, content);
  return fields;
}

/** JSON with every object's keys in order, so two spellings of one request give one key. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

function keyBytes(provider: string, fields: string[], ownerId: string | null): Buffer {
  fields = [FORMAT, provider, ...fields, ownerId === null ? 'anyone' : `key ${ownerId}`];
  let size = 0;
  for (const field of fields) size += 4 + 2 * field.length;
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const field of fields) {
    offset = bytes.writeUInt32LE(field.length, offset);
    offset += bytes.write(field, offset, 'utf16le');
  }
  return bytes;
}

function inlineDigest(bytes: Buffer): string | undefined {
  return bytes.length <= INLINE_DIGEST_MAX_BYTES ? hash('sha256', bytes) : undefined;
}

/** A long request (a long history) is digested on the thread pool, not the event loop. */
async function digestOf(bytes: Buffer): Promise<string> {
  return (
    inlineDigest(bytes) ??
    Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex')
  );
}

export function responseCacheKey(
  provider: string,
  request: LlmRequest,
  ownerId: string | null,
): Promise<string> {
  return digestOf(keyBytes(provider, requestFields(request), ownerId));
}

/** Every field of a wire request can change its answer, the ones this service does not know included. */
export function wireResponseCacheKey(
  provider: string,
  request: WireRequest,
  ownerId: string | null,
): Promise<string> {
  return digestOf(keyBytes(provider, ['wire', canonicalJson(request)], ownerId));
}
