import { readSseData } from './page/sse-events';

function bodyOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const bytes = chunks.map((chunk) => new TextEncoder().encode(chunk));
  return new ReadableStream({
    start(controller) {
      for (const part of bytes) controller.enqueue(part);
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>): Promise<unknown[]> {
  const events: unknown[] = [];
  for await (const event of readSseData(body)) events.push(event);
  return events;
}

describe('readSseData, the page reading the chat stream', () => {
  it('yields each data event as JSON', async () => {
    const sut = bodyOf('data: {"delta":"a"}\n\ndata: {"delta":"b"}\n\n');

    await expect(collect(sut)).resolves.toEqual([{ delta: 'a' }, { delta: 'b' }]);
  });

  it('joins an event split across chunks, even inside a multi-byte character', async () => {
    const text = 'data: {"delta":"né"}\n\n';
    const bytes = new TextEncoder().encode(text);
    const split = bytes.indexOf(0xc3) + 1;
    const sut = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      },
    });

    await expect(collect(sut)).resolves.toEqual([{ delta: 'né' }]);
  });

  it('reads CRLF line ends and skips comments', async () => {
    const sut = bodyOf(': keep-alive\r\n\r\ndata: {"n":1}\r\n\r\n');

    await expect(collect(sut)).resolves.toEqual([{ n: 1 }]);
  });

  it('yields an event as soon as its blank line arrives, before the body ends', async () => {
    let push!: (text: string) => void;
    const sut = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(new TextEncoder().encode(text));
      },
    });
    const events = readSseData(sut);

    push('data: {"first":true}\n\n');

    await expect(events.next()).resolves.toEqual({ value: { first: true }, done: false });
  });
});
