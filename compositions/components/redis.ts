// Redis through the Opstree redis-operator v0.22: a standalone `Redis <name>`, or a
// `RedisReplication <name>-replica` watched by a `RedisSentinel <name>`.
// CRDs: shared/crds/opstree/redis.redis.opstreelabs.in_{redis,redisreplications,redissentinels}.yaml; reference §5.4.
import { z } from 'zod';
import { presetField, presetValues, quantities, type RuleOwner, storageSize } from '../admission.js';
import {
  type AppliedRetention,
  type Component,
  type ComponentContext,
  carriesPolicy,
  childLabels,
  namesOfKind,
  type Preset,
  type ResolvedCommon,
  serviceHost,
  userinfo,
} from '../component.js';
import { declareConditions, declareReasons, type Finding, Reasons, staleFinding } from '../conditions.js';
import { withField } from '../freeze.js';
import {
  CHILD_KINDS,
  type Child,
  field,
  type KubeObject,
  numberField,
  RELATED_KINDS,
  range,
  sameKind,
  stringField,
} from '../kube.js';
import { sameQuantity } from '../quantity.js';
import { mergeResources, presetResources } from '../resources.js';
import { celRules, componentFields, ResourceRequirements } from '../schema.js';
import { imageTag, neverDowngrades, type VersionPolicy, versionField } from '../versions.js';

const REDIS = CHILD_KINDS.Redis;
const REPLICATION = CHILD_KINDS.RedisReplication;
const SENTINEL = CHILD_KINDS.RedisSentinel;

export const REDIS_REPOSITORY = 'quay.io/opstree/redis';
// The reference's images (translator/redis.go).
export const REDIS_IMAGE = `${REDIS_REPOSITORY}:v7.0.15`;
export const SENTINEL_IMAGE = 'quay.io/opstree/redis-sentinel:v7.0.12';
export const EXPORTER_IMAGE = 'quay.io/opstree/redis-exporter:v1.44.0';

/**
 * The server's version is the tag of its image, on the standalone `Redis` or the `RedisReplication`
 * (`<base>-replica`). Opstree rolls any image it is given (docs/day2-operators.md §5.1).
 */
const VERSION: VersionPolicy = {
  what: `The Redis server image tag (${REDIS_REPOSITORY})`,
  latest: imageTag(REDIS_IMAGE) ?? '',
  children: (base) => [
    { ref: REDIS, name: base },
    { ref: REPLICATION, name: `${base}-replica` },
  ],
  read: (cr) => imageTag(field(cr, 'spec', 'kubernetesConfig', 'image')),
};

export const RedisSpec = z.strictObject({
  ...componentFields,
  replicas: z
    .number()
    .int()
    .min(2)
    .max(2147483647)
    .optional()
    .describe('Addition. Redis servers in the replication (sentinel mode only); at least 2. Default 3.'),
  version: versionField(VERSION).optional(),
  config: z.strictObject({ resources: ResourceRequirements.optional() }).optional(),
  sentinel: z
    .strictObject({
      enabled: z
        .boolean()
        .describe(
          'Run a RedisReplication watched by a RedisSentinel instead of a standalone Redis. Fixed once set.',
        ),
      replicas: z
        .number()
        .int()
        .min(3)
        .max(2147483647)
        .refine((n) => n % 2 === 1, 'must be odd')
        .meta(celRules([{ rule: 'self % 2 == 1', message: 'redis.sentinel.replicas must be odd' }]))
        .optional()
        .describe('Addition. Number of sentinels: odd and at least 3 (quorum is a majority). Default 3.'),
      config: z
        .strictObject({
          masterName: z.string().optional().describe('Sentinel master group name. Default "gorilla".'),
          resources: ResourceRequirements.optional(),
        })
        .optional(),
    })
    .optional(),
});

export type RedisSpec = z.infer<typeof RedisSpec>;

export interface ResolvedRedis extends ResolvedCommon {
  readonly sentinel: boolean;
  readonly sentinelReplicas: number;
  readonly masterName: string;
  readonly sentinelResources: ResourceRequirements | undefined;
}

interface RedisPreset extends Preset {
  readonly sentinel: boolean;
  readonly sentinelResources: ResourceRequirements | undefined;
}

/** The reference's presets (reference §2). */
const PRESETS: Readonly<Record<'dev' | 'small', RedisPreset>> = {
  dev: {
    storageSize: '100Mi',
    replicas: 3,
    resources: undefined,
    sentinel: false,
    sentinelResources: undefined,
  },
  small: {
    storageSize: '2Gi',
    replicas: 3,
    resources: presetResources('250m', '256Mi', '500m', '512Mi'),
    sentinel: true,
    sentinelResources: presetResources('125m', '128Mi', '256m', '256Mi'),
  },
};
const RULES: RuleOwner<RedisPreset> = { name: 'redis', presets: PRESETS };

const EXPORTER_PORT = 9121;

export const standaloneName = (spec: ResolvedRedis) => spec.name;
export const replicationName = (spec: ResolvedRedis) => `${spec.name}-replica`;
export const sentinelName = (spec: ResolvedRedis) => spec.name;
/** Opstree names the sentinel StatefulSet `<sentinel>-sentinel`; the others after their CR. */
export const sentinelStatefulSetName = (spec: ResolvedRedis) => `${sentinelName(spec)}-sentinel`;
/** The password Secret (key `password`), written by the DecoratorController. */
export const credentialsSecretName = (spec: ResolvedRedis) => `${spec.name}-credentials`;
export const PASSWORD_KEY = 'password';

/** A sentinel quorum is a majority of the sentinels. */
export const quorum = (sentinels: number): string => String(Math.floor(sentinels / 2) + 1);

// Opstree copies CR labels onto its StatefulSets, pods and Services and lets them override its own
// `app`, `role` and `redis_setup_type` (internal/controller/common/labels.go), which its Service
// selectors use: the CRs carry only the common labels.
const metadata = (context: ComponentContext<ResolvedRedis>, name: string) => ({
  name,
  labels: childLabels(context.parent, 'redis'),
});

function exporter() {
  return { enabled: true, image: EXPORTER_IMAGE, imagePullPolicy: 'IfNotPresent', port: EXPORTER_PORT };
}

/** `kubernetesConfig` and `storage` of a Redis server CR (Redis or RedisReplication). */
function serverSpec({ spec }: ComponentContext<ResolvedRedis>) {
  return {
    kubernetesConfig: {
      image: `${REDIS_REPOSITORY}:${spec.version}`,
      imagePullPolicy: 'IfNotPresent',
      // The reference ran Redis without a password; here it requires one.
      redisSecret: { name: credentialsSecretName(spec), key: PASSWORD_KEY },
      ...(spec.resources ? { resources: spec.resources } : {}),
    },
    storage: {
      volumeClaimTemplate: {
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: spec.storageSize } } },
      },
      // Opstree deletes the PVCs when the CR is deleted unless this is true (internal/k8sutils/finalizer.go).
      keepAfterDelete: spec.retention === 'retain',
    },
    ...(spec.telemetry ? { redisExporter: exporter() } : {}),
  };
}

function standalone(context: ComponentContext<ResolvedRedis>): Child {
  return {
    apiVersion: REDIS.apiVersion,
    kind: REDIS.kind,
    metadata: metadata(context, standaloneName(context.spec)),
    spec: serverSpec(context),
  };
}

function replication(context: ComponentContext<ResolvedRedis>): Child {
  return {
    apiVersion: REPLICATION.apiVersion,
    kind: REPLICATION.kind,
    metadata: metadata(context, replicationName(context.spec)),
    spec: { clusterSize: context.spec.replicas, ...serverSpec(context) },
  };
}

function sentinel(context: ComponentContext<ResolvedRedis>): Child {
  const { spec } = context;
  return {
    apiVersion: SENTINEL.apiVersion,
    kind: SENTINEL.kind,
    metadata: metadata(context, sentinelName(spec)),
    spec: {
      clusterSize: spec.sentinelReplicas,
      kubernetesConfig: {
        // Sentinels hold no data and have their own tags: a running one keeps its image, so a release
        // of these hooks restarts no sentinel either; new ones get this release's.
        image:
          stringField(
            context.observed.get(SENTINEL, sentinelName(spec)),
            'spec',
            'kubernetesConfig',
            'image',
          ) ?? SENTINEL_IMAGE,
        imagePullPolicy: 'IfNotPresent',
        ...(spec.sentinelResources ? { resources: spec.sentinelResources } : {}),
      },
      redisSentinelConfig: {
        redisReplicationName: replicationName(spec),
        masterGroupName: spec.masterName,
        quorum: quorum(spec.sentinelReplicas),
        // The sentinels authenticate to the replication with it (MASTER_PASSWORD); the sentinels
        // themselves hold no data and stay without a password, as in the reference.
        redisReplicationPassword: { secretKeyRef: { name: credentialsSecretName(spec), key: PASSWORD_KEY } },
      },
      ...(spec.telemetry ? { redisExporter: exporter() } : {}),
    },
  };
}

// ---- readiness -----------------------------------------------------------------------------------------

/** A StatefulSet Opstree creates, and the size it should have. */
interface ExpectedStatefulSet {
  readonly name: string;
  readonly size: number;
}

function expectedStatefulSets(spec: ResolvedRedis): ExpectedStatefulSet[] {
  return spec.sentinel
    ? [
        { name: replicationName(spec), size: spec.replicas },
        { name: sentinelStatefulSetName(spec), size: spec.sentinelReplicas },
      ]
    : [{ name: standaloneName(spec), size: 1 }];
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
  spec: ResolvedRedis,
  statefulSets: ReadonlyMap<string, KubeObject>,
  replicationCr: KubeObject | undefined,
): Finding {
  const type = CONDITIONS.reportedReady;
  const readings = expectedStatefulSets(spec).map((e) => readStatefulSet(e, statefulSets.get(e.name)));

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
  if (spec.sentinel && !stringField(replicationCr, 'status', 'masterNode')) {
    return {
      type,
      status: 'False',
      reason: REASONS.NoMaster,
      message: `${counts}; RedisReplication ${replicationName(spec)} has no master yet`,
      implies: 'Pending',
    };
  }
  if (counted.some((r) => r.ready < r.size)) {
    return { type, status: 'False', reason: REASONS.degraded, message: counts, implies: 'Degraded' };
  }
  return { type, status: 'True', reason: Reasons.ResourceExists, message: counts, implies: 'Healthy' };
}

// ---- refused edits ---------------------------------------------------------------------------------------

const STORAGE_PATH = ['spec', 'storage', 'volumeClaimTemplate', 'spec', 'resources', 'requests', 'storage'];

function refusedEdits({ spec, observed }: ComponentContext<ResolvedRedis>): string[] {
  const observedStandalone = observed.get(REDIS, standaloneName(spec));
  const observedReplication = observed.get(REPLICATION, replicationName(spec));
  const observedSentinel = observed.get(SENTINEL, sentinelName(spec));
  const problems: string[] = [];
  if (spec.sentinel && observedStandalone) {
    problems.push(
      `Redis ${standaloneName(spec)} runs standalone but the spec asks for sentinel mode: switching would delete ` +
        'the standalone Redis and its data; keep redis.sentinel.enabled (and size) as they were',
    );
  }
  if (!spec.sentinel && (observedReplication || observedSentinel)) {
    const running = [observedReplication, observedSentinel].flatMap((o) =>
      o ? [`${o.kind} ${o.metadata.name}`] : [],
    );
    problems.push(
      `${running.join(' and ')} run in sentinel mode but the spec asks for a standalone Redis: switching would ` +
        'delete the replication and its data; keep redis.sentinel.enabled (and size) as they were',
    );
  }
  // StatefulSet volume claim templates are immutable: Opstree keeps the old template and resizes
  // existing PVCs only (HandlePVCResizing), so a new size would be half-applied.
  const server = spec.sentinel ? observedReplication : observedStandalone;
  const size = server && stringField(server, ...STORAGE_PATH);
  if (server && size !== undefined && !sameQuantity(size, spec.storageSize)) {
    problems.push(
      `spec.redis.storageSize cannot change from ${size} to ${spec.storageSize}: ` +
        `the volume claim template of ${server.kind} ${server.metadata.name} is fixed`,
    );
  }
  return problems;
}

// ---- the component ----------------------------------------------------------------------------------------

export const redis: Component<ResolvedRedis, RedisSpec, RedisPreset, 'redis'> = {
  name: 'redis',
  title: 'Redis',
  schema: RedisSpec,
  presets: PRESETS,
  // Opstree: Service `<base>-sentinel-additional` ≤ 63 and StatefulSet `<base>-sentinel` ≤ 52.
  naming: {
    suffix: 'redis',
    maxLength: 43,
    reason: 'Opstree derives the Service `<name>-sentinel-additional` (≤ 63 characters)',
  },
  // Object.assign onto the fresh common part, not `{ ...common, more }`: on Node 20's V8 each property
  // added after a spread costs about 1 µs, which made these objects a quarter of a sync.
  resolve: ({ user, preset, common }) =>
    Object.assign(common, {
      replicas: user?.replicas ?? preset.replicas,
      sentinel: user?.sentinel?.enabled ?? preset.sentinel,
      sentinelReplicas: user?.sentinel?.replicas ?? 3,
      masterName: user?.sentinel?.config?.masterName || 'gorilla',
      sentinelResources: mergeResources(user?.sentinel?.config?.resources, preset.sentinelResources),
    }),
  version: VERSION,
  transitions: [
    neverDowngrades('redis'),
    {
      field: 'redis.sentinel.enabled',
      component: 'redis',
      resolved: presetField(RULES, ['sentinel', 'enabled'], (p) => String(p.sentinel)),
      allowed: (old, now) => `${now} == ${old}`,
      verb: 'may not change',
      why: 'switching the Redis topology replaces the running Redis and deletes its data',
      unset: `unset is the size preset (${presetValues(RULES, (p) => String(p.sentinel))})`,
      kind: 'bool',
    },
    {
      field: 'redis.storageSize',
      component: 'redis',
      resolved: storageSize(RULES),
      allowed: quantities('=='),
      verb: 'may not change',
      why: "the volume claim template of Opstree's StatefulSet is fixed",
      unset: `an unset storageSize is the size preset (${presetValues(RULES, (p) => p.storageSize)})`,
      kind: 'string',
    },
  ],
  kinds: [
    { ref: REDIS, condition: CONDITIONS.standaloneCustomResource, reported: CONDITIONS.reportedReady },
    { ref: REPLICATION, condition: CONDITIONS.replicationCustomResource, reported: CONDITIONS.reportedReady },
    { ref: SENTINEL, condition: CONDITIONS.sentinelCustomResource, reported: CONDITIONS.reportedReady },
  ],
  conditions: CONDITIONS,
  select: (spec) => spec.redis,
  desired: (context) =>
    context.spec.sentinel ? [replication(context), sentinel(context)] : [standalone(context)],
  observe: ({ spec, observed, related }) => {
    const replicationCr = spec.sentinel ? observed.get(REPLICATION, replicationName(spec)) : undefined;
    const crs = spec.sentinel
      ? [replicationCr, observed.get(SENTINEL, sentinelName(spec))]
      : [observed.get(REDIS, standaloneName(spec))];
    // Before any CR exists the write conditions say enough.
    if (crs.every((cr) => cr === undefined)) return [];
    const statefulSets = new Map(
      expectedStatefulSets(spec).flatMap((e) => {
        const found = related.get(RELATED_KINDS.StatefulSet, e.name);
        return found ? [[e.name, found] as const] : [];
      }),
    );
    return [reportedReady(spec, statefulSets, replicationCr)];
  },
  secrets: {
    sources: (spec) =>
      spec.sentinel
        ? [
            { ref: SENTINEL, name: sentinelName(spec) },
            { ref: REPLICATION, name: replicationName(spec) },
          ]
        : [{ ref: REDIS, name: standaloneName(spec) }],
    credentials: (spec) => [{ name: credentialsSecretName(spec), generated: ['password'] }],
    connection: (spec, { namespace, credentials }) => {
      const password = credentials[credentialsSecretName(spec)]?.password;
      if (!password) return undefined;
      const host = serviceHost(
        spec.sentinel ? `${sentinelName(spec)}-sentinel` : standaloneName(spec),
        namespace,
      );
      const port = spec.sentinel ? '26379' : '6379';
      const master = spec.sentinel ? `?master=${encodeURIComponent(spec.masterName)}` : '';
      return {
        url: `redis://${userinfo('', password)}@${host}:${port}${master}`,
        Host: host,
        Port: port,
        Password: password,
        ...(spec.sentinel ? { MasterName: spec.masterName } : {}),
      };
    },
  },
  // infra-crds §4.5: each StatefulSet gets Services `<name>`, `<name>-headless` and `<name>-additional`;
  // a replication also `<name>-master` and `<name>-replica`.
  ownedNames: (spec) => {
    const statefulSets = expectedStatefulSets(spec).map((e) => e.name);
    const roles = spec.sentinel
      ? [`${replicationName(spec)}-master`, `${replicationName(spec)}-replica`]
      : [];
    return [
      ...(spec.sentinel
        ? [
            ...namesOfKind(REPLICATION.kind, [replicationName(spec)]),
            ...namesOfKind(SENTINEL.kind, [sentinelName(spec)]),
          ]
        : namesOfKind(REDIS.kind, [standaloneName(spec)])),
      ...namesOfKind('StatefulSet', statefulSets),
      ...namesOfKind('Service', [
        ...statefulSets.flatMap((name) => [name, `${name}-headless`, `${name}-additional`]),
        ...roles,
      ]),
    ];
  },
  relatedRules: (spec, namespace) => [
    {
      apiVersion: RELATED_KINDS.StatefulSet.apiVersion,
      resource: RELATED_KINDS.StatefulSet.resource,
      namespace,
      names: expectedStatefulSets(spec).map((e) => e.name),
    },
  ],
  refusedEdits,
  // Opstree's PVC template defaults to the CR name: `<cr>-<statefulset>-<ordinal>`.
  dataVolumes: (spec) =>
    spec.sentinel
      ? range(spec.replicas).map((i) => `${replicationName(spec)}-${replicationName(spec)}-${i}`)
      : [`${standaloneName(spec)}-${standaloneName(spec)}-0`],
  retentionPlan: (spec) => ({
    policy: spec.retention,
    volumes:
      spec.retention === 'retain'
        ? 'kept: storage.keepAfterDelete is true, so Opstree leaves the PVCs'
        : 'deleted by Opstree when the custom resource goes (storage.keepAfterDelete is false)',
    credentials: `Secret ${credentialsSecretName(spec)} goes with the parent; no data depends on it and a new parent sets a new password`,
  }),
  // Opstree reads keepAfterDelete from the CR when it is deleted; the sentinel has no volumes.
  knobsInEffect: ({ spec }, cr) => carriesPolicy(appliedRetention(cr), spec.retention),
  withRetentionKnobs: (frozen, observed, policy) =>
    sameKind(observed, SENTINEL)
      ? frozen
      : withField(frozen, ['spec', 'storage', 'keepAfterDelete'], policy === 'retain'),
  appliedRetention,
};

function appliedRetention(cr: KubeObject): AppliedRetention {
  if (sameKind(cr, SENTINEL)) return 'none';
  return field(cr, 'spec', 'storage', 'keepAfterDelete') === true ? 'retain' : 'purge';
}
