/** Replays what was read ahead, then the rest, closing the source when the reader stops early. */
async function* replay<T>(head: readonly T[], rest: AsyncIterator<T>): AsyncGenerator<T> {
  try {
    yield* head;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}

/**
 * Resolves once a stream has sent its first content (or ended), so a stream
 * that fails before then fails as its opening would, and may be retried or
 * sent elsewhere; after that it is committed to its caller.
 */
export async function untilFirstContent<T>(
  events: AsyncIterable<T>,
  isContent: (event: T) => boolean,
): Promise<AsyncIterable<T>> {
  const iterator = events[Symbol.asyncIterator]();
  const head: T[] = [];
  for (;;) {
    const next = await iterator.next();
    if (next.done || isContent(next.value)) {
      if (!next.done) head.push(next.value);
      return replay(head, iterator);
    }
    head.push(next.value);
  }
}
