import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

/** Whole seconds, rounded up, as the throttler's record and its headers want them. */
const seconds = (ms: number): number => Math.ceil(ms / 1000);

/** A hit's outcome as both storages work it out in ms; `blockedForMs` is 0 while the client may go on. */
export function toStorageRecord(
  hits: number,
  expiresInMs: number,
  blockedForMs: number,
): ThrottlerStorageRecord {
  return {
    totalHits: hits,
    timeToExpire: seconds(expiresInMs),
    isBlocked: blockedForMs > 0,
    timeToBlockExpire: seconds(blockedForMs),
  };
}
