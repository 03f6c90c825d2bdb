import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { clearImmediate, setImmediate } from 'node:timers';
import type { FastifyReply } from 'fastify';

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
 * Sends `events` as Server-Sent Events, one `data:` line each, as they come:
 * nothing is batched, and a slow client holds the producer back.
 */
export async function sendEventStream(
  reply: FastifyReply,
  events: AsyncIterable<object>,
  headers: Record<string, string>,
): Promise<void> {
  // From here on the stream writes to the socket itself; Fastify sends nothing more.
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    // Headers set on the reply so far (rate limit, CORS) would otherwise be lost.
    ...(reply.getHeaders() as OutgoingHttpHeaders),
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    // Tells nginx and similar proxies not to buffer the stream.
    'X-Accel-Buffering': 'no',
    ...headers,
  });
  // The headers go out with the first event when it is already here (one write, one
  // wake-up of the client), and on their own at the end of this turn of the loop otherwise.
  const headersAlone = setImmediate(() => res.flushHeaders());
  try {
    for await (const event of events) {
      clearImmediate(headersAlone);
      if (res.destroyed) break;
      if (!res.write(`data: ${JSON.stringify(event)}\n\n`)) await writable(res);
    }
  } finally {
    clearImmediate(headersAlone);
  }
  res.end();
}
