import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = __dirname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import [^;]*? from '([^']+)';/gms)].map((match) => match[1]!);
}

const { dependencies } = JSON.parse(readFileSync(join(SRC, '..', 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

const files = sourceFiles(SRC).map((file) => ({
  path: relative(SRC, file),
  imports: importsOf(file),
}));

describe('the request path, as the design card draws it', () => {
  it.each(['common/auth', 'common/validation', 'rate-limit'])(
    'keeps %s (guards and pipes) out of the chat, cache and conversation modules',
    (folder) => {
      const reaching = files
        .filter(({ path }) => path.startsWith(`${folder}/`))
        .flatMap(({ path, imports }) =>
          imports
            .filter((name) => /\/(chat|cache|conversation)\//.test(name))
            .map((name) => `${path} imports ${name}`),
        );

      expect(reaching).toEqual([]);
    },
  );

  it('talks to Redis through one client library, the one @keyv/redis is built on', () => {
    const redisClients = files.flatMap(({ path, imports }) =>
      imports
        .filter((name) => /redis/i.test(name) && !name.startsWith('.'))
        .map((name) => ({ path, name })),
    );

    expect(new Set(redisClients.map(({ name }) => name))).toEqual(
      new Set(['@redis/client', '@keyv/redis']),
    );
    expect(
      Object.keys(dependencies)
        .filter((name) => /redis/i.test(name))
        .sort(),
    ).toEqual(['@keyv/redis', '@redis/client']);
  });

  it('runs on Express only', () => {
    expect(Object.keys(dependencies).filter((name) => /fastify/i.test(name))).toEqual([]);
    expect(dependencies).toHaveProperty('@nestjs/platform-express');
  });
});
