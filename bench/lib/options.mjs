import { resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/**
 * Reads options from `--kebab-case value` arguments, then from the environment
 * (`<PREFIX>UPPER_SNAKE`), then from the defaults. A default's type decides how
 * the value is parsed, so a typo such as `--chunks ten` fails loudly.
 *
 * @template {Record<string, string | number | boolean>} T
 * @param {T} defaults
 * @param {{ argv?: string[], env?: Record<string, string | undefined>, envPrefix?: string }} [sources]
 * @returns {T}
 */
export function readOptions(defaults, sources = {}) {
  const { argv = process.argv.slice(2), env = process.env, envPrefix = '' } = sources;
  const fromArgs = parseArgs(argv, Object.keys(defaults));
  /** @type {Record<string, string | number | boolean>} */
  const options = {};
  for (const [key, fallback] of Object.entries(defaults)) {
    const raw = fromArgs.get(key) ?? env[envPrefix + toSnake(key)];
    options[key] = raw === undefined ? fallback : coerce(key, raw, fallback);
  }
  return /** @type {T} */ (options);
}

/**
 * The options' flags, variables and defaults, one a line, for `--help`.
 *
 * @param {Record<string, string | number | boolean>} defaults
 * @param {string} [envPrefix]
 */
export function optionsHelp(defaults, envPrefix = '') {
  return Object.entries(defaults)
    .map(([key, value]) => `  --${toKebab(key)} (${envPrefix}${toSnake(key)})  default ${value}`)
    .join('\n');
}

/** True when the arguments ask for help instead of a run. */
export const wantsHelp = (argv = process.argv.slice(2)) =>
  argv.includes('--help') || argv.includes('-h');

/**
 * @param {string[]} argv
 * @param {string[]} keys
 * @returns {Map<string, string>}
 */
function parseArgs(argv, keys) {
  const byFlag = new Map(keys.map((key) => [`--${toKebab(key)}`, key]));
  const values = new Map();
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const key = byFlag.get(flag);
    if (key === undefined)
      throw new Error(`unknown option ${flag}; known: ${[...byFlag.keys()].join(' ')}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`option ${flag} needs a value`);
    values.set(key, value);
  }
  return values;
}

/**
 * @param {string} key
 * @param {string} raw
 * @param {string | number | boolean} fallback
 */
function coerce(key, raw, fallback) {
  if (typeof fallback === 'number') {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
      throw new Error(`option ${key} must be a non-negative number, got ${JSON.stringify(raw)}`);
    }
    return value;
  }
  if (typeof fallback === 'boolean') {
    if (!['1', '0', 'true', 'false'].includes(raw)) {
      throw new Error(`option ${key} must be true/false/1/0, got ${JSON.stringify(raw)}`);
    }
    return raw === '1' || raw === 'true';
  }
  return raw;
}

/** @param {string} key */
const toKebab = (key) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** @param {string} key */
const toSnake = (key) => key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/**
 * True when this module is the process's entry point (so a file can be both a
 * CLI and an importable module).
 *
 * @param {string} moduleUrl import.meta.url of the caller
 */
export function isMain(moduleUrl) {
  const entry = process.argv[1];
  return entry !== undefined && fileURLToPath(moduleUrl) === resolve(entry);
}
