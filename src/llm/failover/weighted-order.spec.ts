import { weightedOrder } from './weighted-order';

describe('weightedOrder', () => {
  const heavy = { name: 'heavy', weight: 3 };
  const light = { name: 'light', weight: 1 };

  it('puts each item first in proportion to its weight', () => {
    let state = 42;
    // A small seeded generator keeps the count reproducible.
    const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const firsts = Array.from({ length: 4000 }, () => weightedOrder([heavy, light], random)[0]);

    const heavyShare = firsts.filter((item) => item === heavy).length / firsts.length;

    expect(heavyShare).toBeGreaterThan(0.7);
    expect(heavyShare).toBeLessThan(0.8);
  });

  it('keeps every item, once', () => {
    const order = weightedOrder([heavy, light, { name: 'third', weight: 2 }]);

    expect(order.map(({ name }) => name).sort()).toEqual(['heavy', 'light', 'third']);
  });
});
