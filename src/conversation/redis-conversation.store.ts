import { ErrorReply } from '@redis/client';
import type { ConversationConfig } from '../config/conversation.config';
import { ConversationNotFoundError, StoreUnavailableError } from './conversation.errors';
import {
  ConversationStore,
  type Conversation,
  type ConversationMessage,
  type ConversationTurn,
} from './conversation.store';
import type { RedisClient } from '../redis/redis.connection';
import { LuaScript } from '../redis/lua-script';
import { withinReplyDeadline } from '../redis/reply-deadline';

/*
 * Both scripts answer { HGETALL of the hash, LRANGE of the messages }, so one parser serves both.
 * Hash fields: ownerId (JSON: a string or null), systemPrompt (absent when null), totalTokens,
 * totalCost ('' once null), createdAt, updatedAt.
 */

const READ_SCRIPT = `
return { redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1) }
`;

// KEYS: hash, messages. ARGV: ownerId JSON, '1' when a system prompt is given, system prompt,
// user message, assistant message, tokens, cost ('' when unpriced), at, maxMessages, ttlSeconds.
// The cost total is kept as the decimal string applyTurn would produce: Lua adds the same
// doubles, and round10 reproduces JS toFixed(10), whose exact ties (x = odd / 2048) go up
// where printf's go to even.
const APPEND_TURN_SCRIPT = `
local function round10(x)
  if (x * 2048) % 2 == 1 then
    return string.format('%.10f', math.ceil(x * 1e10) / 1e10)
  end
  return string.format('%.10f', x)
end

local hash, messages = KEYS[1], KEYS[2]
local owner, at = ARGV[1], ARGV[8]
local storedOwner = redis.call('HGET', hash, 'ownerId')
if storedOwner and storedOwner ~= owner then
  return 'not_owner'
end

local cost = redis.call('HGET', hash, 'totalCost') or '0'
if cost ~= '' then
  if ARGV[7] == '' then
    cost = ''
  else
    cost = round10(tonumber(cost) + tonumber(ARGV[7]))
  end
end

-- First write, so a bad token count fails the script before anything changed.
redis.call('HINCRBY', hash, 'totalTokens', ARGV[6])
if not storedOwner then
  -- Under an eviction policy a list can outlive its hash; a new conversation must not inherit it.
  redis.call('DEL', messages)
  redis.call('HSET', hash, 'ownerId', owner, 'createdAt', at)
end
if ARGV[2] == '1' then
  redis.call('HSET', hash, 'systemPrompt', ARGV[3])
end
redis.call('HSET', hash, 'totalCost', cost, 'updatedAt', at)
redis.call('RPUSH', messages, ARGV[4], ARGV[5])
redis.call('LTRIM', messages, -tonumber(ARGV[9]), -1)
redis.call('EXPIRE', hash, ARGV[10])
redis.call('EXPIRE', messages, ARGV[10])
return { redis.call('HGETALL', hash), redis.call('LRANGE', messages, 0, -1) }
`;

const READ = new LuaScript(READ_SCRIPT);
const APPEND_TURN = new LuaScript(APPEND_TURN_SCRIPT);

// Replies meaning the server is there but cannot serve right now; any other reply is our bug.
const TRANSIENT_REPLIES = ['LOADING', 'BUSY', 'CLUSTERDOWN', 'TRYAGAIN', 'MASTERDOWN', 'READONLY'];

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof ErrorReply)) return true;
  return TRANSIENT_REPLIES.some((code) => error.message.startsWith(code));
}

/**
 * Conversations shared by every replica. All keys of one conversation carry the same hash tag,
 * so the scripts also run on Redis Cluster. A Redis away or not answering is StoreUnavailableError.
 */
export class RedisConversationStore extends ConversationStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly config: ConversationConfig,
    private readonly keyPrefix: string,
  ) {
    super();
  }

  async find(id: string): Promise<Conversation | undefined> {
    const reply = await this.run(READ, id, []);
    return this.parse(id, reply);
  }

  async appendTurn(id: string, turn: ConversationTurn): Promise<Conversation> {
    const [question, answer] = turn.messages;
    const reply = await this.run(APPEND_TURN, id, [
      JSON.stringify(turn.ownerId),
      turn.systemPrompt === undefined ? '0' : '1',
      turn.systemPrompt ?? '',
      encodeMessage(question),
      encodeMessage(answer),
      String(turn.tokens),
      turn.cost === null ? '' : String(turn.cost),
      turn.at,
      String(this.config.maxMessages),
      String(this.config.ttlSeconds),
    ]);
    if (reply === 'not_owner') throw new ConversationNotFoundError();
    const conversation = this.parse(id, reply);
    if (!conversation) throw new Error(`Redis returned no conversation after appending to ${id}`);
    return conversation;
  }

  async delete(id: string): Promise<boolean> {
    const { hash, messages } = this.keys(id);
    const deleted = await this.call(() => this.redis.del([hash, messages]));
    return deleted > 0;
  }

  private keys(id: string): { hash: string; messages: string } {
    const hash = `${this.keyPrefix}{conv:${id}}`;
    return { hash, messages: `${hash}:messages` };
  }

  private run(script: LuaScript, id: string, args: string[]): Promise<unknown> {
    const { hash, messages } = this.keys(id);
    return this.call(() => script.run(this.redis, { keys: [hash, messages], arguments: args }));
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await withinReplyDeadline(command());
    } catch (error) {
      throw isUnavailable(error) ? new StoreUnavailableError({ cause: error }) : error;
    }
  }

  private parse(id: string, reply: unknown): Conversation | undefined {
    if (!Array.isArray(reply) || !isStrings(reply[0]) || !isStrings(reply[1])) {
      throw new Error(`Unexpected Redis reply for conversation ${id}`);
    }
    const [flat, messages] = reply as [string[], string[]];
    if (flat.length === 0) return undefined;
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2)
      fields.set(flat[i] as string, flat[i + 1] as string);

    const ownerId: unknown = JSON.parse(required(fields, 'ownerId'));
    if (ownerId !== null && typeof ownerId !== 'string') {
      throw new Error(`Malformed ownerId in conversation ${id}`);
    }
    const totalCost = required(fields, 'totalCost');
    return {
      id,
      ownerId,
      systemPrompt: fields.get('systemPrompt') ?? null,
      messages: messages.map(decodeMessage),
      totalTokens: Number(required(fields, 'totalTokens')),
      totalCost: totalCost === '' ? null : Number(totalCost),
      createdAt: required(fields, 'createdAt'),
      updatedAt: required(fields, 'updatedAt'),
    };
  }
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function required(fields: ReadonlyMap<string, string>, name: string): string {
  const value = fields.get(name);
  if (value === undefined) throw new Error(`Conversation hash lacks ${name}`);
  return value;
}

function encodeMessage({ role, content, timestamp }: ConversationMessage): string {
  return JSON.stringify({ role, content, timestamp });
}

function decodeMessage(raw: string): ConversationMessage {
  const value = JSON.parse(raw) as Partial<Record<keyof ConversationMessage, unknown>>;
  const { role, content, timestamp } = value;
  if (
    (role !== 'user' && role !== 'assistant') ||
    typeof content !== 'string' ||
    typeof timestamp !== 'string'
  ) {
    throw new Error('Malformed message in conversation list');
  }
  return { role, content, timestamp };
}
