import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import { PlaygroundAssets } from './playground-assets';
import { PageNotFoundError } from './playground.errors';

function assetsWith(playground: boolean): PlaygroundAssets {
  return new PlaygroundAssets(new ConfigService<AllConfig, true>({ app: { playground } }));
}

describe('PlaygroundAssets', () => {
  it('serves the page with its content type when PLAYGROUND is on', () => {
    const sut = assetsWith(true);

    const page = sut.file('index.html');

    expect(page.getHeaders().type).toBe('text/html; charset=utf-8');
    expect(sut.file('styles.css').getHeaders().type).toBe('text/css; charset=utf-8');
  });

  it.each(['app.ts', 'tsconfig.json', '../playground.module.ts', 'missing.js'])(
    'answers not found for %s, which is not a page file',
    (name) => {
      const sut = assetsWith(true);

      expect(() => sut.file(name)).toThrow(PageNotFoundError);
    },
  );

  it('serves nothing when PLAYGROUND is off', () => {
    const sut = assetsWith(false);

    expect(() => sut.file('index.html')).toThrow(PageNotFoundError);
  });
});
