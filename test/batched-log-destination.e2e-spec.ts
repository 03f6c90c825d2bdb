import { execFile, execFileSync } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  BatchedLogDestination,
  LOG_BATCH_BYTES,
} from '../src/common/logging/batched-log-destination';
import { ensureBuilt } from './support/child-app';
import { waitUntil } from './support/wait-until';

const LINE = `${JSON.stringify({ level: 30, msg: 'request completed', pad: 'x'.repeat(200) })}\n`;

describe('BatchedLogDestination', () => {
  let dir: string;
  const fileIn = (name: string) => join(dir, name);
  const contentOf = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'batched-log-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds a line below the batch size, then writes it when the flush interval passes', async () => {
    const path = fileIn('interval.log');
    const sut = new BatchedLogDestination({ dest: path, flushIntervalMs: 300 });

    sut.write(LINE);
    await sleep(50);
    const early = contentOf(path);
    const late = await waitUntil('the line, flushed', () => contentOf(path) || undefined, 3000);

    expect(early).toBe('');
    expect(late).toBe(LINE);
  });

  it('writes as soon as a batch is full, without waiting for the interval', async () => {
    const path = fileIn('full.log');
    const sut = new BatchedLogDestination({ dest: path, flushIntervalMs: 60_000 });
    const lines = Math.ceil(LOG_BATCH_BYTES / LINE.length) + 1;

    for (let i = 0; i < lines; i++) sut.write(LINE);
    const written = await waitUntil('the batch', () => contentOf(path) || undefined, 3000);

    expect(written).toBe(LINE.repeat(lines));
  });

  it('writes the last lines even when the flush interval came while the output was blocked', async () => {
    // A pipe nobody reads yet: once full, the write in flight waits until a reader drains it.
    const fifo = fileIn('blocked.fifo');
    execFileSync('mkfifo', [fifo]);
    const pipe = openSync(fifo, 'r+');
    const sut = new BatchedLogDestination({ dest: pipe, flushIntervalMs: 20 });
    const filler = LINE.repeat(2000);

    sut.write(filler);
    sut.write('last line\n');
    await sleep(200);
    let read = '';
    const reader = createReadStream(fifo).on('data', (chunk) => (read += String(chunk)));
    const expected = filler.length + 'last line\n'.length;
    await waitUntil('every line', () => (read.length >= expected ? true : undefined), 5000).finally(
      () => {
        // The reader's pending read ends once no writer is left.
        closeSync(pipe);
        reader.destroy();
      },
    );

    expect(read.endsWith(`${LINE}last line\n`)).toBe(true);
  });

  describe('when the process ends before the interval', () => {
    beforeAll(() => ensureBuilt(), 120_000);

    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, args, { cwd: resolve(__dirname, '..') });
    const script = (ending: string) => `
      const { BatchedLogDestination } = require('./dist/common/logging/batched-log-destination');
      const log = new BatchedLogDestination({ flushIntervalMs: 60000 });
      log.write('the last words\\n');
      ${ending}`;

    it('writes what waits when the process exits', async () => {
      const { stdout } = await run(['-e', script('process.exit(0)')]);

      expect(stdout).toBe('the last words\n');
    });

    it('writes what waits when the process dies of an uncaught exception', async () => {
      const failed = await run(['-e', script("throw new Error('boom')")]).catch(
        (error: { stdout: string; code: number }) => error,
      );

      expect(failed).toMatchObject({ stdout: 'the last words\n', code: 1 });
    });
  });
});
