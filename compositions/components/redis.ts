// Redis through the Opstree redis-operator v0.22: a standalone `Redis <name>`, or a
// `RedisReplication <name>-replica` watched by a `RedisSentinel <name>`.
// CRDs: shared/crds/opstree/redis.redis.opstreelabs.in_{redis,redisreplications,redissentinels}.yaml; reference §5.4.
import { z } from 'zod';
import { neverShrinks, presetField, presetValues, type RuleOwner } from '../admission.js';
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
import { perObject } from '../memo.js';
import { storageShrinks } from '../quantity.js';
import { mergeResources, presetResources } from '../resources.js';
import { celRules, componentFields, MAX_REPLICAS, ResourceRequirements } from '../schema.js';
import { imageTag, neverDowngrades, type VersionPolicy, versionField } from '../versions.js';
import {
  CONDITIONS,
  type ExpectedStatefulSet,
  RECREATE_ANNOTATION,
  RECREATE_STRATEGY_ANNOTATION,
  type RedisWorkload,
  redisOperations,
  reportedReady,
} from './redis-status.js';

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
    .max(MAX_REPLICAS)
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
        .max(MAX_REPLICAS)
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

/**
 * On the CRs with volumes. Opstree 0.22.1 grows the PVCs on any size change but keeps the StatefulSet's
 * old volume claim template (immutable) unless told to replace the StatefulSet; `orphan` keeps the pods
 * running through the replacement (internal/k8sutils/statefulset.go). Always set, so a growth is whole
 * and pods added later get the new size (docs/decisions.md).
 */
const RECREATE = { [RECREATE_ANNOTATION]: 'true', [RECREATE_STRATEGY_ANNOTATION]: 'orphan' } as const;
const serverMetadata = (context: ComponentContext<ResolvedRedis>, name: string) => ({
  ...metadata(context, name),
  annotations: { ...RECREATE },
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
    metadata: serverMetadata(context, standaloneName(context.spec)),
    spec: serverSpec(context),
  };
}

function replication(context: ComponentContext<ResolvedRedis>): Child {
  return {
    apiVersion: REPLICATION.apiVersion,
    kind: REPLICATION.kind,
    metadata: serverMetadata(context, replicationName(context.spec)),
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

function expectedStatefulSets(spec: ResolvedRedis): ExpectedStatefulSet[] {
  return spec.sentinel
    ? [
        { name: replicationName(spec), size: spec.replicas },
        { name: sentinelStatefulSetName(spec), size: spec.sentinelReplicas },
      ]
    : [{ name: standaloneName(spec), size: 1 }];
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
  // Opstree would try to shrink the PVCs and fail every reconcile (HandlePVCResizing compares with !=).
  const server = spec.sentinel ? observedReplication : observedStandalone;
  const shrink = storageShrinks(server && stringField(server, ...STORAGE_PATH), spec.storageSize);
  if (shrink) problems.push(`spec.redis.storageSize ${shrink}`);
  return problems;
}

// Opstree's PVC template defaults to the CR name: `<cr>-<statefulset>-<ordinal>`.
const dataVolumes = perObject((spec: ResolvedRedis): readonly string[] =>
  spec.sentinel
    ? range(spec.replicas).map((i) => `${replicationName(spec)}-${replicationName(spec)}-${i}`)
    : [`${standaloneName(spec)}-${standaloneName(spec)}-0`],
);

/** The observed CRs with what they own, for the operations in flight (redis-status.ts). */
function workloads({ spec, observed, related }: ComponentContext<ResolvedRedis>): RedisWorkload[] {
  const statefulSet = (name: string) => related.get(RELATED_KINDS.StatefulSet, name);
  const volumes = dataVolumes(spec).flatMap((name) => {
    const claim = related.get(RELATED_KINDS.PersistentVolumeClaim, name);
    return claim ? [claim] : [];
  });
  if (!spec.sentinel) {
    const cr = observed.get(REDIS, standaloneName(spec));
    // One pod, never scaled: its pods being created are an installation.
    return cr
      ? [{ cr, statefulSet: statefulSet(standaloneName(spec)), size: 1, volumes, hasRun: false }]
      : [];
  }
  const replicationCr = observed.get(REPLICATION, replicationName(spec));
  const sentinelCr = observed.get(SENTINEL, sentinelName(spec));
  const hasRun = stringField(replicationCr, 'status', 'masterNode') !== undefined;
  const size = (cr: KubeObject) => numberField(cr, 'spec', 'clusterSize') ?? 0;
  return [
    ...(replicationCr
      ? [
          {
            cr: replicationCr,
            statefulSet: statefulSet(replicationName(spec)),
            size: size(replicationCr),
            volumes,
            hasRun,
          },
        ]
      : []),
    ...(sentinelCr
      ? [
          {
            cr: sentinelCr,
            statefulSet: statefulSet(sentinelStatefulSetName(spec)),
            size: size(sentinelCr),
            volumes: [],
            hasRun,
          },
        ]
      : []),
  ];
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
  resolve: ({ user, preset, common, problems }) => {
    const sentinel = user?.sentinel?.enabled ?? preset.sentinel;
    // A standalone Redis is one server: a count of servers there cannot be carried out.
    if (common.enabled && !sentinel && user?.replicas !== undefined) {
      problems.push(
        `spec.redis.replicas is ${user.replicas}, but a standalone Redis (redis.sentinel.enabled false) runs one server; ` +
          'remove it, or choose sentinel mode when the Redis is created',
      );
    }
    return Object.assign(common, {
      replicas: user?.replicas ?? preset.replicas,
      sentinel,
      sentinelReplicas: user?.sentinel?.replicas ?? 3,
      masterName: user?.sentinel?.config?.masterName || 'gorilla',
      sentinelResources: mergeResources(user?.sentinel?.config?.resources, preset.sentinelResources),
    });
  },
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
    neverShrinks(RULES),
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
    const replication = spec.sentinel ? { name: replicationName(spec), cr: replicationCr } : undefined;
    return [reportedReady(expectedStatefulSets(spec), statefulSets, replication)];
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
  // The StatefulSets for readiness and operations; the data volumes to follow a growth.
  relatedRules: (spec, namespace) => [
    {
      apiVersion: RELATED_KINDS.StatefulSet.apiVersion,
      resource: RELATED_KINDS.StatefulSet.resource,
      namespace,
      names: expectedStatefulSets(spec).map((e) => e.name),
    },
    {
      apiVersion: RELATED_KINDS.PersistentVolumeClaim.apiVersion,
      resource: RELATED_KINDS.PersistentVolumeClaim.resource,
      namespace,
      names: dataVolumes(spec),
    },
  ],
  operations: (context) => redisOperations(workloads(context)),
  refusedEdits,
  dataVolumes,
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
