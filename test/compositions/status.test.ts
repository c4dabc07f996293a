import { describe, expect, test } from 'vitest';
import { declareConditions, declareReasons, type Finding } from '../../compositions/conditions.js';
import type { ComponentName, State } from '../../compositions/parent.js';
import { type ComponentOutcome, readPreviousStatus, summarize } from '../../compositions/status.js';
import { NOW } from '../support/builders.js';

const NAMES: ComponentName[] = ['mysql', 'redis', 'kafka', 'minio', 'clickhouse'];
const PROBES = declareConditions({
  mysql: 'mysqlProbe',
  redis: 'redisProbe',
  kafka: 'kafkaProbe',
  minio: 'minioProbe',
  clickhouse: 'clickhouseProbe',
});
const { Probe } = declareReasons('Probe');

/** An enabled component whose one finding implies `state`. */
function outcome(name: ComponentName, state: State, extra: Partial<Finding> = {}): ComponentOutcome {
  return {
    name,
    enabled: true,
    findings: [
      {
        type: PROBES[name],
        status: 'False',
        reason: Probe,
        message: `${name} probe`,
        implies: state,
        ...extra,
      },
    ],
  };
}

const summary = (outcomes: ComponentOutcome[], finalizing = false) =>
  summarize(outcomes, readPreviousStatus(undefined, NAMES), { now: NOW, generation: 1, finalizing });

describe('summarize', () => {
  test('the Ready message lists the blockers worst first (ties in registry order)', () => {
    const { status } = summary([
      outcome('mysql', 'Pending'),
      outcome('redis', 'Unknown'),
      outcome('kafka', 'Error'),
      outcome('minio', 'Unavailable'),
      outcome('clickhouse', 'Pending'),
    ]);
    const message = status.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
    const order = [...message.matchAll(/(\w+) is (\w+):/g)].map((m) => `${m[1]}=${m[2]}`);
    expect(order).toEqual([
      'kafka=Error',
      'minio=Unavailable',
      'mysql=Pending',
      'clickhouse=Pending',
      'redis=Unknown',
    ]);
  });

  test('deleting: the components still there are listed worst first too', () => {
    const { status } = summary([outcome('mysql', 'Pending'), outcome('redis', 'Error')], true);
    expect(status.conditions?.find((c) => c.type === 'Ready')?.message).toMatch(
      /^deleting: redis is Error.*; mysql is Pending/,
    );
  });

  // The reference's per-state requeue table (reference §4.4), by the worst enabled state.
  test.each([
    ['Error', 15],
    ['Pending', 120],
    ['Unknown', 180],
    ['Unavailable', 180],
    ['Degraded', 300],
    ['Healthy', 600],
  ] as const)('worst state %s → resyncAfterSeconds %d', (state, seconds) => {
    expect(summary([outcome('mysql', 'Healthy'), outcome('redis', state)]).resyncAfterSeconds).toBe(seconds);
  });

  test('a finding that time will change brings the resync forward, never back', () => {
    expect(summary([outcome('mysql', 'Pending', { recheckAfterSeconds: 30 })]).resyncAfterSeconds).toBe(30);
    expect(
      summary([outcome('mysql', 'Error'), outcome('redis', 'Pending', { recheckAfterSeconds: 90 })])
        .resyncAfterSeconds,
    ).toBe(15);
  });
});
