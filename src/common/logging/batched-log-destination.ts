import { Buffer } from 'node:buffer';
import { destination, type DestinationStream } from 'pino';

/** Lines wait until this many bytes are ready, about 15 request lines. */
export const LOG_BATCH_BYTES = 4096;
/** ...or until this long has passed, whichever comes first. */
export const LOG_FLUSH_INTERVAL_MS = 100;

/**
 * A log destination that writes lines in batches. pino's default writes
 * every line with its own `fs.write`, a trip through the libuv thread pool per
 * request, which was the largest cost the service itself added to a chat.
 * Lines wait at most LOG_FLUSH_INTERVAL_MS; pino writes whatever still waits
 * synchronously when the process exits, so only a SIGKILL can lose them.
 */
export class BatchedLogDestination implements DestinationStream {
  private readonly sink: ReturnType<typeof destination>;
  private waitingBytes = 0;

  /** `dest` is a file descriptor or path: standard output, unless a test reads a file. */
  constructor({
    dest = 1,
    flushIntervalMs = LOG_FLUSH_INTERVAL_MS,
  }: { dest?: number | string; flushIntervalMs?: number } = {}) {
    this.sink = destination({ dest, minLength: LOG_BATCH_BYTES, sync: false });
    this.sink.on('write', (written: number) => (this.waitingBytes -= written));
    setInterval(() => this.flushWaiting(), flushIntervalMs).unref();
  }

  write(line: string): void {
    this.waitingBytes += Buffer.byteLength(line);
    this.sink.write(line);
  }

  /** A flush during a write in flight does nothing; what still waits is retried next tick. */
  private flushWaiting(): void {
    if (this.waitingBytes > 0) this.sink.flush();
  }
}

let stdout: BatchedLogDestination | undefined;

/** One per process: every logger of every app instance shares standard output. */
export function batchedStdout(): BatchedLogDestination {
  stdout ??= new BatchedLogDestination();
  return stdout;
}
