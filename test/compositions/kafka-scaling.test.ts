// Kafka day 2 (issue 15): the controller pool keeps its size, nodes above it are a broker-only pool,
// brokers leave only through Cruise Control, and what Strimzi is still carrying out is reported.
import { describe, expect, test } from 'vitest';
import { kafka } from '../../compositions/components/kafka.js';
import type { Child, KubeObject } from '../../compositions/kube.js';
import { contextFor, observedObject } from '../support/builders.js';
import { assertValidAgainstCrd } from '../support/crd-validator.js';

type Field = Record<string, unknown>;
const poolsOf = (children: readonly Child[]) =>
  children
    .filter((c) => c.kind === 'KafkaNodePool')
    .map((c) => ({
      name: c.metadata.name,
      replicas: (c.spec as Field).replicas,
      roles: (c.spec as Field).roles,
      nextIds: c.metadata.annotations?.['strimzi.io/next-node-ids'],
    }));

/** The children a spec wants, observed as created (optionally with a pool's replicas overridden). */
function running(spec: unknown, status: Field = {}): KubeObject[] {
  return kafka
    .desired(contextFor(kafka, spec))
    .map((c) =>
      observedObject(c, { status: c.kind === 'Kafka' ? { kafkaVersion: '4.1.0', ...status } : {} }),
    );
}

const CONTROLLERS = { name: 'wandb-kafka-node-pool', roles: ['broker', 'controller'], nextIds: undefined };
const brokers = (replicas: number, first: number) => ({
  name: 'wandb-kafka-brokers',
  replicas,
  roles: ['broker'],
  nextIds: `[${first}-999]`,
});

describe('kafka pools', () => {
  const cases: Array<{
    name: string;
    args: { spec: Field; observedSpec?: Field };
    want: ReturnType<typeof poolsOf>;
  }> = [
    {
      name: 'new dev',
      args: { spec: { kafka: { enabled: true } } },
      want: [{ ...CONTROLLERS, replicas: 1 }],
    },
    {
      name: 'new dev of 3: one controller',
      args: { spec: { kafka: { enabled: true, replicas: 3 } } },
      want: [{ ...CONTROLLERS, replicas: 1 }, brokers(2, 1)],
    },
    {
      name: 'new small of 5: three controllers',
      args: { spec: { size: 'small', kafka: { enabled: true, replicas: 5 } } },
      want: [{ ...CONTROLLERS, replicas: 3 }, brokers(2, 3)],
    },
    {
      name: 'running dev, 1 → 3',
      args: { spec: { kafka: { enabled: true, replicas: 3 } }, observedSpec: { kafka: { enabled: true } } },
      want: [{ ...CONTROLLERS, replicas: 1 }, brokers(2, 1)],
    },
    {
      name: 'running small, 3 → 5',
      args: {
        spec: { size: 'small', kafka: { enabled: true, replicas: 5 } },
        observedSpec: { size: 'small', kafka: { enabled: true } },
      },
      want: [{ ...CONTROLLERS, replicas: 3 }, brokers(2, 3)],
    },
    {
      name: 'running pool of 2 on small keeps 2',
      args: {
        spec: { size: 'small', kafka: { enabled: true, replicas: 4 } },
        observedSpec: { size: 'small', kafka: { enabled: true, replicas: 2 } },
      },
      want: [{ ...CONTROLLERS, replicas: 2 }, brokers(2, 2)],
    },
    {
      name: 'observed broker pool kept at 0',
      args: {
        spec: { size: 'small', kafka: { enabled: true, replicas: 3, rebalance: { enabled: true } } },
        observedSpec: { size: 'small', kafka: { enabled: true, replicas: 5, rebalance: { enabled: true } } },
      },
      want: [{ ...CONTROLLERS, replicas: 3 }, brokers(0, 3)],
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    const children = args.observedSpec ? running(args.observedSpec) : [];
    const desired = kafka.desired(contextFor(kafka, args.spec, { children }));
    expect(poolsOf(desired)).toEqual(want);
    for (const child of desired) assertValidAgainstCrd(child);
  });

  test('rebalance.enabled → Cruise Control with auto-rebalance on added and removed brokers', () => {
    const [cluster] = kafka.desired(
      contextFor(kafka, { size: 'small', kafka: { enabled: true, rebalance: { enabled: true } } }),
    );
    expect((cluster?.spec as Field | undefined)?.cruiseControl).toEqual({
      autoRebalance: [{ mode: 'add-brokers' }, { mode: 'remove-brokers' }],
    });
  });

  test('both pools carry the retention knob (deleteClaim) and the size', () => {
    const desired = kafka.desired(
      contextFor(kafka, {
        kafka: { enabled: true, replicas: 3, storageSize: '2Gi' },
        autoCleanupEnabled: true,
      }),
    );
    const volumes = desired
      .filter((c) => c.kind === 'KafkaNodePool')
      .map((c) => ((c.spec as Field).storage as { volumes: Field[] }).volumes[0]);
    expect(volumes.map((v) => [v?.size, v?.deleteClaim])).toEqual([
      ['2Gi', true],
      ['2Gi', true],
    ]);
  });
});

describe('kafka scaling refusals', () => {
  const refused = (spec: Field, observedSpec: Field, kafkaStatus: Field = {}) =>
    kafka.refusedEdits(contextFor(kafka, spec, { children: running(observedSpec, kafkaStatus) }));
  const SMALL5 = { size: 'small', kafka: { enabled: true, replicas: 5 } };
  const SMALL5_CC = { size: 'small', kafka: { enabled: true, replicas: 5, rebalance: { enabled: true } } };

  const cases: Array<{ name: string; args: { spec: Field; observed: Field }; want: string[] }> = [
    {
      name: 'growth is carried out',
      args: { spec: SMALL5, observed: { size: 'small', kafka: { enabled: true } } },
      want: [],
    },
    {
      name: 'brokers removed without Cruise Control',
      args: { spec: { size: 'small', kafka: { enabled: true, replicas: 4 } }, observed: SMALL5 },
      want: [
        'spec.kafka.replicas cannot go from 5 to 4: removing brokers needs Cruise Control to move their partitions ' +
          'away first (Strimzi reverts it otherwise); set kafka.rebalance.enabled, wait until the Kafka runs it, then scale down',
      ],
    },
    {
      name: 'brokers removed as Cruise Control is enabled',
      args: {
        spec: { size: 'small', kafka: { enabled: true, replicas: 4, rebalance: { enabled: true } } },
        observed: SMALL5,
      },
      want: [expect.stringContaining('wait until the Kafka runs it')],
    },
    {
      name: 'brokers removed with Cruise Control running',
      args: {
        spec: { size: 'small', kafka: { enabled: true, replicas: 3, rebalance: { enabled: true } } },
        observed: SMALL5_CC,
      },
      want: [],
    },
    {
      name: 'below the controller pool, even with Cruise Control',
      args: {
        spec: { size: 'small', kafka: { enabled: true, replicas: 2, rebalance: { enabled: true } } },
        observed: SMALL5_CC,
      },
      want: [expect.stringContaining('is below the 3 nodes of KafkaNodePool wandb-kafka-node-pool')],
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    expect(refused(args.spec, args.observed)).toEqual(want);
  });

  test('rebalance on a single node → InvalidSpec problem: Cruise Control refuses one broker', () => {
    const problems: string[] = [];
    kafka.resolve({
      user: { enabled: true, rebalance: { enabled: true } },
      preset: kafka.presets.dev,
      common: { ...contextFor(kafka, { kafka: { enabled: true } }).spec },
      problems,
    });
    expect(problems).toEqual([
      'spec.kafka.rebalance.enabled needs at least 2 Kafka nodes (kafka.replicas is 1): Cruise Control refuses a single broker',
    ]);
  });
});
