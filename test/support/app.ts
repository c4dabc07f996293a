// The app as tests run it: fixed clock, seeded randomness, and a logger whose lines are captured.
import { Writable } from 'node:stream';
import pino from 'pino';
import type { RandomSource } from '../../compositions/credentials.js';
import { createApp, createMetricsApp } from '../../hooks/app.js';
import { createMetrics } from '../../hooks/metrics.js';
import { NOW } from './builders.js';

/** Deterministic bytes (xorshift32), so generated credentials are reproducible in tests. */
export function seededRandom(seed = 1): RandomSource {
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

export function testApp(
  options: { authToken?: string; seed?: number; bodyLimit?: string; clock?: () => string } = {},
) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const metrics = createMetrics({ processMetrics: false });
  const { app, lifecycle } = createApp({
    logger,
    metrics,
    clock: options.clock ?? (() => NOW),
    random: seededRandom(options.seed),
    authToken: options.authToken,
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
  });
  return { app, lifecycle, logs: lines, metrics, metricsApp: createMetricsApp(metrics) };
}
