import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PinoLogger } from 'nestjs-pino';
import { RequestLogMiddleware } from './request-log.middleware';

interface Line {
  fields: Record<string, unknown>;
  message: string;
}

/** A real server whose routes answer after the middleware has run, as Fastify's would. */
async function serve(middleware: RequestLogMiddleware): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    Object.assign(req, { id: `id-of-${req.url}` });
    middleware.use(req, res, () => {
      if (req.url === '/hang') return;
      res.statusCode = req.url === '/fail' ? 503 : 200;
      res.end('done');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('RequestLogMiddleware', () => {
  const lines: Line[] = [];
  const logger = {
    info: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }),
  } as unknown as PinoLogger;
  const sut = new RequestLogMiddleware(logger);
  let server: Server;
  let url: string;

  beforeAll(async () => ({ server, url } = await serve(sut)));
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (lines.length = 0));

  const lineFor = (id: string) =>
    new Promise<Line>((resolve) => {
      const poll = () => {
        const found = lines.find((line) => (line.fields.req as { id: string }).id === id);
        if (found) resolve(found);
        else setTimeout(poll, 5);
      };
      poll();
    });

  it('writes one line with the request, its status and its duration once the response is sent', async () => {
    await fetch(`${url}/ok`).then((res) => res.text());

    const line = await lineFor('id-of-/ok');
    expect(line.message).toBe('request completed');
    expect(line.fields).toMatchObject({
      req: { id: 'id-of-/ok', method: 'GET', url: '/ok' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      route: 'unmatched',
    });
    expect(lines).toHaveLength(1);
  });

  it('says a 5xx answer errored', async () => {
    await fetch(`${url}/fail`).then((res) => res.text());

    expect((await lineFor('id-of-/fail')).message).toBe('request errored');
  });

  it('says a request was aborted when the client left before the answer', async () => {
    const req = request(`${url}/hang`);
    req.on('error', () => undefined);
    req.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    req.destroy();

    expect((await lineFor('id-of-/hang')).message).toBe('request aborted');
  });

  it('writes nothing for a probe', async () => {
    await fetch(`${url}/health/live`).then((res) => res.text());
    await fetch(`${url}/ok`).then((res) => res.text());
    await lineFor('id-of-/ok');

    expect(lines.map((line) => (line.fields.req as { url: string }).url)).toEqual(['/ok']);
  });
});
