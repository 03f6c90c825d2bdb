import { MEMORY_THROTTLER_MAX_CLIENTS, MemoryThrottlerStorage } from './memory-throttler.storage';

const WINDOW_MS = 60_000;
const LIMIT = 3;
const START = Date.parse('2026-01-01T00:00:00.000Z');

describe('MemoryThrottlerStorage', () => {
  let sut: MemoryThrottlerStorage;

  const hit = (key = 'default:ip:203.0.113.1', blockDuration = 0) =>
    sut.increment(key, WINDOW_MS, LIMIT, blockDuration);

  beforeEach(() => {
    jest.useFakeTimers({ now: START });
    sut = new MemoryThrottlerStorage();
  });
  afterEach(() => jest.useRealTimers());

  it('counts every hit of a key within one window, with the seconds left rounded up', async () => {
    expect(await hit()).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    jest.setSystemTime(START + 1_500);
    expect(await hit()).toMatchObject({ totalHits: 2, timeToExpire: 59, isBlocked: false });
  });

  it('counts each key on its own', async () => {
    await hit('first');
    await hit('first');

    expect((await hit('second')).totalHits).toBe(1);
    expect((await hit('first')).totalHits).toBe(3);
  });

  it('refuses hits past the limit until the window ends when there is no block', async () => {
    for (let i = 0; i < LIMIT; i++) await hit();
    jest.setSystemTime(START + 20_000);

    expect(await hit()).toEqual({
      totalHits: 4,
      timeToExpire: 40,
      isBlocked: true,
      timeToBlockExpire: 40,
    });
    jest.setSystemTime(START + WINDOW_MS);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('blocks for the block duration from the refused hit, without counting, then starts afresh', async () => {
    for (let i = 0; i < LIMIT; i++) await hit(undefined, 90_000);
    jest.setSystemTime(START + 20_000);

    expect(await hit(undefined, 90_000)).toEqual({
      totalHits: 4,
      timeToExpire: 90,
      isBlocked: true,
      timeToBlockExpire: 90,
    });
    jest.setSystemTime(START + 80_000);
    expect(await hit(undefined, 90_000)).toMatchObject({
      totalHits: 4,
      isBlocked: true,
      timeToBlockExpire: 30,
    });
    jest.setSystemTime(START + 110_000);
    expect(await hit(undefined, 90_000)).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('holds at most its maximum of clients however many distinct clients come', async () => {
    for (let i = 0; i < 100_000; i++)
      await hit(`default:ip:10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);

    expect(sut.size).toBe(MEMORY_THROTTLER_MAX_CLIENTS);
  });

  it('evicts the least recently seen client first when full', async () => {
    sut = new MemoryThrottlerStorage(2);
    await hit('old');
    await hit('recent');
    await hit('old');

    await hit('newcomer');

    expect((await hit('old')).totalHits).toBe(3);
    expect((await hit('recent')).totalHits).toBe(1);
  });
});
