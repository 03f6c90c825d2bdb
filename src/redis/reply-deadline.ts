/** How long a caller waits for Redis to answer a command before treating Redis as away. */
export const REPLY_TIMEOUT_MS = 1000;

export class ReplyTimeoutError extends Error {
  override readonly name = 'ReplyTimeoutError';

  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
  }
}

/**
 * node-redis times a command only until it is written to the socket; a Redis
 * that accepts commands but does not answer (stalled, paused, behind a dead
 * link) would hold the caller. This bounds the wait for the reply too.
 */
export async function withinReplyDeadline<T>(reply: Promise<T>, ms = REPLY_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReplyTimeoutError(ms)), ms);
  });
  try {
    return await Promise.race([reply, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
