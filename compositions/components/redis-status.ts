// Redis's condition vocabulary, and what Opstree's StatefulSets and volumes say about a Redis: readiness
// (`RedisReportedReady`) and the day-2 operations still in flight (docs/day2-operators.md §5). Opstree's
// custom resources keep no status beyond the master's name, so both read the StatefulSets and PVCs the
// customize rules fetch. Kept apart from redis.ts, which builds the objects.
import { declareConditions, declareReasons, type Finding, Reasons, staleFinding } from '../conditions.js';
import { field, type KubeObject, numberField, stringField } from '../kube.js';
import type { Operation } from '../operations.js';
import { parseQuantity } from '../quantity.js';

/** A StatefulSet Opstree creates, and the size it should have. */
export interface ExpectedStatefulSet {
  readonly name: string;
  readonly size: number;
}

type StatefulSetReading =
  | { readonly kind: 'missing'; readonly name: string }
  | { readonly kind: 'stale'; readonly name: string; readonly why: string }
  | { readonly kind: 'counted'; readonly name: string; readonly ready: number; readonly size: number };

function readStatefulSet(
  expected: ExpectedStatefulSet,
  statefulSet: KubeObject | undefined,
): StatefulSetReading {
  const { name, size } = expected;
  if (!statefulSet) return { kind: 'missing', name };
  const generation = statefulSet.metadata.generation;
  const observedGeneration = numberField(statefulSet, 'status', 'observedGeneration');
  if (generation !== undefined && observedGeneration !== generation) {
    return {
      kind: 'stale',
      name,
      why: `generation ${generation} not yet observed (observedGeneration ${observedGeneration ?? 'unset'})`,
    };
  }
  // Opstree has not yet carried a clusterSize edit over to the StatefulSet.
  const replicas = numberField(statefulSet, 'spec', 'replicas');
  if (replicas !== size) {
    return { kind: 'stale', name, why: `has ${replicas ?? 'no'} replicas, ${size} wanted` };
  }
  return { kind: 'counted', name, ready: numberField(statefulSet, 'status', 'readyReplicas') ?? 0, size };
}

export const CONDITIONS = declareConditions({
  standaloneCustomResource: 'RedisStandaloneCustomResource',
  replicationCustomResource: 'RedisReplicationCustomResource',
  sentinelCustomResource: 'RedisSentinelCustomResource',
  reportedReady: 'RedisReportedReady',
  connectionInfo: 'RedisConnectionInfo',
  hasBeenReady: 'RedisHasBeenReady',
  credentials: 'RedisCredentials',
  removal: 'RedisRemoval',
  version: 'RedisVersion',
  operation: 'RedisOperation',
});

/** Besides the shared reasons; `degraded` is the reference's word. */
const REASONS = declareReasons('StatefulSetMissing', 'NoMaster', 'degraded');

/**
 * `RedisReportedReady`. Opstree's CRs report no readiness (infra-crds §4.4), so it comes from the
 * StatefulSets they own, read through the customize rules: each must have observed its generation,
 * have the wanted size and all pods ready; a replication must also have a master.
 * Reasons follow the reference: `ResourceExists` (all ready, or none ready), `degraded` (some).
 */
export function reportedReady(
  expected: readonly ExpectedStatefulSet[],
  statefulSets: ReadonlyMap<string, KubeObject>,
  replication: { readonly name: string; readonly cr: KubeObject | undefined } | undefined,
): Finding {
  const type = CONDITIONS.reportedReady;
  const readings = expected.map((e) => readStatefulSet(e, statefulSets.get(e.name)));

  const missing = readings.filter((r) => r.kind === 'missing');
  if (missing.length > 0) {
    return {
      type,
      status: 'False',
      reason: REASONS.StatefulSetMissing,
      message: `waiting for Opstree to create StatefulSet ${missing.map((r) => r.name).join(', ')}`,
      implies: 'Pending',
    };
  }
  const stale = readings.flatMap((r) => (r.kind === 'stale' ? [`StatefulSet ${r.name} ${r.why}`] : []));
  if (stale.length > 0) {
    return staleFinding(type, stale.join('; '));
  }
  const counted = readings.flatMap((r) => (r.kind === 'counted' ? [r] : []));
  const counts = counted.map((r) => `StatefulSet ${r.name}: ${r.ready} of ${r.size} pods ready`).join('; ');
  // A StatefulSet that exists with no ready pod is down, whether it never started or has failed:
  // Unavailable, as in the reference ("0 running" is False/ResourceExists there).
  if (counted.some((r) => r.ready === 0)) {
    return { type, status: 'False', reason: Reasons.ResourceExists, message: counts, implies: 'Unavailable' };
  }
  // No master outranks missing replicas: writes fail without one, while a degraded set still serves.
  if (replication && !stringField(replication.cr, 'status', 'masterNode')) {
    return {
      type,
      status: 'False',
      reason: REASONS.NoMaster,
      message: `${counts}; RedisReplication ${replication.name} has no master yet`,
      implies: 'Pending',
    };
  }
  if (counted.some((r) => r.ready < r.size)) {
    return { type, status: 'False', reason: REASONS.degraded, message: counts, implies: 'Degraded' };
  }
  return { type, status: 'True', reason: Reasons.ResourceExists, message: counts, implies: 'Healthy' };
}

// ---- operations in flight ------------------------------------------------------------------------------

/** Opstree 0.22.1 replaces a StatefulSet whose update is refused (its volume claim template) only with this. */
export const RECREATE_ANNOTATION = 'redis.opstreelabs.in/recreate-statefulset';
/** The deletion propagation of that replacement: `orphan` keeps the pods running. */
export const RECREATE_STRATEGY_ANNOTATION = 'redis.opstreelabs.in/recreate-statefulset-strategy';

/** One of Opstree's custom resources as observed, with the StatefulSet and the data volumes it owns. */
export interface RedisWorkload {
  readonly cr: KubeObject;
  readonly statefulSet: KubeObject | undefined;
  /** The pods the custom resource asks for (`clusterSize`; a standalone Redis has one). */
  readonly size: number;
  readonly volumes: readonly KubeObject[];
  /** Whether the setup has served (a master was elected): pods created before that are an installation. */
  readonly hasRun: boolean;
}

const STORAGE = ['spec', 'resources', 'requests', 'storage'] as const;
const bytes = (size: string | undefined) => (size === undefined ? undefined : parseQuantity(size));
const below = (size: string | undefined, wanted: number) => {
  const value = bytes(size);
  return value !== undefined && value < wanted;
};

export function redisOperations(workloads: readonly RedisWorkload[]): Operation[] {
  return workloads.flatMap((w) =>
    [resizing(w), scaling(w), rolling(w)].flatMap((o) =>
      o ? [{ ...o, change: `${o.change} of ${w.cr.kind} ${w.cr.metadata.name}` }] : [],
    ),
  );
}

/**
 * Opstree raises every PVC's request when the template's size changes, and replaces the StatefulSet
 * to carry the new template (RECREATE_ANNOTATION). In flight while a volume's request or capacity, or
 * the StatefulSet's template, is below the custom resource's size. A volume not yet bound has no
 * capacity: that is an installation, not a growth.
 */
function resizing({ cr, statefulSet, volumes }: RedisWorkload): Operation | undefined {
  const size = stringField(cr, 'spec', 'storage', 'volumeClaimTemplate', ...STORAGE);
  const wanted = bytes(size);
  if (size === undefined || wanted === undefined) return undefined;
  const grown = volumes.filter(
    (v) =>
      !below(stringField(v, ...STORAGE), wanted) &&
      !below(stringField(v, 'status', 'capacity', 'storage'), wanted),
  );
  const templates = field(statefulSet, 'spec', 'volumeClaimTemplates');
  const template = Array.isArray(templates) ? stringField(templates[0], ...STORAGE) : undefined;
  const templateBehind = below(template, wanted);
  if (grown.length === volumes.length && !templateBehind) return undefined;
  const recreates = cr.metadata.annotations?.[RECREATE_ANNOTATION] === 'true';
  const name = statefulSet?.metadata.name ?? '';
  return {
    kind: 'Resizing',
    change: `volumes to ${size}`,
    progress:
      `${grown.length} of ${volumes.length} volumes grown` +
      (!templateBehind
        ? ''
        : recreates
          ? `; StatefulSet ${name} still has ${template} in its template, Opstree replaces it (pods kept)`
          : `; StatefulSet ${name} keeps ${template} in its template: without ${RECREATE_ANNOTATION} Opstree never replaces it`),
  };
}

/**
 * Scaling from the StatefulSet: Opstree sets its replicas from `clusterSize`, then the StatefulSet
 * creates (or removes) the pods one after the other. A pod that restarts is still created, so a
 * restart is not mistaken for a scaling.
 */
function scaling({ statefulSet, size, hasRun }: RedisWorkload): Operation | undefined {
  if (!statefulSet || !hasRun) return undefined;
  const name = statefulSet.metadata.name;
  const replicas = numberField(statefulSet, 'spec', 'replicas') ?? 0;
  const created = numberField(statefulSet, 'status', 'replicas') ?? 0;
  const ready = numberField(statefulSet, 'status', 'readyReplicas') ?? 0;
  if (replicas !== size) {
    return {
      kind: size > replicas ? 'ScalingOut' : 'ScalingIn',
      change: `${replicas} → ${size} pods`,
      progress: `Opstree has not yet set StatefulSet ${name} to ${size} replicas`,
    };
  }
  if (created === size) return undefined;
  return {
    kind: size > created ? 'ScalingOut' : 'ScalingIn',
    change: `to ${size} pods`,
    progress: `StatefulSet ${name}: ${created} of ${size} pods, ${ready} ready`,
  };
}

/**
 * A new image: Opstree patches the StatefulSet's pod template, and the StatefulSet restarts the pods
 * highest ordinal first (`updatedReplicas` counts those on the new revision).
 */
function rolling({ cr, statefulSet }: RedisWorkload): Operation | undefined {
  if (!statefulSet) return undefined;
  const name = statefulSet.metadata.name;
  const image = stringField(cr, 'spec', 'kubernetesConfig', 'image');
  const containers = field(statefulSet, 'spec', 'template', 'spec', 'containers');
  const running = Array.isArray(containers) ? stringField(containers[0], 'image') : undefined;
  if (image && running && image !== running) {
    return {
      kind: 'Upgrading',
      change: `image ${running} → ${image}`,
      progress: `Opstree has not yet patched StatefulSet ${name}`,
    };
  }
  const current = stringField(statefulSet, 'status', 'currentRevision');
  const update = stringField(statefulSet, 'status', 'updateRevision');
  if (!current || !update || current === update) return undefined;
  const replicas = numberField(statefulSet, 'status', 'replicas') ?? 0;
  const updated = numberField(statefulSet, 'status', 'updatedReplicas') ?? 0;
  return {
    kind: 'Upgrading',
    change: `pods to ${image ?? 'the new template'}`,
    progress: `StatefulSet ${name}: ${updated} of ${replicas} pods updated`,
  };
}
