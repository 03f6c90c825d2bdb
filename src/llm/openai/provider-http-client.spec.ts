import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderHttpClient } from './provider-http-client';

interface Served {
  origin: string;
  connections: () => number;
  close: () => Promise<void>;
}

/** A server that echoes the request as JSON, or streams three lines for /stream. */
async function serve(): Promise<Served> {
  let connections = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        ['a', 'b', 'c'].forEach((line) => res.write(`data: ${line}\n\n`));
        res.end();
        return;
      }
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
