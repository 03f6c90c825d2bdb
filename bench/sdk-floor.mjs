#!/usr/bin/env node
/**
 * The floor for a gateway that calls the provider through the `openai` SDK:
 * `POST /api/v1/chat` takes the service's body, makes the same SDK call with
 * the service's own HTTP client (dist/, build it first) and answers with the
 * content, model and usage. Nothing else: no validation, rate limit, metrics,
 * logs, conversations or error mapping. `--stack fastify` serves it from a
 * Fastify route, `--stack nest` from a bare Nest controller on Fastify, so the
 * two floors split what the SDK costs from what Nest's router adds.
 *
 *   node bench/sdk-floor.mjs --port 8003 --upstream http://127.0.0.1:8001 --stack nest
 */
import { createRequire } from 'node:module';
import { serveUntilStopped } from './lib/http-server.mjs';
import { isMain, readOptions } from './lib/options.mjs';

const DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  upstream: 'http://127.0.0.1:8001',
  stack: 'fastify',
};
const PREFIX = 'api/v1';
const PATH = 'chat';
const require = createRequire(import.meta.url);

/** @param {string} upstream */
function chatCaller(upstream) {
  const OpenAI = require('openai').default;
  const { ProviderHttpClient } = require('../dist/llm/openai/provider-http-client.js');
  const client = new OpenAI({
    apiKey: 'bench-key',
    baseURL: `${upstream}/v1`,
    maxRetries: 0,
    timeout: 60_000,
    fetch: new ProviderHttpClient().fetch,
  });
  /** @param {{ message: string }} body */
  return async (body) => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: body.message }],
      temperature: 0.7,
      max_tokens: 1000,
    });
    const usage = completion.usage;
    return {
      response: completion.choices[0]?.message.content,
      model: completion.model,
      usage: { prompt_tokens: usage?.prompt_tokens, completion_tokens: usage?.completion_tokens },
    };
  };
}

/**
 * @param {(body: { message: string }) => Promise<object>} chat
 * @param {{ port: number, host: string }} address
 */
async function listenWithFastify(chat, { port, host }) {
  const app = require('fastify')({ logger: false });
  app.post(`/${PREFIX}/${PATH}`, (/** @type {{ body: { message: string } }} */ request) =>
    chat(request.body),
  );
  await app.listen({ port, host });
  return { port: app.server.address().port, close: () => app.close() };
}

/**
 * Decorators applied as functions, the way TypeScript's compiled output applies them.
 *
 * @param {(body: { message: string }) => Promise<object>} chat
 * @param {{ port: number, host: string }} address
 */
async function listenWithNest(chat, { port, host }) {
  require('reflect-metadata');
  const { Body, Controller, HttpCode, Module, Post } = require('@nestjs/common');
  const { NestFactory } = require('@nestjs/core');
  const { FastifyAdapter } = require('@nestjs/platform-fastify');
  class ChatController {
    /** @param {{ message: string }} body */
    chat(body) {
      return chat(body);
    }
  }
  const method = Object.getOwnPropertyDescriptor(ChatController.prototype, 'chat');
  for (const decorate of [Post(PATH), HttpCode(200)]) {
    decorate(ChatController.prototype, 'chat', method);
  }
  Body()(ChatController.prototype, 'chat', 0);
  Controller(PREFIX)(ChatController);
  class FloorModule {}
  Module({ controllers: [ChatController] })(FloorModule);
  const app = await NestFactory.create(FloorModule, new FastifyAdapter(), { logger: false });
  await app.listen(port, host);
  return { port: app.getHttpServer().address().port, close: () => app.close() };
}

/**
 * @param {{ port: number, host: string, upstream: string, stack: string }} options
 * @returns {Promise<{ port: number, close: () => Promise<void> }>}
 */
export async function startSdkFloor(options) {
  const listen = { fastify: listenWithFastify, nest: listenWithNest }[options.stack];
  if (!listen) throw new Error(`--stack must be fastify or nest, got ${options.stack}`);
  return listen(chatCaller(options.upstream), options);
}

if (isMain(import.meta.url)) {
  const options = readOptions(DEFAULTS);
  const floor = await startSdkFloor(options);
  serveUntilStopped(
    `sdk-floor (${options.stack})`,
    `http://${options.host}:${floor.port}`,
    floor.close,
  );
}
