// What every golden story (scripts/fixtures.ts) and the tests that read it share: the instant the
// hooks answer at, the parent's uid, and a reproducible byte source for generated credentials.
import type { RandomSource } from '../compositions/credentials.js';

export const NOW = '2026-01-01T00:00:00Z';

export const PARENT_UID = '5f0c2b1e-8d2a-4c43-9a7e-1b2c3d4e5f60';

/** Deterministic bytes (xorshift32), so generated credentials are reproducible. */
export function xorshiftRandom(seed = 1): RandomSource {
  let state = seed >>> 0 || 1;
  return (length) => {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      bytes[i] = state & 0xff;
    }
    return bytes;
  };
}
