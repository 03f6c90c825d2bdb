import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGE_JSON = join(__dirname, '..', '..', 'package.json');

/** package.json's `scripts`. */
export function packageScripts(): Record<string, string> {
  const { scripts } = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as {
    scripts: Record<string, string>;
  };
  return scripts;
}

/**
 * How production starts the service, as argv: package.json's `start:prod`,
 * `node <flags> dist/main.js`. The image's CMD and the benchmark run the same.
 */
export function productionStartCommand(): string[] {
  const scripts = packageScripts();
  const command = (scripts['start:prod'] ?? '').trim().split(/\s+/);
  if (command[0] !== 'node' || command.at(-1) !== 'dist/main.js') {
    throw new Error(`start:prod is not "node <flags> dist/main.js": ${scripts['start:prod']}`);
  }
  return command;
}

/** The Node flags of the production start command. */
export const productionNodeFlags = (): string[] => productionStartCommand().slice(1, -1);
