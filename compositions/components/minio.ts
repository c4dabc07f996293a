// MinIO through the MinIO operator v7.1: one Tenant `<name>` with one pool `<name>-pool`.
// CRD: shared/crds/minio/minio.min.io_tenants.yaml; reference §5.3, infra-crds §3.
import { z } from 'zod';
import { appendOnly, neverShrinks, presetValues, type RuleOwner, replicas } from '../admission.js';
import {
  type Component,
  type ComponentContext,
  childLabels,
  namesOfKind,
  type Preset,
  type ResolvedCommon,
  serviceHost,
  userinfo,
} from '../component.js';
import { decodeData } from '../credentials.js';
import {
  CHILD_KINDS,
  type Child,
  field,
  isOlder,
  type KubeObject,
  RELATED_KINDS,
  seniorityOf,
  stringField,
} from '../kube.js';
import { perObject } from '../memo.js';
import type { RelatedResourceRule } from '../metacontroller.js';
import type { Operation } from '../operations.js';
import { presetResources } from '../resources.js';
import { componentFields, Replicas, ResourceRequirements } from '../schema.js';
import { imageTag, neverDowngrades, type VersionPolicy, versionField } from '../versions.js';

import {
  AddedPools,
  addingPool,
  growingPools,
  MAX_ADDED_POOLS,
  type MinioPool,
  poolProblems,
  poolStatefulSet,
  poolVolumes,
  refusedPoolEdits,
  resizing,
  resolvePools,
} from './minio-pools.js';
import { CONDITIONS, conflictFinding, reportedReady, UPDATING_VERSION } from './minio-status.js';

export { CONDITIONS, reportedReady };

const TENANT = CHILD_KINDS.Tenant;
const PVC = RELATED_KINDS.PersistentVolumeClaim;

export const MINIO_REPOSITORY = 'quay.io/minio/minio';
export const MINIO_IMAGE = `${MINIO_REPOSITORY}:RELEASE.2025-04-08T15-41-24Z`;

/**
 * The version is the tag of the Tenant's image (`RELEASE.<time>`). The operator replaces the servers'
 * binary in place for any tag it is given (docs/day2-operators.md §4.1); MinIO's on-disk format only
 * moves forward, so a downgrade is refused like every other.
 */
const VERSION: VersionPolicy = {
  what: `The MinIO server image tag (${MINIO_REPOSITORY}, RELEASE.<time>)`,
  latest: imageTag(MINIO_IMAGE) ?? '',
  children: (base) => [{ ref: TENANT, name: base }],
  read: (tenant) => imageTag(field(tenant, 'spec', 'image')),
};

export const MinioSpec = z.strictObject({
  ...componentFields,
  replicas: Replicas.optional().describe(
    'MinIO servers in the pool. Fixed once set: MinIO pools cannot be resized.',
  ),
  version: versionField(VERSION).optional(),
  pools: AddedPools.optional(),
  config: z
    .strictObject({
      resources: ResourceRequirements.optional(),
      rootUser: z.string().optional().describe('Root user name. Default "admin".'),
      minioBrowserSetting: z
        .string()
        .optional()
        .describe('MINIO_BROWSER value ("on" or "off"). Default "on".'),
    })
    .optional(),
});

export type MinioSpec = z.infer<typeof MinioSpec>;

export interface ResolvedMinio extends ResolvedCommon {
  readonly volumesPerServer: number;
  readonly rootUser: string;
  readonly browser: string;
  /** Pool 0 (`replicas`, `storageSize`) and the pools added after it. */
  readonly pools: readonly MinioPool[];
}

/** The reference's presets (reference §2). */
const PRESETS: Readonly<Record<'dev' | 'small', Preset>> = {
  dev: { storageSize: '10Gi', replicas: 1, resources: undefined },
  small: { storageSize: '10Gi', replicas: 3, resources: presetResources('500m', '1Gi', '1000m', '2Gi') },
};
const RULES: RuleOwner = { name: 'minio', presets: PRESETS };

// The operator v7.1 default release, pinned; the reference used a moving `:latest`.

/** The reference's hard-coded bucket; W&B connection URLs name it, so it stays. */
export const BUCKET = 'bucket';
const REGION = 'us-east-1';

/** Label Metacontroller puts on every child of a parent (generateSelector). */
const CONTROLLER_UID_LABEL = 'controller-uid';

export const tenantName = (spec: ResolvedMinio) => spec.name;
/** The first pool's StatefulSet (`<tenant>-<tenant>-pool`), the longest name the operator derives. */
export const poolStatefulSetName = (spec: ResolvedMinio) =>
  poolStatefulSet(tenantName(spec), spec.pools[0] as MinioPool);
/** The Secret with `config.env` (root credentials), written by the DecoratorController. */
export const configSecretName = (spec: ResolvedMinio) => `${spec.name}-config`;

function tenant({ parent, spec }: ComponentContext<ResolvedMinio>): Child {
  const name = tenantName(spec);
  return {
    apiVersion: TENANT.apiVersion,
    kind: TENANT.kind,
    metadata: { name, labels: { ...childLabels(parent, 'minio'), app: name } },
    spec: {
      image: `${MINIO_REPOSITORY}:${spec.version}`,
      configuration: { name: configSecretName(spec) },
      // The operator's default (unset means true), written out: W&B's URL says tls=true.
      requestAutoCert: true,
      pools: spec.pools.map((pool) => ({
        name: pool.name,
        servers: pool.servers,
        volumesPerServer: spec.volumesPerServer,
        // No metadata.name, as in the reference: the operator then names the volumes `0…N`, so the
        // PVCs are `<i>-<tenant>-<pool>-<ordinal>` and a migrated parent finds its data again.
        volumeClaimTemplate: {
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: pool.storageSize } } },
        },
        ...(spec.resources ? { resources: spec.resources } : {}),
      })),
      buckets: [{ name: BUCKET }],
      ...(spec.telemetry ? { env: [{ name: 'MINIO_PROMETHEUS_AUTH_TYPE', value: 'public' }] } : {}),
    },
  };
}

/** The MinIO operator serves every Tenant of a namespace through one Service with this name. */
const NAMESPACE_SERVICE = 'minio';

/** MinIO never deletes a Tenant's PVCs; this is the upstream way to (docs/tenant-storage-deletion.md). */
const deleteVolumes = (spec: ResolvedMinio, namespace: string) =>
  `kubectl delete pvc -n ${namespace} -l v1.min.io/tenant=${tenantName(spec)}`;

// ---- one Tenant per namespace ----------------------------------------------------------------------

/**
 * Why this parent must not create its Tenant, or undefined when it may. MinIO serves every Tenant of a
 * namespace through one Service named `minio`; a second Tenant fails with "Another MinIO Tenant already
 * exists in the namespace" (infra-crds §0.5). The oldest parent with MinIO enabled wins; a Tenant that
 * already exists and is not ours blocks whoever is younger. A Tenant we own is never given up: dropping
 * it from `desired` would delete it.
 */
export function namespaceConflict({
  parent,
  spec,
  observed,
  related,
}: ComponentContext<ResolvedMinio>): string | undefined {
  if (observed.has(TENANT, tenantName(spec))) return undefined;
  const inNamespace = (object: KubeObject) =>
    (object.metadata.namespace ?? parent.namespace) === parent.namespace;
  const parents = related.ofKind(RELATED_KINDS.WeightsAndBiases).filter(inNamespace);
  const ownerOf = (object: KubeObject) => {
    const uid = object.metadata.labels?.[CONTROLLER_UID_LABEL];
    const owner = uid === undefined ? undefined : parents.find((p) => p.metadata.uid === uid);
    return owner ? ` (owned by WeightsAndBiases ${owner.metadata.name})` : '';
  };
  const blocked = `Tenant ${tenantName(spec)} is not created: MinIO runs one Tenant per namespace`;

  const foreign = related
    .ofKind(TENANT)
    .filter((t) => inNamespace(t) && t.metadata.labels?.[CONTROLLER_UID_LABEL] !== parent.uid);
  if (foreign.length > 0) {
    const names = foreign.map((t) => `Tenant ${t.metadata.name}${ownerOf(t)}`).join(', ');
    return `${names} already ${foreign.length === 1 ? 'exists' : 'exist'} in namespace ${parent.namespace}; ${blocked}`;
  }

  const older = parents.filter(
    (p) =>
      p.metadata.uid !== parent.uid &&
      p.metadata.deletionTimestamp === undefined &&
      field(p, 'spec', 'minio', 'enabled') === true &&
      isOlder(seniorityOf(p), parent),
  );
  const oldest = older.sort((a, b) => (isOlder(seniorityOf(a), seniorityOf(b)) ? -1 : 1))[0];
  if (oldest) {
    return (
      `WeightsAndBiases ${oldest.metadata.name} is older and also enables MinIO in namespace ${parent.namespace}; ` +
      `${blocked}. Disable spec.minio on one of them, or move one parent to another namespace`
    );
  }
  return undefined;
}

// ---- operations in flight and refused edits ---------------------------------------------------------

/**
 * What the operator is carrying out on the Tenant: an image update (`currentState: Updating MinIO
 * Version`), a new pool joining (minio-pools.ts) and a storage growth, read from the pools' PVCs, since
 * the Tenant never reports one. A PVC update the API server refuses (a StorageClass without expansion)
 * is only logged by the operator and retried, so a growth that cannot finish stays in flight rather
 * than failed: its "since" is the signal.
 */
function operations({ spec, observed, related }: ComponentContext<ResolvedMinio>): Operation[] {
  const observedTenant = observed.get(TENANT, tenantName(spec));
  if (!observedTenant) return [];
  const found: Operation[] = [];
  const state = stringField(observedTenant, 'status', 'currentState');
  if (state === UPDATING_VERSION) {
    found.push({
      kind: 'Upgrading',
      change: `to ${stringField(observedTenant, 'spec', 'image') ?? '?'}`,
      progress: `${state}: the operator replaces every server's binary, then each pool's StatefulSet`,
    });
  }
  return [...found, ...addingPool(observedTenant), ...resizing(spec, observedTenant, related)];
}

function refusedEdits({ spec, observed }: ComponentContext<ResolvedMinio>): string[] {
  const observedTenant = observed.get(TENANT, tenantName(spec));
  if (!observedTenant) return [];
  const problems = refusedPoolEdits(spec, observedTenant);
  // The operator's upgrade rewrites each pool's StatefulSet with the pool's claim template; while a
  // growth is pending that template differs from the StatefulSet's, which Kubernetes refuses as
  // immutable after the servers' binaries were already replaced (docs/day2-operators.md §4.1).
  const running = imageTag(field(observedTenant, 'spec', 'image'));
  const growing = problems.length === 0 ? growingPools(spec, observedTenant)[0] : undefined;
  if (growing && running !== undefined && running !== spec.version) {
    problems.push(
      `spec.minio.version and spec.minio.storageSize cannot change in one edit (${running} → ${spec.version}, ` +
        `${growing.from} → ${growing.to}): the MinIO operator's upgrade would fail on the pool's grown ` +
        'claim template after replacing the servers; grow the storage first, or upgrade first (docs/operations.md)',
    );
  }
  return problems;
}

// ---- the component --------------------------------------------------------------------------------------

export const minio: Component<ResolvedMinio, MinioSpec, Preset, 'minio'> = {
  name: 'minio',
  title: 'Minio',
  schema: MinioSpec,
  presets: PRESETS,
  // MinIO: StatefulSet `<base>-<base>-pool` ≤ 52.
  naming: {
    suffix: 'minio',
    maxLength: 23,
    reason: 'MinIO derives the StatefulSet `<name>-<name>-pool` (≤ 52 characters)',
  },
  resolve: ({ user, common, problems }) => {
    const resolved = Object.assign(common, {
      volumesPerServer: common.replicas > 1 ? 4 : 1,
      rootUser: user?.config?.rootUser || 'admin',
      browser: user?.config?.minioBrowserSetting || 'on',
      pools: resolvePools(common.name, common.replicas, common.storageSize, user?.pools),
    });
    if (resolved.enabled) problems.push(...poolProblems(resolved));
    return resolved;
  },
  version: VERSION,
  transitions: [
    neverDowngrades('minio'),
    {
      field: 'minio.replicas',
      component: 'minio',
      resolved: replicas(RULES),
      allowed: (old, now) => `${now} == ${old}`,
      verb: 'may not change',
      why: "a MinIO pool's servers and volumes per server are fixed",
      unset: `unset or 0 is the size preset (${presetValues(RULES, (p) => String(p.replicas))})`,
      kind: 'number',
    },
    // Operator v7.1.1 grows the pool's PVCs itself (ExpandPVCs, docs/day2-operators.md §4.2).
    neverShrinks(RULES),
    appendOnly(
      'minio',
      'pools',
      'servers',
      MAX_ADDED_POOLS,
      "a MinIO pool's servers are fixed, and a pool removed from the Tenant is taken as decommissioned: its data is lost",
    ),
  ],
  kinds: [{ ref: TENANT, condition: CONDITIONS.customResource, reported: CONDITIONS.reportedReady }],
  conditions: CONDITIONS,
  select: (spec) => spec.minio,
  desired: (context) => (namespaceConflict(context) === undefined ? [tenant(context)] : []),
  observe: (context) => {
    const conflict = namespaceConflict(context);
    if (conflict !== undefined) return [conflictFinding(conflict)];
    const observedTenant = context.observed.get(TENANT, tenantName(context.spec));
    return observedTenant ? [reportedReady(observedTenant)] : [];
  },
  secrets: {
    sources: (spec) => [{ ref: TENANT, name: tenantName(spec) }],
    credentials: (spec) => [
      {
        name: configSecretName(spec),
        generated: ['rootPassword'],
        // MinIO reads only config.env; the password is also kept under its own key so it is read
        // back exactly, whatever the user name or browser setting become.
        derive: ({ rootPassword = '' }) => ({
          'config.env': [
            `export MINIO_ROOT_USER="${spec.rootUser}"`,
            `export MINIO_ROOT_PASSWORD="${rootPassword}"`,
            `export MINIO_BROWSER="${spec.browser}"`,
            '',
          ].join('\n'),
        }),
        // The reference operator kept the password only inside config.env.
        recover: (data) =>
          /MINIO_ROOT_PASSWORD="?([^"\n]*)"?/.exec(decodeData(data, 'config.env') ?? '')?.[1],
      },
    ],
    connection: (spec, { namespace, credentials }) => {
      const password = credentials[configSecretName(spec)]?.rootPassword;
      if (!password) return undefined;
      const host = serviceHost(`${tenantName(spec)}-hl`, namespace);
      return {
        url: `s3://${userinfo(spec.rootUser, password)}@${host}:9000/${BUCKET}?tls=true`,
        Host: host,
        Port: '9000',
        Region: REGION,
      };
    },
  },
  // The root credentials encrypt the IAM data on the volumes.
  dataNeedsSecrets: { deleteVolumes },
  // infra-crds §3.5: the Services `minio`, `<tenant>-hl`, `<tenant>-console`, the auto-cert TLS Secret
  // and one StatefulSet per pool.
  ownedNames: (spec) => [
    ...namesOfKind(TENANT.kind, [tenantName(spec)]),
    { kind: 'Service', name: NAMESPACE_SERVICE, perNamespace: true },
    ...namesOfKind('Service', [`${tenantName(spec)}-hl`, `${tenantName(spec)}-console`]),
    ...namesOfKind(
      'StatefulSet',
      spec.pools.map((pool) => poolStatefulSet(tenantName(spec), pool)),
    ),
    ...namesOfKind('Secret', [`${tenantName(spec)}-tls`]),
  ],
  // Every Tenant of the namespace, for the one-Tenant-per-namespace rule (the parents of the namespace
  // are asked for by every parent: compositions/collisions.ts). Metacontroller accepts a rule with a
  // namespace and neither names nor labelSelector: it returns all objects of that resource in the
  // namespace. And the volumes, which keep the root credentials from being generated again.
  relatedRules: (spec, namespace): RelatedResourceRule[] => [
    { apiVersion: TENANT.apiVersion, resource: TENANT.resource, namespace },
    {
      apiVersion: PVC.apiVersion,
      resource: PVC.resource,
      namespace,
      names: minio.dataVolumes(spec),
    },
  ],
  refusedEdits,
  operations,
  // MinIO never deletes PVCs, whatever the policy: there is no knob to wait for, and purge cannot
  // remove the data (the deletion plan gives `kubectl delete pvc -l v1.min.io/tenant=<tenant>`).
  dataVolumes: perObject((spec: ResolvedMinio): readonly string[] => [...poolVolumes(spec).values()].flat()),
  retentionPlan: (spec, namespace) =>
    spec.retention === 'retain'
      ? {
          policy: 'retain',
          volumes: 'kept: the MinIO operator never deletes PVCs',
          credentials: `Secret ${configSecretName(spec)} (root credentials) is owned by the PVCs too, so it outlives the parent and a new parent reuses it`,
        }
      : {
          policy: 'purge',
          volumes: 'NOT deleted: the MinIO operator never deletes PVCs, so purge cannot remove MinIO data',
          credentials: `Secret ${configSecretName(spec)} (root credentials) is owned by the PVCs and stays until they are deleted`,
          manual: deleteVolumes(spec, namespace),
        },
  knobsInEffect: () => true,
  withRetentionKnobs: (frozen) => frozen,
  appliedRetention: () => 'none',
};
