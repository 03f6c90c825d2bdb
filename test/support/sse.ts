/** Reads a text/event-stream body into its `data:` JSON events, in order. */
export function parseSse(body: string): Record<string, unknown>[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      if (!block.startsWith('data: ') || block.includes('\n')) {
        throw new Error(`not a single-line data event: ${JSON.stringify(block)}`);
      }
      return JSON.parse(block.slice('data: '.length)) as Record<string, unknown>;
    });
}

/** POSTs JSON and returns the raw response, for streaming tests that read as bytes arrive. */
export function postJson(
  url: string,
  body: unknown,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify(body),
    signal: init.signal,
  });
}
