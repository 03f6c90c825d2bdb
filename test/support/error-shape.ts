import type { Response } from 'supertest';

/** What every request id looks like, echoed or generated. */
export const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Traces of internals that must never reach a body: stack frames, source paths, error class names. */
const INTERNALS = /\n\s+at |\.(ts|js):\d+|node_modules|Exception\b|TypeError|SyntaxError/;

/**
 * Asserts the contract's error body: exactly `{error, message, request_id}` plus the
 * given extras, `request_id` equal to the X-Request-ID header, and nothing internal.
 */
export function expectError(
  res: Response,
  status: number,
  error: string,
  extra: Record<string, unknown> = {},
): void {
  const requestId = res.headers['x-request-id'];
  expect(requestId).toMatch(REQUEST_ID);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { error, message: expect.any(String), request_id: requestId, ...extra },
  });
  expect((res.body as { message: string }).message).not.toBe('');
  expect(res.text).not.toMatch(INTERNALS);
}

/** Asserts a 422 whose details name exactly `fields`, one entry each, each message naming its field. */
export function expectValidationError(res: Response, ...fields: string[]): void {
  expectError(res, 422, 'validation_error', { details: expect.any(Array) });
  const details = (res.body as { details: { field: unknown; message: unknown }[] }).details;
  for (const detail of details) {
    expect(detail).toEqual({ field: expect.any(String), message: expect.any(String) });
    expect(detail.message).toContain(String(detail.field));
  }
  expect(details.map((detail) => detail.field).sort()).toEqual([...fields].sort());
}
