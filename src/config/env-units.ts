const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Bytes in a size such as 1048576, 512kb or 1mb; NaN when the text is not a positive size. */
export function parseByteSize(text: string): number {
  const match = /^(\d+)\s*([kmg]?b?)$/i.exec(text);
  const multiplier = match ? BYTE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || multiplier === undefined || Number(match[1]) === 0) return NaN;
  return Number(match[1]) * multiplier;
}

/** Seconds as configured, in the milliseconds timers take. */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}
