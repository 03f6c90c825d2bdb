import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Injectable, Logger, StreamableFile } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import { PageNotFoundError } from './playground.errors';

/** Where `npm run build` puts the page: dist/playground/page, beside the compiled module. */
const PAGE_DIR = join(__dirname, 'page');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

interface Asset {
  type: string;
  body: Buffer;
}

function readAssets(dir: string): Map<string, Asset> {
  // A server built without the page (tsc alone) still starts, and says why /playground is missing.
  if (!existsSync(dir)) return new Map();
  const names = readdirSync(dir).filter((name) => CONTENT_TYPES[extname(name)] !== undefined);
  return new Map(
    names.map((name) => [
      name,
      { type: CONTENT_TYPES[extname(name)]!, body: readFileSync(join(dir, name)) },
    ]),
  );
}

/**
 * The page's files, read once at start (a few kilobytes); only the names found
 * there are ever served, so no request path reaches the file system.
 */
@Injectable()
export class PlaygroundAssets {
  private readonly assets: ReadonlyMap<string, Asset>;

  constructor(config: ConfigService<AllConfig, true>) {
    const on = config.get('app.playground', { infer: true });
    this.assets = on ? readAssets(PAGE_DIR) : new Map();
    if (on && !this.assets.has('app.js')) {
      new Logger(PlaygroundAssets.name).warn(
        'The playground page is not built: run `npm run build` to serve /playground.',
      );
    }
  }

  file(name: string): StreamableFile {
    const asset = this.assets.get(name);
    if (asset === undefined) throw new PageNotFoundError();
    return new StreamableFile(asset.body, { type: asset.type, length: asset.body.length });
  }
}
