import type { ServerResponse } from 'node:http';
import { clearImmediate, setImmediate } from 'node:timers';

function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/**
 * Sends `events` as Server-Sent Events, one `data:` line each (JSON, or a
 * string as it is, such as OpenAI's `[DONE]`), as they come:
 * nothing is batched, and a slow client holds the producer back. Headers set
 * on the response before (CORS, rate limit, request id) go out with these.
 * Node decides the Connection header, so a client that asked to close gets a closed socket.
 */
export async function sendEventStream<T extends object | string>(
  res: ServerResponse,
  events: AsyncIterable<T>,
  headers: Record<string, string>,
): Promise<T | undefined> {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    // Tells nginx and similar proxies not to buffer the stream.
    'X-Accel-Buffering': 'no',
    ...headers,
  });
  // The headers go out with the first event when it is already here (one write, one
  // wake-up of the client), and on their own at the end of this turn of the loop otherwise.
  const headersAlone = setImmediate(() => res.flushHeaders());
  let last: T | undefined;
  try {
    for await (const event of events) {
      clearImmediate(headersAlone);
      if (res.destroyed) break;
      last = event;
      const data = typeof event === 'string' ? event : JSON.stringify(event);
      if (!res.write(`data: ${data}\n\n`)) await writable(res);
    }
  } finally {
    clearImmediate(headersAlone);
  }
  res.end();
  return last;
}
