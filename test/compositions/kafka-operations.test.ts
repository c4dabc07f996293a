// What Strimzi is still carrying out on a running Kafka, read from the Kafka's status, the data PVCs'
// capacity and the nodes' pods (compositions/components/kafka-operations.ts).
import { describe, expect, test } from 'vitest';
import { kafkaOperations, type ObservedKafka } from '../../compositions/components/kafka-operations.js';
import type { KubeObject } from '../../compositions/kube.js';

type Field = Record<string, unknown>;
const object = (kind: string, name: string, rest: Field = {}): KubeObject =>
  ({ apiVersion: 'v1', kind, metadata: { name, ...(rest.metadata as Field) }, ...rest }) as KubeObject;

const kafkaCr = (spec: Field, status: Field) =>
  object('Kafka', 'wandb-kafka', {
    spec: { kafka: { version: '4.1.0', ...spec } },
    status: { kafkaVersion: '4.1.0', ...status },
  });
const pool = (name: string, replicas: number, size = '5Gi') =>
  object('KafkaNodePool', name, {
    spec: { replicas, storage: { type: 'jbod', volumes: [{ id: 0, size }] } },
  });
const pod = (pool: string, id: number, ready = true, version = '4.1.0') =>
  object('Pod', `wandb-kafka-${pool}-${id}`, {
    metadata: {
      labels: { 'strimzi.io/pool-name': pool },
      annotations: { 'strimzi.io/kafka-version': version },
    },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
const pvc = (pool: string, id: number, capacity: string) =>
  object('PersistentVolumeClaim', `data-0-wandb-kafka-${pool}-${id}`, {
    status: { capacity: { storage: capacity } },
  });
const warning = (reason: string, message: string) => ({ type: 'Warning', status: 'True', reason, message });

const CTRL = 'wandb-kafka-node-pool';
const BROKERS = 'wandb-kafka-brokers';
const observed = (o: Partial<ObservedKafka> & { cluster: KubeObject }): ObservedKafka => {
  const pools = (o.pools ?? []).map((p) => p.pool);
  return {
    volumes: [],
    pods: [],
    ...o,
    pools: pools.map((p) => ({
      pool: p,
      size: ((p.spec as Field).storage as { volumes: Field[] }).volumes[0]?.size as string,
      volumePrefix: `data-0-wandb-kafka-${p.metadata.name}-`,
    })),
  };
};
const withPools = (...pools: KubeObject[]) =>
  pools.map((p) => ({ pool: p, size: undefined, volumePrefix: '' }));
const ctrlPods = [0, 1, 2].map((i) => pod(CTRL, i));
/** Strimzi's words when it keeps the brokers of a scale-down (BrokersInUseCheck). */
const REVERTING = `Reverting scale-down of KafkaNodePool ${BROKERS} by changing number of replicas to 2`;

describe('kafka operations in flight', () => {
  const cases: Array<{ name: string; args: ObservedKafka; want: unknown[] }> = [
    {
      name: 'installing: nothing',
      args: observed({
        cluster: object('Kafka', 'wandb-kafka', { status: {} }),
        pools: withPools(pool(CTRL, 3)),
      }),
      want: [],
    },
    {
      name: 'steady: nothing',
      args: observed({ cluster: kafkaCr({}, {}), pools: withPools(pool(CTRL, 3)), pods: ctrlPods }),
      want: [],
    },
    {
      name: 'brokers joining',
      args: observed({
        cluster: kafkaCr({}, {}),
        pools: withPools(pool(CTRL, 3), pool(BROKERS, 2)),
        pods: [...ctrlPods, pod(BROKERS, 3, false)],
      }),
      want: [
        { kind: 'ScalingOut', change: `KafkaNodePool ${BROKERS} to 2 nodes`, progress: '0 of 2 nodes ready' },
      ],
    },
    {
      name: 'no pod observed: no signal',
      args: observed({ cluster: kafkaCr({}, {}), pools: withPools(pool(CTRL, 3)) }),
      want: [],
    },
    {
      name: 'scale-down reverted',
      args: observed({
        cluster: kafkaCr(
          {},
          {
            conditions: [warning('ScaleDownPreventionCheck', REVERTING)],
          },
        ),
        pools: withPools(pool(CTRL, 3), pool(BROKERS, 1)),
        pods: [...ctrlPods, pod(BROKERS, 3), pod(BROKERS, 4)],
      }),
      want: [
        {
          kind: 'ScalingIn',
          change: `KafkaNodePool ${BROKERS} to 1 nodes`,
          progress: '2 nodes run',
          failed: REVERTING,
        },
      ],
    },
    {
      name: 'scale-down while Cruise Control empties',
      args: observed({
        cluster: kafkaCr(
          {},
          {
            conditions: [warning('ScaleDownPreventionCheck', REVERTING)],
            autoRebalance: {
              state: 'RebalanceOnScaleDown',
              modes: [{ mode: 'remove-brokers', brokers: [4] }],
            },
          },
        ),
        pools: withPools(pool(CTRL, 3), pool(BROKERS, 1)),
        pods: [...ctrlPods, pod(BROKERS, 3), pod(BROKERS, 4)],
      }),
      want: [
        {
          kind: 'ScalingIn',
          change: `KafkaNodePool ${BROKERS} to 1 nodes`,
          progress: '2 nodes run while Cruise Control moves their partitions away',
        },
        {
          kind: 'Rebalancing',
          change: 'remove-brokers [4]',
          progress: 'Cruise Control moves partitions (auto-rebalance RebalanceOnScaleDown)',
        },
      ],
    },
    {
      name: 'volumes growing',
      args: observed({
        cluster: kafkaCr({}, {}),
        pools: withPools(pool(CTRL, 3, '10Gi')),
        volumes: [pvc(CTRL, 0, '10Gi'), pvc(CTRL, 1, '5Gi'), pvc(CTRL, 2, '5Gi')],
      }),
      want: [
        {
          kind: 'Resizing',
          change: `KafkaNodePool ${CTRL} volumes → 10Gi`,
          progress: '1 of 3 volumes at 10Gi',
        },
      ],
    },
    {
      name: 'growth refused by the StorageClass',
      args: observed({
        cluster: kafkaCr(
          {},
          {
            conditions: [
              warning(
                'PvcResizingWarning',
                `Storage Class local-path does not support resizing of volumes. PVC data-0-wandb-kafka-${CTRL}-0 cannot be resized.`,
              ),
            ],
          },
        ),
        pools: withPools(pool(CTRL, 1, '10Gi')),
        volumes: [pvc(CTRL, 0, '5Gi')],
      }),
      want: [
        {
          kind: 'Resizing',
          change: `KafkaNodePool ${CTRL} volumes → 10Gi`,
          progress: '0 of 1 volumes at 10Gi',
          failed: `Storage Class local-path does not support resizing of volumes. PVC data-0-wandb-kafka-${CTRL}-0 cannot be resized.`,
        },
      ],
    },
    {
      name: 'version rolling (no scale-out)',
      args: observed({
        cluster: kafkaCr({ version: '4.1.1' }, {}),
        pools: withPools(pool(CTRL, 3)),
        pods: [pod(CTRL, 0, true, '4.1.1'), pod(CTRL, 1, false, '4.1.0'), pod(CTRL, 2)],
      }),
      want: [{ kind: 'Upgrading', change: 'version 4.1.0 → 4.1.1', progress: '1 of 3 nodes run 4.1.1' }],
    },
    {
      name: 'metadata level failed',
      args: observed({
        cluster: kafkaCr(
          { metadataVersion: '4.1-IV1' },
          {
            kafkaMetadataVersion: '4.1-IV0',
            conditions: [warning('MetadataUpdateFailed', 'Failed to update metadata version to 4.1-IV1')],
          },
        ),
        pools: withPools(pool(CTRL, 3)),
        pods: ctrlPods,
      }),
      want: [
        {
          kind: 'Upgrading',
          change: 'metadata level 4.1-IV0 → 4.1-IV1',
          progress: "Strimzi raises it through Kafka's Admin API",
          failed: 'Failed to update metadata version to 4.1-IV1',
        },
      ],
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    expect(kafkaOperations(args)).toEqual(want);
  });
});
