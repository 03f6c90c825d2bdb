import { registerAs } from '@nestjs/config';
import { ConfigValidationError, EnvReader } from './env-reader';

const HOST_PORT = /^[^\s:]+:\d{1,5}$/;

export const redisConfig = registerAs('redis', () => {
  const env = new EnvReader(process.env);
  const clusterNodes = env.list('REDIS_CLUSTER_NODES');
  if (clusterNodes.some((node) => !HOST_PORT.test(node))) {
    throw new ConfigValidationError(
      'REDIS_CLUSTER_NODES',
      'must be a comma list of host:port',
      undefined,
    );
  }
  return {
    url: env.url('REDIS_URL', ['redis:', 'rediss:']),
    clusterNodes: clusterNodes.map((node) => {
      const [host, port] = node.split(':') as [string, string];
      return { host, port: Number(port) };
    }),
    keyPrefix: env.string('REDIS_KEY_PREFIX'),
  };
});

export type RedisConfig = ReturnType<typeof redisConfig>;
