/** The UTC day and month a moment falls in, and when each ends. */
export interface UsagePeriods {
  day: string;
  month: string;
  dayEndsAt: Date;
  monthEndsAt: Date;
}

export function periodsAt(now: Date): UsagePeriods {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const date = now.getUTCDate();
  return {
    day: now.toISOString().slice(0, 10),
    month: now.toISOString().slice(0, 7),
    dayEndsAt: new Date(Date.UTC(year, month, date + 1)),
    monthEndsAt: new Date(Date.UTC(year, month + 1, 1)),
  };
}

/** Whole seconds from `now` until `end`, at least one: what Retry-After says. */
export function secondsUntil(end: Date, now: Date): number {
  return Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));
}
