import {
  createServer,
  IncomingHttpHeaders,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface FakeCompletionReply {
  kind: 'reply';
  content: string;
  model?: string;
  finishReason?: string;
  usage?: FakeUsage | null;
  delayMs?: number;
  // The options below only apply to `stream: true` requests.
  chunks?: string[];
  /** Sends the headers with the role chunk and the first content chunk, in one write. */
  headersWithFirstChunk?: boolean;
  gapMs?: number;
  holdAfterChunks?: number;
  /** Resets the connection after this many content chunks: what was not yet read may be lost. */
  failAfterChunks?: number;
  /** Closes the connection cleanly (FIN) after this many content chunks, the response unfinished. */
  closeAfterChunks?: number;
  omitFinishReason?: boolean;
  omitDone?: boolean;
}

export type FakeReply =
  | { kind: 'echo' }
  | FakeCompletionReply
  | {
      kind: 'error';
      status: number;
      body?: unknown;
      headers?: Record<string, string>;
      delayMs?: number;
    }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'garbage'; body: string; status?: number; contentType?: string }
  /**
   * OpenAI's bodies as given: `completion` answers a plain request, `chunks` a
   * stream (each sent as one event, then `[DONE]`), for tool calls and several choices.
   */
  | { kind: 'raw'; completion?: object; chunks?: object[] };

export interface RecordedRequest {
  // Tests assert on whatever the gateway sent, so the body stays loosely typed.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: IncomingHttpHeaders;
  receivedAt: number;
}

interface ChatRequest {
  model?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
  messages?: unknown;
}

interface Exchange {
  res: ServerResponse;
  seq: number;
  generation: number;
  closed: boolean;
  destroyedByServer: boolean;
}

const DEFAULT_REPLY: FakeReply = { kind: 'echo' };

export class FakeOpenAiServer {
  readonly requests: RecordedRequest[] = [];
  private queue: FakeReply[] = [];
  private defaultReply: FakeReply = DEFAULT_REPLY;
  private aborts = 0;
  private ids = 0;
  // Bumped by reset() so late closes from a previous test do not leak into the next one.
  private generation = 0;
  private readonly held = new Set<() => void>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeOpenAiServer> {
    const server = createServer({ noDelay: true });
    const fake = new FakeOpenAiServer(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return fake;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  get callCount(): number {
    return this.requests.length;
  }

  get abortCount(): number {
    return this.aborts;
  }

  get heldCount(): number {
    return this.held.size;
  }

  enqueue(...replies: FakeReply[]): void {
    this.queue.push(...replies);
  }

  setDefault(reply: FakeReply): void {
    this.defaultReply = reply;
  }

  release(): void {
    for (const resume of [...this.held]) resume();
  }

  reset(): void {
    this.release();
    this.queue = [];
    this.requests.length = 0;
    this.aborts = 0;
    this.defaultReply = DEFAULT_REPLY;
    this.generation++;
  }

  async waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
    await poll(predicate, timeoutMs, () => `condition ${predicate.toString()}`);
  }

  async waitForRequests(n: number, timeoutMs = 2000): Promise<void> {
    await poll(
      () => this.callCount >= n,
      timeoutMs,
      () => `${n} request(s), got ${this.callCount}`,
    );
  }

  async close(): Promise<void> {
    this.release();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seq = ++this.ids;
    res.setHeader('x-request-id', `req_fake_${seq}`);
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/chat/completions') {
      req.resume();
      const message = `Invalid URL (${req.method ?? 'GET'} ${req.url ?? '/'})`;
      sendJson(res, 404, errorBody(message, 'invalid_request_error', null));
      return;
    }

    const ex: Exchange = {
      res,
      seq,
      generation: this.generation,
      closed: false,
      destroyedByServer: false,
    };
    res.once('close', () => {
      ex.closed = true;
      const aborted = !res.writableFinished && !ex.destroyedByServer;
      if (aborted && ex.generation === this.generation) this.aborts++;
    });

    const body = await readJson(req);
    if (body === undefined) {
      const message = 'We could not parse the JSON body of your request.';
      sendJson(res, 400, errorBody(message, 'invalid_request_error', null));
      return;
    }
    this.requests.push({ body, headers: req.headers, receivedAt: Date.now() });

    const reply = this.queue.shift() ?? this.defaultReply;
    switch (reply.kind) {
      case 'echo': {
        const last = messagesOf(body).at(-1);
        const echo: FakeCompletionReply = { kind: 'reply', content: `echo: ${textOf(last)}` };
        return this.complete(ex, body, echo);
      }
      case 'reply':
        return this.complete(ex, body, reply);
      case 'error': {
        await this.pause(ex, reply.delayMs);
        if (ex.closed) return;
        const payload = reply.body ?? defaultErrorBody(reply.status);
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
        return;
      }
      case 'hang':
        return;
      case 'reset':
        this.destroy(ex);
        return;
      case 'raw':
        if (body.stream !== true) return sendJson(res, 200, reply.completion ?? {});
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
        for (const event of [...(reply.chunks ?? []), '[DONE]']) {
          res.write(`data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`);
        }
        res.end();
        return;
      case 'garbage':
        res.writeHead(reply.status ?? 200, {
          'content-type': reply.contentType ?? 'application/json',
        });
        res.end(reply.body);
        return;
    }
  }

  private async complete(
    ex: Exchange,
    body: ChatRequest,
    reply: FakeCompletionReply,
  ): Promise<void> {
    await this.pause(ex, reply.delayMs);
    if (ex.closed) return;

    const id = `chatcmpl-fake${ex.seq}`;
    const created = Math.floor(Date.now() / 1000);
    const model = reply.model ?? (typeof body.model === 'string' ? body.model : 'fake-model');
    const finishReason = reply.omitFinishReason ? null : (reply.finishReason ?? 'stop');
    const usage =
      reply.usage === null
        ? null
        : withTotal(
            reply.usage ?? {
              prompt_tokens: messagesOf(body).reduce((n, m) => n + countWords(textOf(m)), 0),
              completion_tokens: countWords(reply.content),
            },
          );

    if (body.stream !== true) {
      sendJson(ex.res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: reply.content, refusal: null },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        ...(usage ? { usage } : {}),
      });
      return;
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const send = (data: object | '[DONE]'): void => {
      ex.res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    };
    const chunk = (delta: object, finish: string | null): object => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      // OpenAI puts `usage: null` on every chunk but the last once include_usage is requested.
      ...(includeUsage ? { usage: null } : {}),
    });

    ex.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    // Otherwise Node sends the headers with the first write, and the writes of one tick together.
    if (!reply.headersWithFirstChunk) ex.res.flushHeaders();
    send(chunk({ role: 'assistant', content: '' }, null));

    const pieces = reply.chunks ?? splitInThree(reply.content);
    for (let sent = 0; ; sent++) {
      if (sent === reply.holdAfterChunks) await this.waitForRelease(ex);
      if (sent === reply.failAfterChunks) {
        this.destroy(ex);
        return;
      }
      if (sent === reply.closeAfterChunks) {
        ex.destroyedByServer = true;
        // After the chunks written in this tick have gone out.
        setImmediate(() => ex.res.socket?.end());
        return;
      }
      const piece = pieces[sent];
      if (piece === undefined) break;
      if (sent > 0) await this.pause(ex, reply.gapMs);
      if (ex.closed) return;
      send(chunk({ content: piece }, null));
    }

    if (ex.closed) return;
    if (finishReason !== null) send(chunk({}, finishReason));
    if (includeUsage && usage)
      send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
    if (!reply.omitDone) send('[DONE]');
    ex.res.end();
  }

  private destroy(ex: Exchange): void {
    ex.destroyedByServer = true;
    ex.res.destroy();
  }

  private waitForRelease(ex: Exchange): Promise<void> {
    return new Promise((resolve) => {
      const resume = (): void => {
        this.held.delete(resume);
        ex.res.off('close', resume);
        resolve();
      };
      this.held.add(resume);
      ex.res.once('close', resume);
    });
  }

  // Resolves early when the client goes away, so no timers outlive the exchange.
  private pause(ex: Exchange, ms = 0): Promise<void> {
    if (ms <= 0 || ex.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        ex.res.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      ex.res.once('close', done);
    });
  }
}

async function readJson(req: IncomingMessage): Promise<ChatRequest | undefined> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(parts).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}

function errorBody(message: string, type: string, code: string | null): object {
  return { error: { message, type, param: null, code } };
}

function defaultErrorBody(status: number): object {
  const type =
    status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const code = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_api_key' : null;
  return errorBody(`Fake provider error (HTTP ${status})`, type, code);
}

function messagesOf(body: ChatRequest): { content?: unknown }[] {
  return Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
}

function textOf(message: { content?: unknown } | undefined): string {
  const content = message?.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { type?: unknown; text?: unknown }) =>
      part.type === 'text' && typeof part.text === 'string' ? part.text : '',
    )
    .join(' ');
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function withTotal(usage: FakeUsage): FakeUsage & { total_tokens: number } {
  return { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
}

function splitInThree(content: string): string[] {
  const chars = Array.from(content);
  const size = Math.max(1, Math.ceil(chars.length / 3));
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''));
  return pieces;
}

async function poll(
  predicate: () => boolean,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() >= deadline)
      throw new Error(`Timed out after ${timeoutMs}ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
