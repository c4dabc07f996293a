import { describe, expect, test } from 'vitest';
import { credentialSecrets } from '../../compositions/component.js';
import { kafka } from '../../compositions/components/kafka.js';
import { kafkaName, nodePoolName } from '../../compositions/components/kafka-children.js';
import type { Child, KubeObject } from '../../compositions/kube.js';
import { contextFor, observedObject } from '../support/builders.js';
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
  describe('a Kafka and its node pool, each valid against its Strimzi CRD', () => {
    const cases: Array<{ name: string; args: { spec: unknown } }> = [
      { name: 'dev parent', args: { spec: DEV } },
      { name: 'small parent', args: { spec: SMALL } },
      {
        name: 'small parent with telemetry and purge',
        args: {
          spec: {
            ...SMALL,
            kafka: { enabled: true, telemetry: { enabled: true } },
            autoCleanupEnabled: true,
          },
        },
      },
    ];
    test.each(cases)('$name', ({ args }) => {
      const children = desiredFor(args.spec);
      expect(children.map((c) => `${c.kind}/${c.metadata.name}`)).toEqual([
        'Kafka/wandb-kafka',
        'KafkaNodePool/wandb-kafka-node-pool',
      ]);
      for (const child of children) assertValidAgainstCrd(child);
    });
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

  describe('retention knobs → deleteClaim on every pool volume', () => {
    const cases: Array<{
      name: string;
      args: { parentFields: Field; componentPolicy?: string };
      want: { deleteClaim: boolean };
    }> = [
      { name: 'no policy → kept', args: { parentFields: {} }, want: { deleteClaim: false } },
      {
        name: 'autoCleanupEnabled → deleted',
        args: { parentFields: { autoCleanupEnabled: true } },
        want: { deleteClaim: true },
      },
      {
        name: 'top-level purge → deleted',
        args: { parentFields: { retentionPolicy: { onDelete: 'purge' } } },
        want: { deleteClaim: true },
      },
      {
        name: 'top-level purge, own retain → kept',
        args: { parentFields: { retentionPolicy: { onDelete: 'purge' } }, componentPolicy: 'retain' },
        want: { deleteClaim: false },
      },
      {
        name: 'top-level retain, own purge → deleted',
        args: { parentFields: { retentionPolicy: { onDelete: 'retain' } }, componentPolicy: 'purge' },
        want: { deleteClaim: true },
      },
    ];
    test.each(cases)('$name', ({ args: { parentFields, componentPolicy }, want }) => {
      const spec = {
        ...parentFields,
        kafka: {
          enabled: true,
          ...(componentPolicy ? { retentionPolicy: { onDelete: componentPolicy } } : {}),
        },
      };
      const pools = desiredFor(spec).filter((c) => c.kind === 'KafkaNodePool');
      expect(pools).toHaveLength(1);
      for (const pool of pools) {
        for (const volume of volumesOf(pool)) expect(volume.deleteClaim).toBe(want.deleteClaim);
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

    const cases: Array<{
      name: string;
      args: Parameters<typeof observedPair>[1];
      want: { status: string; reason: string; implies: string };
    }> = [
      {
        name: 'Ready, current, pool at size → Healthy',
        args: { kafkaStatus: readyKafka, poolStatus: poolStatus(1) },
        want: { status: 'True', reason: 'ReportedStatus', implies: 'Healthy' },
      },
      {
        name: 'NotReady Creating → Pending',
        args: {
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
        want: { status: 'False', reason: 'Creating', implies: 'Pending' },
      },
      {
        name: 'NotReady with an error → Error',
        args: {
          kafkaStatus: {
            observedGeneration: 1,
            conditions: [
              { type: 'NotReady', status: 'True', reason: 'InvalidResourceException', message: 'bad config' },
            ],
          },
          poolStatus: poolStatus(1),
        },
        want: { status: 'False', reason: 'InvalidResourceException', implies: 'Error' },
      },
      {
        name: 'ReconciliationPaused → Unavailable',
        args: {
          kafkaStatus: {
            observedGeneration: 1,
            conditions: [{ type: 'ReconciliationPaused', status: 'True' }],
          },
          poolStatus: poolStatus(1),
        },
        want: { status: 'False', reason: 'ReconciliationPaused', implies: 'Unavailable' },
      },
      {
        name: 'Ready, stale Kafka generation → stale',
        args: { kafkaStatus: readyKafka, kafkaGeneration: 2, poolStatus: poolStatus(1) },
        want: { status: 'False', reason: 'StaleGeneration', implies: 'Pending' },
      },
      {
        name: 'Ready, stale pool generation → stale',
        args: { kafkaStatus: readyKafka, poolStatus: poolStatus(1), poolGeneration: 2 },
        want: { status: 'False', reason: 'StaleGeneration', implies: 'Pending' },
      },
      {
        name: 'Ready, pool without status → stale',
        args: { kafkaStatus: readyKafka },
        want: { status: 'False', reason: 'StaleGeneration', implies: 'Pending' },
      },
      {
        name: 'Ready, pool not yet at size → scaling',
        args: { kafkaStatus: readyKafka, poolStatus: poolStatus(0) },
        want: { status: 'False', reason: 'NodePoolScaling', implies: 'Pending' },
      },
      {
        name: 'Ready, pool holding more nodes than asked (a scale-down Strimzi holds or reverts) → ready',
        args: { kafkaStatus: readyKafka, poolStatus: poolStatus(2) },
        want: { status: 'True', reason: 'ReportedStatus', implies: 'Healthy' },
      },
      {
        name: 'no status yet → Unknown',
        args: {},
        want: { status: 'Unknown', reason: 'Unknown', implies: 'Unknown' },
      },
      {
        name: 'only a Warning condition → Unknown',
        args: {
          kafkaStatus: { observedGeneration: 1, conditions: [{ type: 'Warning', status: 'True' }] },
          poolStatus: poolStatus(1),
        },
        want: { status: 'Unknown', reason: 'Unknown', implies: 'Unknown' },
      },
    ];
    test.each(cases)('$name', ({ args, want }) => {
      expect(findingFor(observedPair(DEV, args))).toMatchObject({ type: 'KafkaReportedReady', ...want });
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

    describe('the node pool: deleteClaim as wanted, and reconciled by Strimzi', () => {
      // `appliedAs` is the spec the observed pool was desired for: what Strimzi was last given.
      const cases: Array<{
        name: string;
        args: { spec: unknown; appliedAs: unknown; poolStatus?: unknown; generation: number };
        want: { inEffect: boolean };
      }> = [
        {
          name: 'retain applied and reconciled',
          args: { spec: DEV, appliedAs: DEV, poolStatus: poolStatus(1), generation: 1 },
          want: { inEffect: true },
        },
        {
          name: 'retain applied, not yet reconciled',
          args: { spec: DEV, appliedAs: DEV, poolStatus: poolStatus(1), generation: 2 },
          want: { inEffect: false },
        },
        {
          name: 'retain applied, pool without status',
          args: { spec: DEV, appliedAs: DEV, generation: 1 },
          want: { inEffect: false },
        },
        {
          name: 'purge wanted, retain still applied',
          args: { spec: PURGE, appliedAs: DEV, poolStatus: poolStatus(1), generation: 1 },
          want: { inEffect: false },
        },
        {
          name: 'purge applied, not yet reconciled',
          args: { spec: PURGE, appliedAs: PURGE, poolStatus: poolStatus(1, 1), generation: 2 },
          want: { inEffect: false },
        },
        {
          name: 'purge applied and reconciled',
          args: { spec: PURGE, appliedAs: PURGE, poolStatus: poolStatus(1, 2), generation: 2 },
          want: { inEffect: true },
        },
      ];
      test.each(cases)('$name', ({ args, want }) => {
        const pool = poolAs(args.appliedAs, args.poolStatus, args.generation);
        expect(inEffect(args.spec, pool)).toBe(want.inEffect);
      });
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

    test('replicas below the controller pool → refused: the KRaft quorum is fixed', () => {
      const problems = refused({ ...SMALL, kafka: { enabled: true, replicas: 2 } }, observedPair(SMALL));
      expect(problems).toEqual([
        'spec.kafka.replicas 2 is below the 3 nodes of KafkaNodePool wandb-kafka-node-pool, which holds the KRaft ' +
          'controllers: Strimzi 0.49 runs a static quorum, so that pool keeps the size it was created with',
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

  test('no credential Secrets; related: the node pods, the data PVCs of both pools and the cluster-ID Secret, in the parent namespace', () => {
    const { spec } = contextFor(kafka, SMALL);
    expect(credentialSecrets(kafka, spec)).toEqual([]);
    expect(kafka.relatedRules(spec, 'wandb')).toEqual([
      {
        apiVersion: 'v1',
        resource: 'pods',
        namespace: 'wandb',
        labelSelector: {
          matchLabels: { 'strimzi.io/cluster': 'wandb-kafka', 'strimzi.io/name': 'wandb-kafka-kafka' },
        },
      },
      {
        apiVersion: 'v1',
        resource: 'persistentvolumeclaims',
        namespace: 'wandb',
        // Broker IDs follow the controllers' (node 0 at least), so the brokers' names start at 1.
        names: [
          ...[0, 1, 2].map((i) => `data-0-wandb-kafka-wandb-kafka-node-pool-${i}`),
          ...[1, 2].map((i) => `data-0-wandb-kafka-wandb-kafka-brokers-${i}`),
        ],
      },
      { apiVersion: 'v1', resource: 'secrets', namespace: 'wandb', names: ['wandb-kafka-cluster-id'] },
    ]);
  });
});
