import { createHash } from 'node:crypto';
import { ErrorReply } from '@redis/client';
import type { RedisClient } from './redis.connection';

export interface ScriptCall {
  keys: string[];
  arguments: string[];
}

/** A Lua script sent by its digest, with its text only when Redis does not hold it yet. */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly text: string) {
    this.sha = createHash('sha1').update(text).digest('hex');
  }

  async run(client: RedisClient, call: ScriptCall): Promise<unknown> {
    try {
      return await client.evalSha(this.sha, call);
    } catch (error) {
      // Script caches are empty after a restart or on a fresh cluster node.
      if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw error;
      return client.eval(this.text, call);
    }
  }
}
