// The app as tests run it: fixed clock, seeded randomness, and a logger whose lines are captured.
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp, createMetricsApp } from '../../hooks/app.js';
import { createMetrics } from '../../hooks/metrics.js';
import { NOW, xorshiftRandom } from '../../sim/story.js';

/** Deterministic bytes, so generated credentials are reproducible in tests (the stories' source). */
export const seededRandom = xorshiftRandom;

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
