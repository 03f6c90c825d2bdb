/** The contract's error body: `{"error", "message", "request_id", "retry_after"?}`. */
export interface ContractError {
  error: string;
  message: string;
  request_id?: string;
  retry_after?: number;
  details?: { field: string; message: string }[];
}

export function isContractError(body: unknown): body is ContractError {
  if (typeof body !== 'object' || body === null) return false;
  const { error, message } = body as Record<string, unknown>;
  return typeof error === 'string' && typeof message === 'string';
}

/** "42 seconds", "1 minute 5 seconds", "2 hours". */
export function durationText(totalSeconds: number): string {
  const seconds = Math.max(1, Math.ceil(totalSeconds));
  const parts: [number, string][] = [
    [Math.floor(seconds / 3600), 'hour'],
    [Math.floor((seconds % 3600) / 60), 'minute'],
    [seconds % 60, 'second'],
  ];
  return parts
    .filter(([count]) => count > 0)
    .map(([count, unit]) => `${count} ${unit}${count === 1 ? '' : 's'}`)
    .join(' ');
}

const ADVICE: Readonly<Record<string, string>> = {
  unauthorized: 'Enter a valid API key under Settings.',
  validation_error: 'Check the settings and the message.',
};

/**
 * What went wrong, in words a person reads: the service's own message, when to
 * retry if it said so, and what to do for the common cases.
 */
export function errorText(status: number, body: unknown, now: Date = new Date()): string {
  if (!isContractError(body)) return `The service answered HTTP ${status} without an explanation.`;
  const parts = [body.message, ...(body.details ?? []).map((d) => `${d.field}: ${d.message}.`)];
  if (body.retry_after !== undefined) {
    const at = new Date(now.getTime() + Math.ceil(body.retry_after) * 1000);
    parts.push(`Try again in ${durationText(body.retry_after)} (at ${at.toLocaleTimeString()}).`);
  }
  const advice = ADVICE[body.error];
  if (advice !== undefined) parts.push(advice);
  parts.push(
    `(${body.error}, HTTP ${status}${body.request_id ? `, request ${body.request_id}` : ''})`,
  );
  return parts.join(' ');
}
