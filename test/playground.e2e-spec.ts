import request from 'supertest';
import { expectError } from './support/error-shape';
import { startTestApp, type TestApp } from './support/test-app';

const MODELS = { OPENAI_MODEL: 'gpt-4o-mini', OPENAI_ALLOWED_MODELS: 'gpt-4o,gpt-4o-mini' };
const PRODUCTION = { NODE_ENV: 'production', LLM_PROVIDER: 'mock', AUTH_DISABLED: 'true' };

async function withApp(
  env: Record<string, string>,
  check: (app: TestApp) => Promise<void>,
): Promise<void> {
  const app = await startTestApp(env);
  try {
    await check(app);
  } finally {
    await app.close();
  }
}

describe('GET /api/v1/models', () => {
  it('lists the default model and every allowed model, the default first', async () => {
    await withApp(MODELS, async (sut) => {
      const res = await request(sut.url).get('/api/v1/models').expect(200);

      expect(res.body).toEqual({ default: 'gpt-4o-mini', models: ['gpt-4o-mini', 'gpt-4o'] });
    });
  });

  it('needs an API key when API_KEYS is set', async () => {
    await withApp({ ...MODELS, API_KEYS: 'secret-key' }, async (sut) => {
      expectError(await request(sut.url).get('/api/v1/models'), 401, 'unauthorized');
      await request(sut.url)
        .get('/api/v1/models')
        .auth('secret-key', { type: 'bearer' })
        .expect(200);
    });
  });

  it('counts toward the rate limit', async () => {
    await withApp({ ...MODELS, RATE_LIMIT_REQUESTS: '1' }, async (sut) => {
      await request(sut.url).get('/api/v1/models').expect(200);

      const res = await request(sut.url).get('/api/v1/models');

      expectError(res, 429, 'rate_limit_exceeded', { retry_after: expect.any(Number) });
    });
  });
});

describe('GET /playground, on', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ RATE_LIMIT_REQUESTS: '1', API_KEYS: 'secret-key' });
  });
  afterAll(() => sut?.close());

  it('serves the page as HTML, without an API key and outside the rate limit', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await request(sut.url).get('/playground').expect(200);

      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('<script type="module" src="/playground/app.js"></script>');
    }
  });

  it("sends a Content-Security-Policy that allows this origin only, on the page's answers", async () => {
    const res = await request(sut.url).get('/playground/styles.css').expect(200);

    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:|\*/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('leaves the API routes their own headers: no CSP, no helmet headers', async () => {
    for (const path of ['/api/v1/models', '/', '/health']) {
      const res = await request(sut.url).get(path).auth('secret-key', { type: 'bearer' });

      expect({ path, csp: res.headers['content-security-policy'] }).toEqual({
        path,
        csp: undefined,
      });
      expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
    }
  });

  it('serves only the built page files: sources, configs and other paths are 404', async () => {
    for (const path of [
      '/playground/app.ts',
      '/playground/tsconfig.json',
      '/playground/..%2fplayground.module.ts',
    ]) {
      expectError(await request(sut.url).get(path), 404, 'not_found');
    }
  });

  it('is linked from GET / and from the OpenAPI description', async () => {
    const root = await request(sut.url).get('/').expect(200);
    const doc = await request(sut.url).get('/openapi.json').expect(200);

    expect(root.body).toMatchObject({ docs: '/docs', playground: '/playground' });
    expect((doc.body as { info: { description: string } }).info.description).toContain(
      '(/playground)',
    );
  });
});

describe('PLAYGROUND', () => {
  it('is on by default outside production', async () => {
    await withApp({ NODE_ENV: 'development' }, async (sut) => {
      await request(sut.url).get('/playground').expect(200);
    });
  });

  it.each([
    ['off by default in production', PRODUCTION],
    ['off with PLAYGROUND=false', { PLAYGROUND: 'false' }],
  ])("is %s: /playground is a 404 in the contract's shape, and unlinked", async (_, env) => {
    await withApp(env, async (sut) => {
      expectError(await request(sut.url).get('/playground'), 404, 'not_found');
      expectError(await request(sut.url).get('/playground/index.html'), 404, 'not_found');
      const root = await request(sut.url).get('/').expect(200);
      const doc = await request(sut.url).get('/openapi.json').expect(200);

      expect(root.body).not.toHaveProperty('playground');
      expect((doc.body as { info: { description: string } }).info.description).not.toContain(
        'playground',
      );
    });
  });

  it('turns the page on in production with PLAYGROUND=true', async () => {
    await withApp({ ...PRODUCTION, PLAYGROUND: 'true' }, async (sut) => {
      await request(sut.url).get('/playground').expect(200);
    });
  });
});
