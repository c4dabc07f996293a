import { describe, expect, test } from 'vitest';
import { credentialSecrets } from '../../compositions/component.js';
import { kafka, kafkaName, nodePoolName } from '../../compositions/components/kafka.js';
import type { Child, KubeObject } from '../../compositions/kube.js';
import { aSecret, contextFor, observedObject } from '../support/builders.js';
import { assertValidAgainstCrd } from '../support/crd-validator.js';

const DEV = { kafka: { enabled: true } };
const SMALL = { size: 'small', kafka: { enabled: true } };

const desiredFor = (spec: unknown, parentName?: string) =>
  kafka.desired(contextFor(kafka, spec, parentName ? { parent: { name: parentName } } : {}));

function childOf(children: Child[], kind: string): Child {
  const child = children.find((c) => c.kind === kind);
  if (!child) throw new Error(`no ${kind} desired`);
  return child;
}

type Field = Record<string, unknown>;
const specOf = (child: Child | KubeObject) => child.spec as Field;
const volumesOf = (pool: Child | KubeObject) => ((specOf(pool).storage as Field).volumes as Field[]) ?? [];

/** The Kafka and its pool as the API server returns them, with operator statuses. */
function observedPair(
  spec: unknown,
  options: {
    kafkaStatus?: unknown;
    poolStatus?: unknown;
    kafkaGeneration?: number;
    poolGeneration?: number;
  } = {},
): KubeObject[] {
  const children = desiredFor(spec);
  const cluster = childOf(children, 'Kafka');
  const pool = childOf(children, 'KafkaNodePool');
  return [
    observedObject(cluster, { status: options.kafkaStatus, generation: options.kafkaGeneration ?? 1 }),
    observedObject(pool, { status: options.poolStatus, generation: options.poolGeneration ?? 1 }),
  ];
}

const readyKafka = {
  conditions: [{ type: 'Ready', status: 'True' }],
  observedGeneration: 1,
  clusterId: 'abc',
};
const poolStatus = (replicas: number, observedGeneration = 1) => ({
  observedGeneration,
  replicas,
  nodeIds: [0],
});

describe('kafka', () => {
  test.each([
    ['dev', DEV],
    ['small', SMALL],
    [
      'small with telemetry and purge',
      { ...SMALL, kafka: { enabled: true, telemetry: { enabled: true } }, autoCleanupEnabled: true },
    ],
  ])('%s parent → every desired child is valid against its Strimzi CRD', (_, spec) => {
    const children = desiredFor(spec);
    expect(children.map((c) => `${c.kind}/${c.metadata.name}`)).toEqual([
      'Kafka/wandb-kafka',
      'KafkaNodePool/wandb-kafka-node-pool',
    ]);
    for (const child of children) assertValidAgainstCrd(child);
  });

  test('dev parent → KRaft Kafka 4.1.0 with plain and tls listeners and a combined pool of one', () => {
    const children = desiredFor(DEV);
    const cluster = specOf(childOf(children, 'Kafka'));
    expect(cluster.kafka).toMatchObject({
      version: '4.1.0',
      metadataVersion: '4.1-IV0',
      listeners: [
        { name: 'plain', port: 9092, type: 'internal', tls: false },
        { name: 'tls', port: 9093, type: 'internal', tls: true },
      ],
    });
    expect(cluster.kafka).not.toHaveProperty('metricsConfig');
    expect(cluster.entityOperator).toEqual({ topicOperator: {}, userOperator: {} });
    const pool = childOf(children, 'KafkaNodePool');
    expect(pool.metadata.labels).toMatchObject({ 'strimzi.io/cluster': 'wandb-kafka' });
    expect(specOf(pool)).toEqual({
      replicas: 1,
      roles: ['broker', 'controller'],
      storage: {
        type: 'jbod',
        volumes: [
          { id: 0, type: 'persistent-claim', size: '1Gi', kraftMetadata: 'shared', deleteClaim: false },
        ],
      },
    });
  });

  test('small parent → resources on the pool, not on the Kafka', () => {
    const children = desiredFor(SMALL);
    expect(specOf(childOf(children, 'KafkaNodePool')).resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: '1000m', memory: '2Gi' },
    });
    expect(specOf(childOf(children, 'Kafka')).kafka).not.toHaveProperty('resources');
  });

  test('telemetry enabled → Strimzi metrics reporter that allows every metric', () => {
    const cluster = childOf(desiredFor({ kafka: { enabled: true, telemetry: { enabled: true } } }), 'Kafka');
    expect((specOf(cluster).kafka as Field).metricsConfig).toEqual({
      type: 'strimziMetricsReporter',
      values: { allowList: ['.*'] },
    });
  });

  test('replicationConfig → each setting under the key its name says (transactionStateRF is the RF)', () => {
    const spec = {
      kafka: {
        enabled: true,
        replicas: 5,
        config: {
          replicationConfig: {
            defaultReplicationFactor: 5,
            minInSyncReplicas: 4,
            offsetsTopicRF: 3,
            transactionStateRF: 2,
            transactionStateISR: 1,
          },
        },
      },
    };
    const config = (specOf(childOf(desiredFor(spec), 'Kafka')).kafka as Field).config;
    expect(config).toEqual({
      'default.replication.factor': 5,
      'min.insync.replicas': 4,
      'offsets.topic.replication.factor': 3,
      'transaction.state.log.replication.factor': 2,
      'transaction.state.log.min.isr': 1,
    });
  });

  test('63-character parent name → pod names <kafka>-<pool>-<id> stay within 63 characters', () => {
    const parentName = `w${'x'.repeat(62)}`;
    const context = contextFor(kafka, DEV, { parent: { name: parentName } });
    const pod = `${kafkaName(context.spec)}-${nodePoolName(context.spec)}-999`;
    expect(pod.length).toBeLessThanOrEqual(63);
    for (const child of kafka.desired(context)) {
      expect(child.metadata.name.length).toBeLessThanOrEqual(63);
      assertValidAgainstCrd(child);
    }
  });

  describe('retention knobs', () => {
    test.each([
      ['no policy', {}, false],
      ['autoCleanupEnabled', { autoCleanupEnabled: true }, true],
      ['top-level purge', { retentionPolicy: { onDelete: 'purge' } }, true],
      ['top-level purge, component retain', { retentionPolicy: { onDelete: 'purge' } }, false, 'retain'],
      ['top-level retain, component purge', { retentionPolicy: { onDelete: 'retain' } }, true, 'purge'],
    ])('%s → deleteClaim %s on every pool volume', (_, parentFields, deleteClaim, own?: string) => {
      const spec = {
        ...parentFields,
        kafka: { enabled: true, ...(own ? { retentionPolicy: { onDelete: own } } : {}) },
      };
      const pools = desiredFor(spec).filter((c) => c.kind === 'KafkaNodePool');
      expect(pools).toHaveLength(1);
      for (const pool of pools) {
        for (const volume of volumesOf(pool)) expect(volume.deleteClaim).toBe(deleteClaim);
      }
    });
  });

  describe('KafkaReportedReady', () => {
    const findingFor = (children: KubeObject[]) => {
      const findings = kafka.observe(contextFor(kafka, DEV, { children }));
      expect(findings).toHaveLength(1);
      const [finding] = findings;
      if (!finding) throw new Error('no finding');
      return finding;
    };

    test.each([
      [
        'Ready at current generations, pool at full size',
        { kafkaStatus: readyKafka, poolStatus: poolStatus(1) },
        'True',
        'ReportedStatus',
        'Healthy',
      ],
      [
        'NotReady Creating',
        {
          kafkaStatus: {
            conditions: [
              {
                type: 'NotReady',
                status: 'True',
                reason: 'Creating',
                message: 'Kafka cluster is being deployed',
              },
            ],
          },
        },
        'False',
        'Creating',
        'Pending',
      ],
      [
        'NotReady with an error',
        {
          kafkaStatus: {
            observedGeneration: 1,
            conditions: [
              { type: 'NotReady', status: 'True', reason: 'InvalidResourceException', message: 'bad config' },
            ],
          },
          poolStatus: poolStatus(1),
        },
        'False',
        'InvalidResourceException',
        'Error',
      ],
      [
        'ReconciliationPaused',
        {
          kafkaStatus: {
            observedGeneration: 1,
            conditions: [{ type: 'ReconciliationPaused', status: 'True' }],
          },
          poolStatus: poolStatus(1),
        },
        'False',
        'ReconciliationPaused',
        'Unavailable',
      ],
      [
        'Ready but stale Kafka generation',
        { kafkaStatus: readyKafka, kafkaGeneration: 2, poolStatus: poolStatus(1) },
        'False',
        'StaleGeneration',
        'Pending',
      ],
      [
        'Ready but stale pool generation',
        { kafkaStatus: readyKafka, poolStatus: poolStatus(1), poolGeneration: 2 },
        'False',
        'StaleGeneration',
        'Pending',
      ],
      [
        'Ready but the pool has no status',
        { kafkaStatus: readyKafka },
        'False',
        'StaleGeneration',
        'Pending',
      ],
      [
        'Ready but the pool runs fewer replicas',
        { kafkaStatus: readyKafka, poolStatus: poolStatus(0) },
        'False',
        'NodePoolScaling',
        'Pending',
      ],
      ['no status yet', {}, 'Unknown', 'Unknown', 'Unknown'],
      [
        'only a Warning condition',
        {
          kafkaStatus: { observedGeneration: 1, conditions: [{ type: 'Warning', status: 'True' }] },
          poolStatus: poolStatus(1),
        },
        'Unknown',
        'Unknown',
        'Unknown',
      ],
    ])('%s → %s/%s (%s)', (_, options, status, reason, implies) => {
      expect(findingFor(observedPair(DEV, options))).toMatchObject({
        type: 'KafkaReportedReady',
        status,
        reason,
        implies,
      });
    });

    test('NotReady error → the message carries the operator message; an odd reason becomes NotReady', () => {
      const finding = findingFor(
        observedPair(DEV, {
          kafkaStatus: {
            observedGeneration: 1,
            conditions: [
              { type: 'NotReady', status: 'True', reason: 'not a reason!', message: 'Pod unschedulable' },
            ],
          },
          poolStatus: poolStatus(1),
        }),
      );
      expect(finding).toMatchObject({
        reason: 'NotReady',
        message: 'Kafka wandb-kafka is not ready: Pod unschedulable',
      });
    });

    test('stale generation → the message names the object and both generations', () => {
      expect(
        findingFor(
          observedPair(DEV, { kafkaStatus: readyKafka, kafkaGeneration: 3, poolStatus: poolStatus(1) }),
        ).message,
      ).toBe('Kafka wandb-kafka: the operator has not yet observed generation 3 (observedGeneration 1)');
      expect(
        findingFor(
          observedPair(DEV, { kafkaStatus: readyKafka, poolStatus: poolStatus(1), poolGeneration: 2 }),
        ).message,
      ).toBe(
        'KafkaNodePool wandb-kafka-node-pool: the operator has not yet observed generation 2 (observedGeneration 1)',
      );
    });

    test('paused → the message says so', () => {
      const finding = findingFor(
        observedPair(DEV, {
          kafkaStatus: { conditions: [{ type: 'ReconciliationPaused', status: 'True' }] },
        }),
      );
      expect(finding.message).toContain('reconciliation is paused');
    });

    test('Ready Kafka without its pool → Pending until the pool exists', () => {
      const [cluster] = observedPair(DEV, { kafkaStatus: readyKafka });
      expect(findingFor([cluster as KubeObject])).toMatchObject({
        reason: 'NodePoolMissing',
        implies: 'Pending',
      });
    });

    test('no Kafka observed → no finding', () => {
      expect(kafka.observe(contextFor(kafka, DEV))).toEqual([]);
    });
  });

  describe('knobsInEffect', () => {
    const PURGE = { autoCleanupEnabled: true, kafka: { enabled: true } };
    const inEffect = (spec: unknown, object: KubeObject) =>
      kafka.knobsInEffect(contextFor(kafka, spec), object);

    test('the Kafka itself → always in effect', () => {
      const [cluster] = observedPair(DEV);
      expect(inEffect(PURGE, cluster as KubeObject)).toBe(true);
    });

    const poolAs = (asDesiredFor: unknown, status: unknown, generation: number) =>
      observedObject(childOf(desiredFor(asDesiredFor), 'KafkaNodePool'), { status, generation });

    test.each([
      ['retain wanted, deleteClaim false, pool reconciled', DEV, DEV, poolStatus(1), 1, true],
      ['retain wanted, pool generation not yet reconciled', DEV, DEV, poolStatus(1), 2, false],
      ['retain wanted, pool without status', DEV, DEV, undefined, 1, false],
      ['purge wanted, observed pool still deleteClaim false', PURGE, DEV, poolStatus(1), 1, false],
      ['purge wanted, deleteClaim true but not yet reconciled', PURGE, PURGE, poolStatus(1, 1), 2, false],
      ['purge wanted, deleteClaim true and reconciled', PURGE, PURGE, poolStatus(1, 2), 2, true],
    ])('%s → %s', (_, spec, observedAs, status, generation, expected) => {
      expect(inEffect(spec, poolAs(observedAs, status, generation))).toBe(expected);
    });
  });

  describe('refusedEdits', () => {
    const refused = (spec: unknown, children: KubeObject[]) =>
      kafka.refusedEdits(contextFor(kafka, spec, { children }));

    test('nothing observed → nothing refused', () => {
      expect(refused(SMALL, [])).toEqual([]);
    });

    test('same replicas and storage → nothing refused', () => {
      expect(refused(DEV, observedPair(DEV))).toEqual([]);
    });

    test('pool replicas differ from the spec → refused: the KRaft quorum is fixed', () => {
      const problems = refused({ kafka: { enabled: true, replicas: 3 } }, observedPair(DEV));
      expect(problems).toEqual([
        "spec.kafka.replicas cannot change from 1 to 3: Strimzi 0.49 cannot scale a KRaft controller quorum; the combined pool's replicas are fixed",
      ]);
    });

    test('storage shrink → refused; growth → allowed', () => {
      const observed = observedPair({ kafka: { enabled: true, storageSize: '10Gi' } });
      expect(refused({ kafka: { enabled: true, storageSize: '5Gi' } }, observed)).toEqual([
        'spec.kafka.storageSize cannot shrink from 10Gi to 5Gi: volumes only grow',
      ]);
      expect(refused({ kafka: { enabled: true, storageSize: '20Gi' } }, observed)).toEqual([]);
    });
  });

  test('no credential Secrets; related: the data PVCs and the cluster-ID Secret, by name, in the parent namespace', () => {
    const { spec } = contextFor(kafka, SMALL);
    expect(credentialSecrets(kafka, spec)).toEqual([]);
    expect(kafka.relatedRules(spec, 'wandb')).toEqual([
      {
        apiVersion: 'v1',
        resource: 'persistentvolumeclaims',
        namespace: 'wandb',
        names: [0, 1, 2].map((i) => `data-0-wandb-kafka-wandb-kafka-node-pool-${i}`),
      },
      { apiVersion: 'v1', resource: 'secrets', namespace: 'wandb', names: ['wandb-kafka-cluster-id'] },
    ]);
  });
});

describe('kafka over retained volumes (decision 8)', () => {
  const pvc = (node: number) =>
    ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: `data-0-wandb-kafka-wandb-kafka-node-pool-${node}`,
        namespace: 'wandb',
        uid: `pvc-${node}`,
      },
    }) as KubeObject;
  const recorded = aSecret('wandb-kafka-cluster-id', { clusterId: 'OLD-ID' });
  const pausedAnnotation = (children: readonly { metadata: { annotations?: Record<string, string> } }[]) =>
    children[0]?.metadata.annotations?.['strimzi.io/pause-reconciliation'];

  test('no retained volumes → the Kafka is created unpaused', () => {
    const context = contextFor(kafka, DEV);
    expect(pausedAnnotation(kafka.desired(context))).toBeUndefined();
    expect(kafka.observe(context)).toEqual([]);
  });

  test('retained volumes and a recorded ID → created paused, and status gives the one command that restores the ID', () => {
    const context = contextFor(kafka, DEV, { related: [pvc(0), recorded] });
    expect(pausedAnnotation(kafka.desired(context))).toBe('true');
    const [finding] = kafka.observe(context);
    expect(finding).toMatchObject({ type: 'KafkaRetainedVolumes', status: 'True', implies: 'Unavailable' });
    expect(finding?.message).toBe(
      'Kafka wandb-kafka is paused over retained volumes data-0-wandb-kafka-wandb-kafka-node-pool-0; restore its cluster ID with: ' +
        `kubectl patch kafka wandb-kafka -n wandb --subresource=status --type=merge -p '{"status":{"clusterId":"OLD-ID"}}' ` +
        '(the pause lifts once status.clusterId matches). To start empty instead: kubectl delete pvc -n wandb data-0-wandb-kafka-wandb-kafka-node-pool-0',
    );
  });

  test('retained volumes without a recorded ID → paused, and status says where to read the ID', () => {
    const [finding] = kafka.observe(contextFor(kafka, DEV, { related: [pvc(0)] }));
    expect(finding?.message).toContain(
      'its cluster ID was not recorded; read cluster.id from meta.properties',
    );
  });

  test.each([
    ['status.clusterId still unset', undefined, 'true'],
    ['status.clusterId differs from the recorded ID', 'NEW-ID', 'true'],
    ['status.clusterId restored', 'OLD-ID', undefined],
  ])('an observed paused Kafka with %s → annotation %s', (_name, clusterId, expected) => {
    const context = contextFor(kafka, DEV, { related: [pvc(0), recorded] });
    const [desiredKafka] = kafka.desired(context);
    const observedKafka = observedObject(desiredKafka as never, {
      status: clusterId ? { clusterId, conditions: [{ type: 'ReconciliationPaused', status: 'True' }] } : {},
    });
    const next = contextFor(kafka, DEV, { related: [pvc(0), recorded], children: [observedKafka] });
    expect(pausedAnnotation(kafka.desired(next))).toBe(expected);
  });

  test('volumes deleted by the user while paused → unpaused (a new, empty cluster)', () => {
    const [desiredKafka] = kafka.desired(contextFor(kafka, DEV, { related: [pvc(0)] }));
    const next = contextFor(kafka, DEV, {
      children: [observedObject(desiredKafka as never, { status: {} })],
    });
    expect(pausedAnnotation(kafka.desired(next))).toBeUndefined();
  });

  test('a running Kafka (never paused by us) is not paused by the volumes it made itself', () => {
    const [desiredKafka] = kafka.desired(contextFor(kafka, DEV));
    const running = observedObject(desiredKafka as never, { status: { clusterId: 'NEW-ID' } });
    const context = contextFor(kafka, DEV, { related: [pvc(0), recorded], children: [running] });
    expect(pausedAnnotation(kafka.desired(context))).toBeUndefined();
  });
});
