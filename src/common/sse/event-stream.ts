import type { Response } from 'express';

function writable(res: Response): Promise<void> {
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
  res: Response,
  events: AsyncIterable<object>,
  headers: Record<string, string>,
): Promise<void> {
  res.status(200).set({
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    // Tells nginx and similar proxies not to buffer the stream.
    'X-Accel-Buffering': 'no',
    ...headers,
  });
  res.flushHeaders();
  for await (const event of events) {
    if (res.destroyed) break;
    if (!res.write(`data: ${JSON.stringify(event)}\n\n`)) await writable(res);
  }
  res.end();
}
