import { describe, expect, test } from 'vitest';
import { COMPONENT_NAMES, type ComponentName } from '../../compositions/components/index.js';
import { declareConditions, declareReasons, type Finding } from '../../compositions/conditions.js';
import type { State } from '../../compositions/parent.js';
import { type ComponentOutcome, readPreviousStatus, summarize } from '../../compositions/status.js';
import { NOW } from '../support/builders.js';

/** A probe condition per registered component, so a finding never borrows a real type's meaning. */
const PROBES = declareConditions(
  Object.fromEntries(COMPONENT_NAMES.map((name) => [name, `${name}Probe`])) as Record<ComponentName, string>,
);
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
  summarize(outcomes, readPreviousStatus(undefined, COMPONENT_NAMES), {
    now: NOW,
    generation: 1,
    finalizing,
  });

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
  const requeues: Array<{ name: string; args: { worst: State }; want: { resyncAfterSeconds: number } }> = [
    { name: 'worst Error → resync in 15 s', args: { worst: 'Error' }, want: { resyncAfterSeconds: 15 } },
    {
      name: 'worst Pending → resync in 120 s',
      args: { worst: 'Pending' },
      want: { resyncAfterSeconds: 120 },
    },
    {
      name: 'worst Unknown → resync in 180 s',
      args: { worst: 'Unknown' },
      want: { resyncAfterSeconds: 180 },
    },
    {
      name: 'worst Unavailable → resync in 180 s',
      args: { worst: 'Unavailable' },
      want: { resyncAfterSeconds: 180 },
    },
    {
      name: 'worst Degraded → resync in 300 s',
      args: { worst: 'Degraded' },
      want: { resyncAfterSeconds: 300 },
    },
    { name: 'all Healthy → resync in 600 s', args: { worst: 'Healthy' }, want: { resyncAfterSeconds: 600 } },
  ];
  test.each(requeues)('$name', ({ args, want }) => {
    expect(summary([outcome('mysql', 'Healthy'), outcome('redis', args.worst)]).resyncAfterSeconds).toBe(
      want.resyncAfterSeconds,
    );
  });

  test('a finding that time will change brings the resync forward, never back', () => {
    expect(summary([outcome('mysql', 'Pending', { recheckAfterSeconds: 30 })]).resyncAfterSeconds).toBe(30);
    expect(
      summary([outcome('mysql', 'Error'), outcome('redis', 'Pending', { recheckAfterSeconds: 90 })])
        .resyncAfterSeconds,
    ).toBe(15);
  });
});
