// The simulator's clock and its seeded randomness: the same seed gives the same uids, passwords
// and cluster IDs, so every run of a story is reproducible.
import { createHash } from 'node:crypto';
import type { RandomSource } from '../compositions/credentials.js';

/** RFC 3339 in UTC with second precision, as metav1.Time serializes. */
export const formatTime = (millis: number): string =>
  new Date(millis).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class Clock {
  private millis: number;

  constructor(start: string) {
    const parsed = Date.parse(start);
    if (Number.isNaN(parsed)) throw new Error(`not a time: "${start}" (expected e.g. 2026-01-01T00:00:00Z)`);
    this.millis = parsed;
  }

  now(): string {
    return formatTime(this.millis);
  }

  advance(seconds: number): void {
    this.millis += Math.round(seconds * 1000);
  }
}

/** A deterministic byte stream (SHA-256 in counter mode): the same seed and stream give the same bytes. */
export function seededRandom(seed: string, stream: string): RandomSource {
  let counter = 0;
  let pending = Buffer.alloc(0);
  return (length) => {
    while (pending.length < length) {
      const block = createHash('sha256').update(`${seed}\u0000${stream}\u0000${counter++}`).digest();
      pending = Buffer.concat([pending, block]);
    }
    const bytes = new Uint8Array(pending.subarray(0, length));
    pending = pending.subarray(length);
    return bytes;
  };
}

/** UUIDs (version 4 layout) from a random source. */
export function uuidFrom(random: RandomSource): () => string {
  return () => {
    const b = Buffer.from(random(16));
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const hex = b.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
