/** The `error` values of the HTTP contract, with the status each one answers. */
export const STATUS_BY_ERROR_CODE = {
  bad_request: 400,
  context_length_exceeded: 400,
  unauthorized: 401,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_error: 422,
  rate_limit_exceeded: 429,
  budget_exceeded: 429,
  upstream_rate_limited: 429,
  internal_error: 500,
  upstream_error: 502,
  upstream_unavailable: 503,
  store_unavailable: 503,
  upstream_timeout: 504,
} as const;

export type ErrorCode = keyof typeof STATUS_BY_ERROR_CODE;
