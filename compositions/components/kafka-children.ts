// What the hooks write for Kafka: the `Kafka` and its KafkaNodePools (the controller pool at its fixed
// size, the broker-only pool for the nodes above it), the names Strimzi derives from them, and the
// pause over retained volumes. The component and its judgments are in kafka.ts.
import { type ComponentContext, childLabels } from '../component.js';
import { decodeData } from '../credentials.js';
import {
  CHILD_KINDS,
  type Child,
  field,
  type KubeObject,
  numberField,
  RELATED_KINDS,
  range,
  stringField,
} from '../kube.js';
import { perObject } from '../memo.js';
import { seriesOf } from '../versions.js';
import type { ResolvedKafka } from './kafka-spec.js';

const KAFKA = CHILD_KINDS.Kafka;
const NODE_POOL = CHILD_KINDS.KafkaNodePool;

/**
 * The metadata level the Kafka is set to: the user's, else the running Kafka's (an upgrade keeps the
 * level until the user raises it, Strimzi's second step), else the version's first level.
 */
export const metadataVersionOf = ({ spec, observed }: ComponentContext<ResolvedKafka>): string =>
  spec.metadataVersion ??
  stringField(observed.get(KAFKA, kafkaName(spec)), 'spec', 'kafka', 'metadataVersion') ??
  firstMetadataLevel(spec.version);

const firstMetadataLevel = (version: string): string => `${seriesOf(version)}-IV0`;
/** Strimzi names PVCs `data-<id>-<kafka>-<pool>-<node>`; the reference's volume 0 keeps its PVC names. */
export const DATA_VOLUME_ID = 0;

export const kafkaName = (spec: ResolvedKafka): string => spec.name;
/** The pool holding the KRaft controllers (and brokers), as the reference named it. */
export const nodePoolName = (spec: ResolvedKafka): string => `${spec.name}-node-pool`;
/** The broker-only pool for nodes above the controller pool's size. */
export const brokerPoolName = (spec: ResolvedKafka): string => `${spec.name}-brokers`;
/** Written by the DecoratorController: the KRaft cluster ID, kept alive by the retained PVCs. */
export const clusterIdSecretName = (spec: ResolvedKafka): string => `${spec.name}-cluster-id`;
export const poolVolumeNames = (spec: ResolvedKafka, pool: string, nodes: readonly number[]): string[] =>
  nodes.map((node) => `data-${DATA_VOLUME_ID}-${kafkaName(spec)}-${pool}-${node}`);
/**
 * Every PVC name the pools may have: node IDs stay below `replicas`, and broker IDs start after the
 * controller pool's (at least node 0; `NEXT_NODE_IDS`), so the list is exact or a superset.
 */
export const dataVolumeNames = perObject((spec: ResolvedKafka): readonly string[] => [
  ...poolVolumeNames(spec, nodePoolName(spec), range(spec.replicas)),
  ...poolVolumeNames(spec, brokerPoolName(spec), range(spec.replicas).slice(1)),
]);
/** Strimzi's annotation choosing a new pool's node IDs (its NodeIdAssignor), e.g. `[3-999]`. */
export const NEXT_NODE_IDS = 'strimzi.io/next-node-ids';
/** Node IDs of up to three digits keep pod names legal (`naming`). */
const MAX_NODE_ID = 999;

/** The labels Strimzi gives the pods of every pool of the Kafka (and no other pod). */
export const nodePodLabels = (spec: ResolvedKafka): Record<string, string> => ({
  'strimzi.io/cluster': kafkaName(spec),
  'strimzi.io/name': `${kafkaName(spec)}-kafka`,
});

export const PAUSE_ANNOTATION = 'strimzi.io/pause-reconciliation';

/**
 * Volumes retained from an earlier cluster hold its KRaft cluster ID, which Strimzi takes only from
 * status (decision 8). A Kafka created over them must start paused until `status.clusterId` holds
 * that ID (the user restores it with one `kubectl patch --subresource=status`), or Strimzi would
 * format a new ID and the brokers would refuse the disks.
 */
export interface RetainedVolumes {
  readonly paused: boolean;
  readonly volumes: readonly string[];
  readonly recordedClusterId: string | undefined;
}

export function retainedVolumes({
  spec,
  observed,
  related,
}: ComponentContext<ResolvedKafka>): RetainedVolumes {
  const volumes = dataVolumeNames(spec).filter((name) =>
    related.has(RELATED_KINDS.PersistentVolumeClaim, name),
  );
  const recordedClusterId = decodeData(
    related.get(RELATED_KINDS.Secret, clusterIdSecretName(spec))?.data,
    'clusterId',
  );
  const cluster = observed.get(KAFKA, kafkaName(spec));
  if (!cluster) return { paused: volumes.length > 0, volumes, recordedClusterId };
  if (cluster.metadata.annotations?.[PAUSE_ANNOTATION] !== 'true' || volumes.length === 0) {
    return { paused: false, volumes, recordedClusterId };
  }
  const current = stringField(cluster, 'status', 'clusterId');
  const restored =
    current !== undefined &&
    current !== '' &&
    (recordedClusterId === undefined || current === recordedClusterId);
  return { paused: !restored, volumes, recordedClusterId };
}

/** Broker settings from `spec.kafka.config.replicationConfig`, each under the key its name says. */
export function replicationSettings(replication: ResolvedKafka['replication']): Record<string, number> {
  return {
    'default.replication.factor': replication.defaultReplicationFactor,
    'min.insync.replicas': replication.minInSyncReplicas,
    'offsets.topic.replication.factor': replication.offsetsTopicRF,
    'transaction.state.log.replication.factor': replication.transactionStateRF,
    'transaction.state.log.min.isr': replication.transactionStateISR,
  };
}

export function kafkaCluster(context: ComponentContext<ResolvedKafka>): Child {
  const { parent, spec } = context;
  const name = kafkaName(spec);
  const paused = retainedVolumes(context).paused;
  return {
    apiVersion: KAFKA.apiVersion,
    kind: KAFKA.kind,
    metadata: {
      name,
      labels: { ...childLabels(parent, 'kafka'), app: name },
      ...(paused ? { annotations: { [PAUSE_ANNOTATION]: 'true' } } : {}),
    },
    spec: {
      kafka: {
        version: spec.version,
        metadataVersion: metadataVersionOf(context),
        listeners: [
          { name: 'plain', port: 9092, type: 'internal', tls: false },
          { name: 'tls', port: 9093, type: 'internal', tls: true },
        ],
        config: replicationSettings(spec.replication),
        ...(spec.telemetry
          ? { metricsConfig: { type: 'strimziMetricsReporter', values: { allowList: ['.*'] } } }
          : {}),
      },
      // Both operators watch the Kafka's own namespace when watchedNamespace is unset.
      entityOperator: { topicOperator: {}, userOperator: {} },
      // Strimzi runs the rebalance itself on added brokers, and before it removes any (§1.3).
      ...(spec.rebalance
        ? { cruiseControl: { autoRebalance: AUTO_REBALANCE_MODES.map((mode) => ({ mode })) } }
        : {}),
    },
  };
}

const AUTO_REBALANCE_MODES = ['add-brokers', 'remove-brokers'] as const;

/** Whether the observed Kafka runs Cruise Control's auto-rebalance on removed brokers. */
export function rebalancesOnScaleDown(cluster: KubeObject | undefined): boolean {
  const modes = field(cluster, 'spec', 'cruiseControl', 'autoRebalance');
  return Array.isArray(modes) && modes.some((m) => field(m, 'mode') === 'remove-brokers');
}

/**
 * The controller pool's size: a running pool's own (Strimzi's static quorum: never changed by us), a
 * pool re-created over retained volumes takes as many nodes as the quorum they hold, else the preset's.
 */
export function controllerPoolSize({ spec, observed, related }: ComponentContext<ResolvedKafka>): number {
  const running = numberField(observed.get(NODE_POOL, nodePoolName(spec)), 'spec', 'replicas');
  if (running !== undefined) return running;
  const retained = poolVolumeNames(spec, nodePoolName(spec), range(spec.replicas)).filter((name) =>
    related.has(RELATED_KINDS.PersistentVolumeClaim, name),
  ).length;
  return retained > 0 ? retained : spec.controllers;
}

/** The pools: the controller pool at its fixed size, the broker pool with the rest (kept once it exists). */
export function nodePools(context: ComponentContext<ResolvedKafka>): Child[] {
  const { spec, observed } = context;
  const controllers = controllerPoolSize(context);
  const brokers = Math.max(0, spec.replicas - controllers);
  const pools = [nodePool(context, nodePoolName(spec), controllers, ['broker', 'controller'])];
  // Never omitted once it exists: an omitted pool is deleted with its brokers. Empty, it holds none.
  if (brokers > 0 || observed.has(NODE_POOL, brokerPoolName(spec))) {
    pools.push(
      nodePool(context, brokerPoolName(spec), brokers, ['broker'], {
        [NEXT_NODE_IDS]: `[${controllers}-${MAX_NODE_ID}]`,
      }),
    );
  }
  return pools;
}

function nodePool(
  { parent, spec }: ComponentContext<ResolvedKafka>,
  name: string,
  replicas: number,
  roles: readonly string[],
  annotations?: Record<string, string>,
): Child {
  return {
    apiVersion: NODE_POOL.apiVersion,
    kind: NODE_POOL.kind,
    metadata: {
      name,
      labels: { ...childLabels(parent, 'kafka'), 'strimzi.io/cluster': kafkaName(spec) },
      ...(annotations ? { annotations } : {}),
    },
    spec: {
      replicas,
      roles: [...roles],
      storage: {
        type: 'jbod',
        volumes: [
          {
            id: DATA_VOLUME_ID,
            type: 'persistent-claim',
            size: spec.storageSize,
            kraftMetadata: 'shared',
            deleteClaim: spec.retention === 'purge',
          },
        ],
      },
      ...(spec.resources ? { resources: spec.resources } : {}),
    },
  };
}

export interface StorageVolume {
  readonly id?: unknown;
  readonly size?: unknown;
  readonly deleteClaim?: unknown;
}

/** The pool's volumes: the jbod list, or the single `persistent-claim` storage itself. */
export function poolVolumes(pool: KubeObject): StorageVolume[] {
  const storage = field(pool, 'spec', 'storage');
  if (storage === null || typeof storage !== 'object') return [];
  const volumes = (storage as { type?: unknown; volumes?: unknown }).volumes;
  if ((storage as { type?: unknown }).type !== 'jbod') return [storage as StorageVolume];
  return Array.isArray(volumes)
    ? volumes.filter((v): v is StorageVolume => v !== null && typeof v === 'object')
    : [];
}
