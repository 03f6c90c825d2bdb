import { SetMetadata } from '@nestjs/common';

/** The most a request can spend, from its body as it arrived (not yet validated). */
export interface WorstCase {
  model: string;
  promptTokens: number;
  completionTokens: number;
}

export interface SpendDefaults {
  model: string;
  maxTokens: number;
}

export type SpendEstimator = (body: unknown, defaults: SpendDefaults) => WorstCase;

export const SPEND_ESTIMATE = Symbol('SPEND_ESTIMATE');

/** How the cost-tracking interceptor bounds a route's request before its budget is reserved. */
export const EstimatesSpend = (estimator: SpendEstimator) => SetMetadata(SPEND_ESTIMATE, estimator);

/** Chat formats add a few tokens per message around its content. */
const TOKENS_PER_MESSAGE = 8;

/** Every token is at least one byte of text, so the UTF-8 length of the messages bounds their tokens. */
export function promptTokensAtMost(text: string, messages: number): number {
  return Buffer.byteLength(text, 'utf8') + messages * TOKENS_PER_MESSAGE;
}
