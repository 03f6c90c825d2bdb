import { parseSse } from './sse';

export type SseEvent = Record<string, unknown>;

/** Reads an event stream as it arrives, one event at a time. */
export class EventReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();

  private constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  static of(res: Response): EventReader {
    if (!res.body) throw new Error('the response has no body');
    return new EventReader(res.body.getReader());
  }

  async next(): Promise<SseEvent> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end + 2);
        this.buffer = this.buffer.slice(end + 2);
        return parseSse(block)[0]!;
      }
      const { done, value } = await this.reader.read();
      if (done) throw new Error(`the stream ended before the next event: ${this.buffer}`);
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** Every event still to come, once the stream has ended. */
  async rest(): Promise<SseEvent[]> {
    for (;;) {
      const { done, value } = await this.reader.read();
      if (done) break;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
    this.buffer += this.decoder.decode();
    return parseSse(this.buffer);
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}
