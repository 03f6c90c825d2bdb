/**
 * The `data:` payloads of a Server-Sent Events body, parsed as JSON, as they
 * arrive. EventSource cannot POST, so the page reads the fetch body itself.
 */
export async function* readSseData(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // stream: true keeps a character split across two chunks whole.
      buffered += decoder.decode(value, { stream: true });
      // An event ends at a blank line; the last piece may be an event still arriving.
      const events = buffered.split(/\r?\n\r?\n/);
      buffered = events.pop() ?? '';
      for (const event of events) {
        const data = dataOf(event);
        if (data !== undefined) yield JSON.parse(data) as unknown;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** The event's `data:` lines joined by newlines, as the SSE format says; undefined for a comment. */
function dataOf(event: string): string | undefined {
  const lines = event
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
  return lines.length > 0 ? lines.join('\n') : undefined;
}
