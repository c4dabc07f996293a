// What Strimzi is still carrying out on a running Kafka (issue 15; docs/day2-operators.md §1.4): the
// Kafka and KafkaNodePool statuses do not say when new nodes are ready (the pool's is written before
// the pods exist; a pool-only scale-up leaves the Kafka's unchanged), and Strimzi's StrimziPodSet CRD
// may not be installed, so scaling is read from the nodes' pods and a resize from the PVCs' capacity.
import { field, type KubeObject, numberField, stringField } from '../kube.js';
import type { Operation } from '../operations.js';
import { parseQuantity } from '../quantity.js';

export interface ObservedKafka {
  readonly cluster: KubeObject;
  /** The observed pools, with the name prefix of their data PVCs (`data-0-<kafka>-<pool>-`). */
  readonly pools: ReadonlyArray<{
    readonly pool: KubeObject;
    readonly size: string | undefined;
    readonly volumePrefix: string;
  }>;
  /** The related data PVCs. */
  readonly volumes: readonly KubeObject[];
  /** The related pods of the Kafka nodes (labels `strimzi.io/cluster`, `strimzi.io/name`). */
  readonly pods: readonly KubeObject[];
}

interface StrimziCondition {
  readonly type?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
}

/** Strimzi's `Warning` conditions on the Kafka with `reason`, by their messages. */
function warnings(cluster: KubeObject, reason: string): string[] {
  const conditions = field(cluster, 'status', 'conditions');
  if (!Array.isArray(conditions)) return [];
  return conditions
    .filter((c: StrimziCondition) => c?.type === 'Warning' && c.reason === reason)
    .map((c: StrimziCondition) => (typeof c.message === 'string' ? c.message : reason));
}

const isReady = (pod: KubeObject): boolean => {
  const conditions = field(pod, 'status', 'conditions');
  return Array.isArray(conditions) && conditions.some((c) => c?.type === 'Ready' && c.status === 'True');
};

/** The operations in flight; none before Strimzi's first successful reconcile (that is the install). */
export function kafkaOperations(observed: ObservedKafka): Operation[] {
  if (stringField(observed.cluster, 'status', 'kafkaVersion') === undefined) return [];
  const upgrading = upgrades(observed);
  return [
    ...upgrading,
    ...resizes(observed),
    ...scalings(observed, upgrading.length > 0),
    ...rebalances(observed),
  ];
}

/** `version` rolls the nodes (each pod's `strimzi.io/kafka-version` says which it runs), then `metadataVersion`. */
function upgrades({ cluster, pods }: ObservedKafka): Operation[] {
  const wanted = stringField(cluster, 'spec', 'kafka', 'version');
  const running = stringField(cluster, 'status', 'kafkaVersion');
  if (wanted !== undefined && running !== wanted) {
    const rolled = pods.filter((p) => p.metadata.annotations?.['strimzi.io/kafka-version'] === wanted).length;
    return [
      {
        kind: 'Upgrading',
        change: `version ${running} → ${wanted}`,
        progress: `${rolled} of ${pods.length} nodes run ${wanted}`,
      },
    ];
  }
  const level = stringField(cluster, 'spec', 'kafka', 'metadataVersion');
  const runningLevel = stringField(cluster, 'status', 'kafkaMetadataVersion');
  if (level === undefined || runningLevel === undefined || level === runningLevel) return [];
  const [failed] = warnings(cluster, 'MetadataUpdateFailed');
  return [
    {
      kind: 'Upgrading',
      change: `metadata level ${runningLevel} → ${level}`,
      progress: "Strimzi raises it through Kafka's Admin API",
      ...(failed !== undefined ? { failed } : {}),
    },
  ];
}

/**
 * Strimzi patches each PVC of a pool whose size grew, when the StorageClass allows expansion; otherwise
 * it leaves them and warns on the Kafka (`PvcResizingWarning`), which is the failed step.
 */
function resizes({ cluster, pools, volumes }: ObservedKafka): Operation[] {
  const failures = warnings(cluster, 'PvcResizingWarning');
  return pools.flatMap(({ pool, size, volumePrefix }) => {
    const wanted = size === undefined ? undefined : parseQuantity(size);
    if (wanted === undefined) return [];
    const own = volumes.filter((v) => v.metadata.name.startsWith(volumePrefix));
    const grown = own.filter(
      (v) => (parseQuantity(stringField(v, 'status', 'capacity', 'storage') ?? '') ?? 0) >= wanted,
    );
    if (grown.length === own.length) return [];
    const failed = failures.find((message) => own.some((v) => message.includes(v.metadata.name)));
    return [
      {
        kind: 'Resizing' as const,
        change: `KafkaNodePool ${pool.metadata.name} volumes → ${size}`,
        progress: `${grown.length} of ${own.length} volumes at ${size}`,
        ...(failed !== undefined ? { failed } : {}),
      },
    ];
  });
}

/**
 * A pool with fewer ready nodes than it asks for is scaling out (during an upgrade, that is the roll);
 * one with more pods than it asks for is scaling in, which Strimzi reverts (`ScaleDownPreventionCheck`,
 * the failed step) unless Cruise Control is emptying the brokers. No pod observed at all: no signal.
 */
function scalings({ cluster, pools, pods }: ObservedKafka, upgrading: boolean): Operation[] {
  if (pods.length === 0) return [];
  const emptying = field(cluster, 'status', 'autoRebalance', 'state') === 'RebalanceOnScaleDown';
  const reverted = emptying ? [] : warnings(cluster, 'ScaleDownPreventionCheck');
  return pools.flatMap(({ pool }): Operation[] => {
    const name = pool.metadata.name;
    const wanted = numberField(pool, 'spec', 'replicas') ?? 0;
    const own = pods.filter((p) => p.metadata.labels?.['strimzi.io/pool-name'] === name);
    const ready = own.filter(isReady).length;
    const change = `KafkaNodePool ${name} to ${wanted} nodes`;
    if (own.length > wanted) {
      const failed = reverted.find((message) => message.includes(`KafkaNodePool ${name} `));
      return [
        {
          kind: 'ScalingIn',
          change,
          progress: emptying
            ? `${own.length} nodes run while Cruise Control moves their partitions away`
            : `${own.length} nodes run`,
          ...(failed !== undefined ? { failed } : {}),
        },
      ];
    }
    if (ready < wanted && !upgrading) {
      return [{ kind: 'ScalingOut', change, progress: `${ready} of ${wanted} nodes ready` }];
    }
    return [];
  });
}

/** Strimzi's auto-rebalance (Cruise Control) on added or removed brokers. */
function rebalances({ cluster }: ObservedKafka): Operation[] {
  const state = stringField(cluster, 'status', 'autoRebalance', 'state');
  if (state !== 'RebalanceOnScaleUp' && state !== 'RebalanceOnScaleDown') return [];
  const modes = field(cluster, 'status', 'autoRebalance', 'modes');
  const brokers = (Array.isArray(modes) ? modes : [])
    .map((m) => `${field(m, 'mode')} ${JSON.stringify(field(m, 'brokers') ?? [])}`)
    .join(', ');
  return [
    {
      kind: 'Rebalancing',
      change: brokers || (state === 'RebalanceOnScaleUp' ? 'add-brokers' : 'remove-brokers'),
      progress: `Cruise Control moves partitions (auto-rebalance ${state})`,
    },
  ];
}
