import { inspect } from 'node:util';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config/configuration';

/** Shapes of credentials that may turn up inside a provider's error text. */
const SECRET_PATTERNS = [
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  /\/\/[^/\s:@]+:[^/\s@]+@/g,
];

/**
 * A provider's address is internal (the contract keeps it out of every log line): its
 * host:port, and its bare name when that cannot be an ordinary word (has a dot or colon).
 */
function hostsOf(url: string): string[] {
  const { host, hostname } = new URL(url);
  return /[.:]/.test(hostname) && hostname !== host ? [host, hostname] : [host];
}

/** Blanks the configured secrets, and anything shaped like one, out of text bound for a log. */
@Injectable()
export class SecretScrubber {
  private readonly secrets: readonly string[];

  constructor(config: ConfigService<AllConfig, true>) {
    const upstreams = config.get('llm.upstreams', { infer: true });
    this.secrets = [
      ...upstreams.flatMap(({ apiKey }) => (apiKey ? [apiKey] : [])),
      ...config.get('app.apiKeySecrets', { infer: true }),
      ...upstreams.flatMap(({ baseUrl }) => (baseUrl ? hostsOf(baseUrl) : [])),
    ];
  }

  scrub(text: string): string {
    let scrubbed = text;
    for (const secret of this.secrets) scrubbed = scrubbed.split(secret).join('[REDACTED]');
    for (const pattern of SECRET_PATTERNS) scrubbed = scrubbed.replace(pattern, '[REDACTED]');
    return scrubbed;
  }

  /** What the log keeps of an error: its chain of names and messages, scrubbed. */
  describe(error: unknown): { type: string; message: string; stack?: string }[] {
    const chain: { type: string; message: string; stack?: string }[] = [];
    for (let current = error; current !== undefined && chain.length < 5;) {
      if (!(current instanceof Error)) {
        chain.push({ type: typeof current, message: this.scrub(inspect(current)) });
        break;
      }
      chain.push({
        type: current.name,
        message: this.scrub(current.message),
        stack: current.stack && this.scrub(current.stack),
      });
      current = current.cause;
    }
    return chain;
  }
}
