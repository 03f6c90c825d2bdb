import { registerAs } from '@nestjs/config';
import { loadEnvironment } from './validate-environment';

export const redisConfig = registerAs('redis', () => {
  const env = loadEnvironment();
  return {
    url: env.REDIS_URL,
    clusterNodes: (env.REDIS_CLUSTER_NODES ?? []).map((node) => {
      const [host, port] = node.split(':') as [string, string];
      return { host, port: Number(port) };
    }),
    keyPrefix: env.REDIS_KEY_PREFIX,
  };
});

export type RedisConfig = ReturnType<typeof redisConfig>;
