import { MemoryFixedWindows, secondsLeft } from './fixed-window';

const WINDOW_MS = 60_000;
const START = Date.parse('2025-01-01T00:00:00.000Z');

describe('MemoryFixedWindows', () => {
  let sut: MemoryFixedWindows;

  beforeEach(() => {
    sut = new MemoryFixedWindows();
  });

  it('counts every hit of a key within one window, with the time left until the window ends', () => {
    expect(sut.hit('client', WINDOW_MS, START)).toEqual({ hits: 1, remainingMs: WINDOW_MS });
    expect(sut.hit('client', WINDOW_MS, START + 1_000)).toEqual({
      hits: 2,
      remainingMs: WINDOW_MS - 1_000,
    });
    expect(sut.hit('client', WINDOW_MS, START + 59_999)).toEqual({ hits: 3, remainingMs: 1 });
  });

  it('counts each key on its own', () => {
    sut.hit('first', WINDOW_MS, START);
    sut.hit('first', WINDOW_MS, START);

    expect(sut.hit('second', WINDOW_MS, START + 10)).toEqual({
      hits: 1,
      remainingMs: WINDOW_MS,
    });
    expect(sut.hit('first', WINDOW_MS, START + 10).hits).toBe(3);
  });

  it('starts a new window, counting from one, once the window has ended', () => {
    for (let i = 0; i < 5; i++) sut.hit('client', WINDOW_MS, START + i);

    expect(sut.hit('client', WINDOW_MS, START + WINDOW_MS)).toEqual({
      hits: 1,
      remainingMs: WINDOW_MS,
    });
    expect(sut.hit('client', WINDOW_MS, START + WINDOW_MS + 500).hits).toBe(2);
  });

  it('starts a fresh window for a key whose window was swept away', () => {
    sut.hit('idle', WINDOW_MS, START);
    // A hit on another key long after sweeps the expired window of the idle one.
    sut.hit('other', WINDOW_MS, START + 10 * WINDOW_MS);

    expect(sut.hit('idle', WINDOW_MS, START + 10 * WINDOW_MS)).toEqual({
      hits: 1,
      remainingMs: WINDOW_MS,
    });
  });
});

describe('secondsLeft', () => {
  it('rounds the time left up to whole seconds', () => {
    expect(secondsLeft({ hits: 6, remainingMs: 12_001 })).toBe(13);
    expect(secondsLeft({ hits: 1, remainingMs: 30_000 })).toBe(30);
  });

  it('never tells a client to wait less than one second', () => {
    expect(secondsLeft({ hits: 6, remainingMs: 0 })).toBe(1);
  });
});
