import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, request, type Dispatcher } from 'undici';

type FetchInput = string | URL | Request;

/**
 * What the SDK reads of a fetch Response: status, headers, `json()`/`text()`,
 * and `body`, which it iterates as it is when it is async-iterable. Keeping
 * undici's Node stream as the body spares every call a WHATWG stream.
 */
class ProviderResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers = new Headers();

  constructor(
    private readonly data: Dispatcher.ResponseData,
    readonly url: string,
  ) {
    this.status = data.statusCode;
    this.statusText = data.statusText;
    this.ok = data.statusCode >= 200 && data.statusCode < 300;
    for (const [name, value] of Object.entries(data.headers)) {
      if (Array.isArray(value)) value.forEach((item) => this.headers.append(name, item));
      else if (value !== undefined) this.headers.set(name, value);
    }
  }

  get body(): Dispatcher.ResponseData['body'] {
    return this.data.body;
  }

  json(): Promise<unknown> {
    return this.data.body.json();
  }

  text(): Promise<string> {
    return this.data.body.text();
  }
}

function headersOf(init: RequestInit): Headers {
  return init.headers instanceof Headers ? init.headers : new Headers(init.headers);
}

/** Chat completions send JSON; any other body would be a call this client was not built for. */
function bodyOf(init: RequestInit): string | undefined {
  if (init.body === undefined || init.body === null) return undefined;
  if (typeof init.body === 'string') return init.body;
  throw new TypeError('The provider HTTP client sends string bodies only.');
}

/**
 * The SDK's `fetch`: undici's request API over one keep-alive pool per
 * process, with no limit on sockets per provider. The global fetch costs
 * several times the CPU per call (WHATWG streams, Request objects, abort
 * signals), which is most of a gateway's overhead on a fast provider.
 * Timeouts are the provider's (per attempt, see AttemptDeadline), not the pool's.
 */
@Injectable()
export class ProviderHttpClient implements OnApplicationShutdown {
  private readonly agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

  readonly fetch = async (input: FetchInput, init: RequestInit = {}): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const data = await request(url, {
      dispatcher: this.agent,
      method: init.method ?? 'GET',
      headers: headersOf(init),
      body: bodyOf(init),
      signal: init.signal ?? undefined,
    });
    return new ProviderResponse(data, url) as unknown as Response;
  };

  onApplicationShutdown(): Promise<void> {
    return this.agent.destroy();
  }
}
