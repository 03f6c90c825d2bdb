/**
 * A random order in which each item comes first in proportion to its weight
 * (Efraimidis–Spirakis: sort by u^(1/w) for a uniform u).
 */
export function weightedOrder<T extends { weight: number }>(
  items: readonly T[],
  random: () => number = Math.random,
): T[] {
  if (items.length < 2) return [...items];
  return items
    .map((item) => ({ item, key: random() ** (1 / item.weight) }))
    .sort((a, b) => b.key - a.key)
    .map(({ item }) => item);
}
