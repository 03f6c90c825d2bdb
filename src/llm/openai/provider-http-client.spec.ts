import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderHttpClient } from './provider-http-client';

interface Served {
  origin: string;
  connections: () => number;
  /** Bytes /big has handed to its socket, and whether the socket has pushed back. */
  big: { written: number; blocked: boolean };
  /** Resolves when the client has gone from a request that had not finished. */
  abandoned: Promise<void>;
  close: () => Promise<void>;
}

const BIG_CHUNK = Buffer.alloc(64 * 1024, 'x');
const BIG_CHUNKS = 160;

/**
 * A server that echoes the request as JSON; /stream sends three events,
 * /big 10 MiB as fast as the socket takes it, /endless an event every 10 ms
 * until the client leaves, /silent never answers.
 */
async function serve(): Promise<Served> {
  let connections = 0;
  const big = { written: 0, blocked: false };
  let markAbandoned!: () => void;
  const abandoned = new Promise<void>((resolve) => (markAbandoned = resolve));
  const server: Server = createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) markAbandoned();
    });
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        ['a', 'b', 'c'].forEach((line) => res.write(`data: ${line}\n\n`));
        res.end();
        return;
      }
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const writeMore = () => {
          while (big.written < BIG_CHUNKS * BIG_CHUNK.length) {
            big.written += BIG_CHUNK.length;
            if (!res.write(BIG_CHUNK)) {
              big.blocked = true;
              res.once('drain', writeMore);
              return;
            }
          }
          res.end();
        };
        writeMore();
        return;
      }
      if (req.url === '/endless') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const timer = setInterval(() => res.write('data: more\n\n'), 10);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (req.url === '/silent') return;
      res.writeHead(req.url === '/missing' ? 404 : 200, {
        'content-type': 'application/json',
        'x-request-id': 'req-1',
        'set-cookie': ['a=1', 'b=2'],
      });
      res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization, body }));
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    connections: () => connections,
    big,
    abandoned,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('ProviderHttpClient', () => {
  let served: Served;
  let client: ProviderHttpClient;

  beforeEach(async () => {
    served = await serve();
    client = new ProviderHttpClient();
  });

  afterEach(async () => {
    await client.onApplicationShutdown();
    await served.close();
  });

  it('sends method, headers and body, and answers like a fetch Response', async () => {
    const response = await client.fetch(`${served.origin}/echo`, {
      method: 'POST',
      headers: new Headers({ authorization: 'Bearer k', 'content-type': 'application/json' }),
      body: '{"x":1}',
    });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(await response.json()).toEqual({ method: 'POST', auth: 'Bearer k', body: '{"x":1}' });
  });

  it('passes error statuses on, with their body readable as text', async () => {
    const response = await client.fetch(new URL(`${served.origin}/missing`), { method: 'GET' });
    expect(response.status).toBe(404);
    expect(response.ok).toBe(false);
    expect(JSON.parse(await response.text())).toMatchObject({ method: 'GET' });
  });

  it('keeps an event stream body async-iterable, as the SDK reads it', async () => {
    const response = await client.fetch(`${served.origin}/stream`, { method: 'GET' });
    const body = response.body as unknown as AsyncIterable<Buffer>;
    let text = '';
    for await (const chunk of body) text += chunk.toString();
    expect(text).toBe('data: a\n\ndata: b\n\ndata: c\n\n');
  });

  it('stops reading from the provider while the body goes unread, and resumes once it is read', async () => {
    const response = await client.fetch(`${served.origin}/big`, { method: 'GET' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(served.big.blocked).toBe(true);
    expect(served.big.written).toBeLessThan(BIG_CHUNKS * BIG_CHUNK.length);

    let received = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Buffer>) {
      received += chunk.length;
    }
    expect(received).toBe(BIG_CHUNKS * BIG_CHUNK.length);
  });

  it('aborts a streaming body when its signal aborts, and the provider sees the client go', async () => {
    const controller = new AbortController();
    const response = await client.fetch(`${served.origin}/endless`, {
      method: 'GET',
      signal: controller.signal,
    });
    const reading = (async () => {
      for await (const chunk of response.body as unknown as AsyncIterable<Buffer>) {
        if (chunk.length > 0) controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    await served.abandoned;
  });

  it('rejects when its signal aborts before the provider answers, and closes the request', async () => {
    const controller = new AbortController();
    const response = client.fetch(`${served.origin}/silent`, {
      method: 'GET',
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(response).rejects.toMatchObject({ name: 'AbortError' });
    await served.abandoned;
  });

  it('closes the request when the reader leaves the body early', async () => {
    const response = await client.fetch(`${served.origin}/endless`, { method: 'GET' });
    for await (const chunk of response.body as unknown as AsyncIterable<Buffer>) {
      if (chunk.length > 0) break;
    }
    await served.abandoned;
  });

  it('reuses kept-alive connections for calls in a row', async () => {
    for (let i = 0; i < 10; i++) {
      await (await client.fetch(`${served.origin}/echo`, { method: 'POST', body: '{}' })).json();
    }
    // A call may start just before undici has put the previous call's socket back.
    expect(served.connections()).toBeLessThanOrEqual(2);
  });

  it('opens as many connections as concurrent calls need: no queue in front of the provider', async () => {
    const calls = Array.from({ length: 20 }, () =>
      client.fetch(`${served.origin}/echo`, { method: 'POST', body: '{}' }).then((r) => r.json()),
    );
    await Promise.all(calls);
    expect(served.connections()).toBe(20);
  });

  it('cancels the request when its signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      client.fetch(`${served.origin}/echo`, {
        method: 'POST',
        body: '{}',
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses a body that is not a string', async () => {
    await expect(
      client.fetch(`${served.origin}/echo`, { method: 'POST', body: new Uint8Array([1]) }),
    ).rejects.toThrow(TypeError);
  });
});
