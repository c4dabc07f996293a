// Kafka through Strimzi 0.49 in KRaft mode: a `Kafka` `<name>`, the combined broker+controller
// `KafkaNodePool` `<name>-node-pool` (the static KRaft quorum: its size never changes) and, for nodes
// above it, the broker-only `KafkaNodePool` `<name>-brokers`. CRDs: shared/crds/strimzi/040-Crd-kafka.yaml and
// 045-Crd-kafkanodepool.yaml (`kafka.strimzi.io/v1`); reference §5.1. The children are built in kafka-children.ts; this file holds the component and its judgments.
import {
  type AppliedRetention,
  agreedRetention,
  type Component,
  type ComponentContext,
  carriesPolicy,
  namesOfKind,
  serviceHost,
} from '../component.js';
import type { Finding } from '../conditions.js';
import { decodeData } from '../credentials.js';
import { withField } from '../freeze.js';
import {
  CHILD_KINDS,
  type Child,
  field,
  type KubeObject,
  numberField,
  RELATED_KINDS,
  sameKind,
  stringField,
} from '../kube.js';
import type { RetentionMode } from '../presets.js';
import { storageShrinks } from '../quantity.js';
import { compareVersions, seriesOf } from '../versions.js';
import {
  brokerPoolName,
  clusterIdSecretName,
  DATA_VOLUME_ID,
  dataVolumeNames,
  kafkaCluster,
  kafkaName,
  nodePodLabels,
  nodePoolName,
  nodePools,
  PAUSE_ANNOTATION,
  poolVolumeNames,
  poolVolumes,
  type RetainedVolumes,
  rebalancesOnScaleDown,
  retainedVolumes,
} from './kafka-children.js';
import { kafkaOperations } from './kafka-operations.js';
import { KAFKA_SLICE, type KafkaPreset, type KafkaSpec, type ResolvedKafka } from './kafka-spec.js';
import { CONDITIONS, REASONS, reportedReady } from './kafka-status.js';

const KAFKA = CHILD_KINDS.Kafka;
const NODE_POOL = CHILD_KINDS.KafkaNodePool;

/**
 * A metadata level Strimzi would not carry out: above the version's series (Strimzi ignores it with only a
 * log line), or below the running one (a KRaft metadata downgrade; refused like every downgrade).
 */
function metadataRefusals(context: ComponentContext<ResolvedKafka>): string[] {
  const { spec, observed } = context;
  const level = spec.metadataVersion;
  if (level === undefined) return [];
  const problems: string[] = [];
  if (compareVersions(seriesOf(level), seriesOf(spec.version)) > 0) {
    problems.push(
      `spec.kafka.metadataVersion ${level} is newer than Kafka ${spec.version} supports: raise spec.kafka.version first, ` +
        'then the metadata level (Strimzi ignores a level above its version)',
    );
  }
  const running = stringField(observed.get(KAFKA, kafkaName(spec)), 'spec', 'kafka', 'metadataVersion');
  if (running && compareVersions(level, running) < 0) {
    problems.push(
      `spec.kafka.metadataVersion ${level} is lower than the running level ${running}: a KRaft metadata downgrade is refused`,
    );
  }
  return problems;
}

function retainedVolumesFinding(
  context: ComponentContext<ResolvedKafka>,
  retained: RetainedVolumes,
): Finding {
  const name = kafkaName(context.spec);
  const namespace = context.parent.namespace;
  const patch = (id: string) =>
    `kubectl patch kafka ${name} -n ${namespace} --subresource=status --type=merge -p '{"status":{"clusterId":"${id}"}}'`;
  const startEmpty = `kubectl delete pvc -n ${namespace} ${retained.volumes.join(' ')}`;
  const restore = retained.recordedClusterId
    ? `restore its cluster ID with: ${patch(retained.recordedClusterId)}`
    : `its cluster ID was not recorded; read cluster.id from meta.properties on a volume and run: ${patch('<cluster.id>')}`;
  return {
    type: CONDITIONS.retainedVolumes,
    status: 'True',
    reason: REASONS.PausedOverRetainedVolumes,
    message:
      `Kafka ${name} is paused over retained volumes ${retained.volumes.join(', ')}; ${restore} ` +
      `(the pause lifts once status.clusterId matches). To start empty instead: ${startEmpty}`,
    implies: 'Unavailable',
  };
}

export const kafka: Component<ResolvedKafka, KafkaSpec, KafkaPreset, 'kafka'> = {
  ...KAFKA_SLICE,
  title: 'Kafka',
  kinds: [
    { ref: KAFKA, condition: CONDITIONS.kafkaCustomResource, reported: CONDITIONS.reportedReady },
    { ref: NODE_POOL, condition: CONDITIONS.nodePoolCustomResource },
  ],
  conditions: CONDITIONS,
  select: (spec) => spec.kafka,
  desired: (context) => [kafkaCluster(context), ...nodePools(context)],
  observe: (context) => {
    const { spec, observed } = context;
    const retained = retainedVolumes(context);
    const findings = retained.paused ? [retainedVolumesFinding(context, retained)] : [];
    const cluster = observed.get(KAFKA, kafkaName(spec));
    if (!cluster) return findings;
    const pools = [nodePoolName(spec), brokerPoolName(spec)].map((name) => ({
      name,
      observed: observed.get(NODE_POOL, name),
    }));
    return [
      ...findings,
      reportedReady(
        cluster,
        pools.filter((p, i) => i === 0 || p.observed),
      ),
    ];
  },
  secrets: {
    sources: (spec) => [{ ref: KAFKA, name: kafkaName(spec) }],
    credentials: () => [],
    connection: (spec, { namespace, related }) => {
      const host = serviceHost(`${kafkaName(spec)}-kafka-bootstrap`, namespace);
      const clusterId = stringField(related.get(KAFKA, kafkaName(spec)), 'status', 'clusterId');
      return {
        url: `kafka://${host}:9092`,
        Host: host,
        Port: '9092',
        ...(clusterId ? { ClusterID: clusterId } : {}),
      };
    },
    // The ID Strimzi reports is the one on the volumes; until it reports one, keep what was recorded.
    records: (spec, { related, observedSecret }) => {
      const name = clusterIdSecretName(spec);
      const clusterId =
        stringField(related.get(KAFKA, kafkaName(spec)), 'status', 'clusterId') ||
        decodeData(observedSecret(name)?.data, 'clusterId');
      return clusterId ? [{ name, data: { clusterId } }] : [];
    },
    recordNames: (spec) => [clusterIdSecretName(spec)],
  },
  // The recorded cluster ID must outlive the parent with the volumes that carry it.
  // By Strimzi's labels: exactly the data volumes of every pool, whichever node IDs they have.
  dataNeedsSecrets: {
    deleteVolumes: (spec, namespace) =>
      `kubectl delete pvc -n ${namespace} -l strimzi.io/cluster=${kafkaName(spec)},strimzi.io/name=${kafkaName(spec)}-kafka`,
  },
  // infra-crds §1.6: the bootstrap and brokers Services and the CA Secrets; the pool's pods come from
  // the StrimziPodSet `<kafka>-<pool>`.
  ownedNames: (spec) => {
    const name = kafkaName(spec);
    return [
      ...namesOfKind(KAFKA.kind, [name]),
      ...namesOfKind(NODE_POOL.kind, [nodePoolName(spec), brokerPoolName(spec)]),
      ...namesOfKind('StrimziPodSet', [`${name}-${nodePoolName(spec)}`, `${name}-${brokerPoolName(spec)}`]),
      ...namesOfKind('Service', [`${name}-kafka-bootstrap`, `${name}-kafka-brokers`]),
      ...namesOfKind('Secret', [
        clusterIdSecretName(spec),
        ...['cluster-ca-cert', 'cluster-ca', 'clients-ca-cert', 'clients-ca', 'cluster-operator-certs'].map(
          (suffix) => `${name}-${suffix}`,
        ),
      ]),
    ];
  },
  // Retained volumes and the recorded cluster ID, to create a Kafka over them paused; the volumes'
  // capacity and the nodes' pods, to follow a resize and a scaling (kafka-operations.ts).
  relatedRules: (spec, namespace) => [
    {
      apiVersion: RELATED_KINDS.Pod.apiVersion,
      resource: RELATED_KINDS.Pod.resource,
      namespace,
      labelSelector: { matchLabels: nodePodLabels(spec) },
    },
    {
      apiVersion: RELATED_KINDS.PersistentVolumeClaim.apiVersion,
      resource: RELATED_KINDS.PersistentVolumeClaim.resource,
      namespace,
      names: dataVolumeNames(spec),
    },
    {
      apiVersion: RELATED_KINDS.Secret.apiVersion,
      resource: RELATED_KINDS.Secret.resource,
      namespace,
      names: [clusterIdSecretName(spec)],
    },
  ],
  refusedEdits: (context) => [
    ...metadataRefusals(context),
    ...scalingRefusals(context),
    ...storageRefusals(context),
  ],
  operations: (context) => {
    const { spec, observed, related } = context;
    const cluster = observed.get(KAFKA, kafkaName(spec));
    if (!cluster) return [];
    const pools = [nodePoolName(spec), brokerPoolName(spec)].flatMap((name) => {
      const pool = observed.get(NODE_POOL, name);
      if (!pool) return [];
      const size = poolVolumes(pool).find((v) => (v.id ?? DATA_VOLUME_ID) === DATA_VOLUME_ID)?.size;
      const volumePrefix = poolVolumeNames(spec, name, [0])[0]?.slice(0, -1) ?? '';
      return [{ pool, size: typeof size === 'string' ? size : undefined, volumePrefix }];
    });
    return kafkaOperations({
      cluster,
      pools,
      volumes: related.ofKind(RELATED_KINDS.PersistentVolumeClaim),
      pods: related.ofKind(RELATED_KINDS.Pod),
    });
  },
  dataVolumes: dataVolumeNames,
  retentionPlan: (spec) =>
    spec.retention === 'retain'
      ? {
          policy: 'retain',
          volumes: `kept: KafkaNodePool ${nodePoolName(spec)} (and ${brokerPoolName(spec)}, once brokers were added) has deleteClaim: false, so Strimzi leaves the PVCs`,
          credentials:
            `the cluster ID stays in Secret ${clusterIdSecretName(spec)}, owned by those PVCs; a new parent creates ` +
            'the Kafka paused and status shows the one command that restores the ID',
        }
      : {
          policy: 'purge',
          volumes: `deleted: KafkaNodePool ${nodePoolName(spec)} (and ${brokerPoolName(spec)}, once brokers were added) has deleteClaim: true, so Strimzi's PVCs go with the pool`,
          credentials: `Secret ${clusterIdSecretName(spec)} is owned by the PVCs and goes with them`,
        },
  knobsInEffect: (context, object) => {
    if (!sameKind(object, NODE_POOL)) return true;
    if (!carriesPolicy(appliedRetention(object), context.spec.retention)) return false;
    // Strimzi applies deleteClaim by re-owning the PVCs when it reconciles the pool (decision 8).
    if (numberField(object, 'status', 'observedGeneration') === object.metadata.generation) return true;
    // A pool whose Kafka was created paused over retained volumes is never reconciled, and owns no
    // PVC: under retain there is nothing to protect; under purge the retained volumes are not its to
    // delete, so removal waits until the user deletes or keeps them (removalFindings says how).
    return (
      pausedPool(context, object) &&
      (context.spec.retention === 'retain' || retainedVolumes(context).volumes.length === 0)
    );
  },
  withRetentionKnobs,
  appliedRetention,
  removalFindings: (context) => {
    const pool = context.observed.get(NODE_POOL, nodePoolName(context.spec));
    return pool && pausedPool(context, pool) ? [pausedRemovalFinding(context)] : [];
  },
};

/**
 * Scalings Strimzi would break or revert: the controller pool's size is fixed (a static KRaft quorum;
 * Strimzi does not refuse it, we are the only guard), and brokers are removed only through Cruise
 * Control's auto-rebalance, which empties them first (never `strimzi.io/skip-broker-scaledown-check`).
 */
function scalingRefusals(context: ComponentContext<ResolvedKafka>): string[] {
  const { spec, observed } = context;
  const controllers = numberField(observed.get(NODE_POOL, nodePoolName(spec)), 'spec', 'replicas');
  if (controllers !== undefined && spec.replicas < controllers) {
    return [
      `spec.kafka.replicas ${spec.replicas} is below the ${controllers} nodes of KafkaNodePool ${nodePoolName(spec)}, which ` +
        'holds the KRaft controllers: Strimzi 0.49 runs a static quorum, so that pool keeps the size it was created with',
    ];
  }
  const brokers = numberField(observed.get(NODE_POOL, brokerPoolName(spec)), 'spec', 'replicas');
  const wanted = spec.replicas - (controllers ?? spec.replicas);
  if (brokers === undefined || wanted >= brokers) return [];
  if (spec.rebalance && rebalancesOnScaleDown(observed.get(KAFKA, kafkaName(spec)))) return [];
  return [
    `spec.kafka.replicas cannot go from ${(controllers ?? 0) + brokers} to ${spec.replicas}: removing brokers needs Cruise ` +
      'Control to move their partitions away first (Strimzi reverts it otherwise); set kafka.rebalance.enabled, wait until the Kafka runs it, then scale down',
  ];
}

/** A shrink of any pool's data volume: Strimzi would ignore that pool's whole storage edit. */
function storageRefusals({ spec, observed }: ComponentContext<ResolvedKafka>): string[] {
  const shrinks = [nodePoolName(spec), brokerPoolName(spec)].flatMap((name) => {
    const pool = observed.get(NODE_POOL, name);
    const dataVolume = pool && poolVolumes(pool).find((v) => (v.id ?? DATA_VOLUME_ID) === DATA_VOLUME_ID);
    const shrink = storageShrinks(
      typeof dataVolume?.size === 'string' ? dataVolume.size : undefined,
      spec.storageSize,
    );
    return shrink ? [`spec.kafka.storageSize ${shrink}`] : [];
  });
  // Both pools carry the same size: one sentence says it.
  return shrinks.slice(0, 1);
}

/** What the pool's volumes do when it goes: `deleteClaim` on each persistent volume. */
function appliedRetention(object: KubeObject): AppliedRetention {
  if (!sameKind(object, NODE_POOL)) return 'none';
  return agreedRetention(poolVolumes(object).map((v) => (v.deleteClaim === true ? 'purge' : 'retain')));
}

function withRetentionKnobs(frozen: Child, observed: KubeObject, policy: RetentionMode): Child {
  if (!sameKind(observed, NODE_POOL)) return frozen;
  const storage = field(frozen, 'spec', 'storage') ?? field(observed, 'spec', 'storage');
  if (storage === null || typeof storage !== 'object') return frozen;
  const deleteClaim = policy === 'purge';
  const { volumes } = storage as { volumes?: unknown };
  const knobbed =
    (storage as { type?: unknown }).type === 'jbod'
      ? {
          ...storage,
          volumes: Array.isArray(volumes)
            ? volumes.map((v) => (v !== null && typeof v === 'object' ? { ...v, deleteClaim } : v))
            : volumes,
        }
      : { ...storage, deleteClaim };
  return withField(frozen, ['spec', 'storage'], knobbed);
}

/**
 * The pool belongs to a Kafka created paused (over retained volumes) and Strimzi has never reconciled
 * it: it created no pod and owns no PVC. A pool reconciled once and paused later is not this case.
 */
function pausedPool({ observed }: ComponentContext<ResolvedKafka>, pool: KubeObject): boolean {
  const cluster = observed.get(KAFKA, pool.metadata.labels?.['strimzi.io/cluster'] ?? '');
  return (
    cluster?.metadata.annotations?.[PAUSE_ANNOTATION] === 'true' &&
    numberField(pool, 'status', 'observedGeneration') === undefined
  );
}

/** During removal of a paused Kafka: what happens to the retained volumes, and under purge what the user decides. */
function pausedRemovalFinding(context: ComponentContext<ResolvedKafka>): Finding {
  const { spec, parent } = context;
  const name = kafkaName(spec);
  const volumes = retainedVolumes(context).volumes;
  const listed = volumes.length > 0 ? `retained volumes ${volumes.join(', ')}` : 'retained volumes';
  const type = CONDITIONS.retainedVolumes;
  if (spec.retention === 'retain' || volumes.length === 0) {
    return {
      type,
      status: 'True',
      reason: REASONS.PausedOverRetainedVolumes,
      message:
        `Kafka ${name} was created paused over ${listed} and never ran: they are not its volumes, so removing it ` +
        `leaves them${volumes.length > 0 ? `, and Secret ${clusterIdSecretName(spec)} with them` : ''}; a parent that names ${name} again finds them`,
      implies: 'Unavailable',
    };
  }
  const keep = `{"spec":{"kafka":{"retentionPolicy":{"onDelete":"retain"}}}}`;
  return {
    type,
    status: 'True',
    reason: REASONS.PurgeWaitsForUser,
    message:
      `Kafka ${name} is paused over ${listed}, which it never ran on; Strimzi would apply deleteClaim only by ` +
      `reconciling it, and the hook never unpauses a cluster whose ID may not match its volumes, so purge waits ` +
      `for you. To delete them: kubectl delete pvc -n ${parent.namespace} ${volumes.join(' ')}. To keep them instead: ` +
      `kubectl patch wandb ${parent.name} -n ${parent.namespace} --type=merge -p '${keep}'`,
    implies: 'Unavailable',
  };
}
