#!/usr/bin/env node
/**
 * The floor for a gateway that calls the provider through the `openai` SDK:
 * `POST /api/v1/chat` takes the service's body, makes the same SDK call with
 * the service's own HTTP client (dist/, build it first) and answers with the
 * content, model and usage.
 * Nothing else: no validation, rate limit, metrics, logs, conversations or
 * error mapping. `--stack express` serves it from an Express route,
 * `--stack nest` from a bare Nest controller on Express
 * (`@nestjs/platform-express`), so the two floors split what the SDK costs
 * from what Nest's router adds.
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
  stack: 'express',
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
async function listenWithExpress(chat, { port, host }) {
  const express = require('express');
  const app = express();
  app.use(express.json());
  // Express 5 hands a rejected handler to its error handler, as Nest's adapter does.
  app.post(
    `/${PREFIX}/${PATH}`,
    async (
      /** @type {{ body: { message: string } }} */ request,
      /** @type {{ json: (body: object) => void }} */ response,
    ) => response.json(await chat(request.body)),
  );
  const server = await new Promise((resolve, reject) => {
    const listening = app.listen(port, host, (/** @type {Error | undefined} */ error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  return {
    port: server.address().port,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
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
  const { ExpressAdapter } = require('@nestjs/platform-express');
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
  const app = await NestFactory.create(FloorModule, new ExpressAdapter(), { logger: false });
  await app.listen(port, host);
  return { port: app.getHttpServer().address().port, close: () => app.close() };
}

/**
 * @param {{ port: number, host: string, upstream: string, stack: string }} options
 * @returns {Promise<{ port: number, close: () => Promise<void> }>}
 */
export async function startSdkFloor(options) {
  const listen = { express: listenWithExpress, nest: listenWithNest }[options.stack];
  if (!listen) throw new Error(`--stack must be express or nest, got ${options.stack}`);
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
