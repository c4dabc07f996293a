// ClickHouse through the Altinity clickhouse-operator 0.25: a ClickHouseInstallation `<name>-install` with
// one cluster `<name>`, plus a ClickHouseKeeperInstallation `<name>-keeper` when replicas > 1. CRDs:
// shared/crds/altinity/clickhouse{,keeper}installations.*.yaml; reference §5.2.
import { z } from 'zod';
import { neverShrinks, presetValues, type RuleOwner, replicas } from '../admission.js';
import {
  type AppliedRetention,
  agreedRetention,
  type Component,
  type ComponentContext,
  carriesPolicy,
  childLabels,
  namesOfKind,
  type Preset,
  type ResolvedCommon,
  userinfo,
} from '../component.js';
import type { Finding } from '../conditions.js';
import { withField } from '../freeze.js';
import { stableHash } from '../hash.js';
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
import { BoundedMemo, deepFreeze, perObject } from '../memo.js';
import type { RetentionMode } from '../presets.js';
import { storageShrinks } from '../quantity.js';
import { presetResources } from '../resources.js';
import { componentFields, Replicas, ResourceRequirements } from '../schema.js';
import { imageTag, neverDowngrades, type VersionPolicy, versionField } from '../versions.js';
import {
  CONDITIONS,
  installationOperations,
  keeperReportedReady,
  PROVISIONER_OPERATOR,
  reportedReady,
} from './clickhouse-status.js';

export { CONDITIONS, keeperReportedReady, reportedReady };

const CHI = CHILD_KINDS.ClickHouseInstallation;
const CHK = CHILD_KINDS.ClickHouseKeeperInstallation;
const PVC = RELATED_KINDS.PersistentVolumeClaim;

export const SERVER_IMAGE = 'clickhouse/clickhouse-server';
export const KEEPER_IMAGE = 'clickhouse/clickhouse-keeper';

/**
 * The version is the tag of the server image (the Keeper runs the same tag), as the reference's
 * `version` was. Altinity rolls it host by host and checks no direction (docs/day2-operators.md §3.1).
 */
const VERSION: VersionPolicy = {
  what: `The ClickHouse server image tag (${SERVER_IMAGE}; the Keeper runs the same tag of ${KEEPER_IMAGE})`,
  latest: '23.8',
  children: (base) => [{ ref: CHI, name: `${base}-install` }],
  // Our installation has one pod template, whose `clickhouse` container is the server.
  read: (chi) => {
    const templates = field(chi, 'spec', 'templates', 'podTemplates');
    const containers = Array.isArray(templates)
      ? templates.flatMap((t) => field(t, 'spec', 'containers') ?? [])
      : [];
    const server = (containers as unknown[]).find((c) => field(c, 'name') === 'clickhouse');
    return imageTag(field(server, 'image'));
  },
};

export const ClickHouseSpec = z.strictObject({
  ...componentFields,
  replicas: Replicas.optional().describe(
    'ClickHouse replicas in one shard; above 1 a ClickHouse Keeper is added.',
  ),
  version: versionField(VERSION, true).optional(),
  config: z.strictObject({ resources: ResourceRequirements.optional() }).optional(),
});

export type ClickHouseSpec = z.infer<typeof ClickHouseSpec>;

export interface ResolvedClickHouse extends ResolvedCommon {
  readonly keeperReplicas: number;
}

/** The reference's presets (reference §2). */
const PRESETS: Readonly<Record<'dev' | 'small', Preset>> = {
  dev: { storageSize: '10Gi', replicas: 1, resources: undefined },
  small: { storageSize: '10Gi', replicas: 3, resources: presetResources('500m', '1Gi', '1000m', '2Gi') },
};
const RULES: RuleOwner = { name: 'clickhouse', presets: PRESETS };
/** Why a scale-down is refused (docs/day2-operators.md §3.3). */
const SCALE_DOWN_LOSES =
  'Altinity removes the highest hosts, and the rows of non-replicated tables (plain MergeTree) on them are lost';

export const APP_USER = 'wandb';
export const KEEPER_CLIENT_PORT = 2181;
export const PROMETHEUS_PORT = 9363;
/** Keeper keeps coordination logs and snapshots only. */
export const KEEPER_STORAGE_SIZE = '1Gi';

export const installationName = (spec: ResolvedClickHouse): string => `${spec.name}-install`;
export const keeperName = (spec: ResolvedClickHouse): string => `${spec.name}-keeper`;
export const credentialsSecretName = (spec: ResolvedClickHouse): string => `${spec.name}-credentials`;
/** The reference's template name: Altinity derives PVC names from it, so migrated volumes are found again. */
export const dataVolumeTemplateName = (spec: ResolvedClickHouse): string => `${spec.name}-voltempl`;
const podTemplateName = (spec: ResolvedClickHouse): string => `${spec.name}-pod`;
const keeperPodTemplateName = (spec: ResolvedClickHouse): string => `${spec.name}-keeper-pod`;
const keeperVolumeTemplateName = (spec: ResolvedClickHouse): string => `${spec.name}-keeper-data`;
/** Altinity names a Keeper's Service `keeper-<chk>`. */
export const keeperServiceName = (spec: ResolvedClickHouse): string => `keeper-${keeperName(spec)}`;
/** One StatefulSet per host: `chi-<chi>-<cluster>-<shard>-<replica>`, `chk-<chk>-<cluster>-<shard>-<replica>`. */
const serverStatefulSets = (spec: ResolvedClickHouse): string[] =>
  range(spec.replicas).map((r) => `chi-${installationName(spec)}-${spec.name}-0-${r}`);
// Altinity names PVCs `<template>-<statefulset>-0` (docs/day2-operators.md §3.2: under either provisioner).
const serverDataVolumes = (spec: ResolvedClickHouse): string[] =>
  serverStatefulSets(spec).map((sts) => `${dataVolumeTemplateName(spec)}-${sts}-0`);
const keeperStatefulSets = (spec: ResolvedClickHouse): string[] =>
  range(spec.keeperReplicas).map((r) => `chk-${keeperName(spec)}-${spec.name}-0-${r}`);

type ReclaimPolicy = 'Retain' | 'Delete';
/** Altinity deletes PVCs at CR deletion unless their template says Retain (the default is Delete). */
export const reclaimPolicyFor = (retention: RetentionMode): ReclaimPolicy =>
  retention === 'purge' ? 'Delete' : 'Retain';

/**
 * A stable `spec.taskID` for a spec: Altinity copies it into `status.taskID` when that spec is
 * reconciled. The spec is our own literal, built in a fixed key order; the one map it takes from the
 * parent (resources) keeps the parent's key order, which the API server always serializes sorted. So
 * JSON.stringify is canonical for it, and far cheaper than sorting keys.
 */
export const taskIdFor = (spec: Record<string, unknown>): string =>
  stableHash(JSON.stringify(spec)).slice(0, 16);

const volumeClaimTemplate = (
  name: string,
  storage: string,
  retention: RetentionMode,
  provisioner?: string,
) => ({
  name,
  reclaimPolicy: reclaimPolicyFor(retention),
  ...(provisioner ? { provisioner } : {}),
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
});

/**
 * Who creates the data PVCs. A new installation leaves it to the operator (`Operator`): a storage growth
 * then only patches each PVC. Under Altinity's default (`StatefulSet`) the claim template sits in each
 * host's StatefulSet, and a growth makes the operator recreate every host's StatefulSet (a restart per
 * host; docs/day2-operators.md §3.2). A running installation keeps what it was created with, since
 * switching recreates every StatefulSet once.
 */
function dataProvisioner(spec: ResolvedClickHouse, chi: KubeObject | undefined): string | undefined {
  if (!chi) return PROVISIONER_OPERATOR;
  const provisioner = dataTemplate(spec, chi)?.provisioner;
  return typeof provisioner === 'string' && provisioner ? provisioner : undefined;
}

/**
 * Replicas wait for the Keeper: a live single-replica installation keeps its one host and no Keeper
 * configuration until the new ClickHouseKeeperInstallation has completed, so the new hosts' replicated
 * tables find a Keeper that answers.
 */
export function waitingForKeeper({ spec, observed }: ComponentContext<ResolvedClickHouse>): boolean {
  const chi = observed.get(CHI, installationName(spec));
  if (spec.replicas <= 1 || !chi || observedReplicas(chi, spec.name) !== 1) return false;
  return stringField(observed.get(CHK, keeperName(spec)), 'status', 'status') !== 'Completed';
}

function installation(context: ComponentContext<ResolvedClickHouse>): Child {
  const { parent, spec, observed } = context;
  const name = installationName(spec);
  const replicas = waitingForKeeper(context) ? 1 : spec.replicas;
  return {
    apiVersion: CHI.apiVersion,
    kind: CHI.kind,
    metadata: { name, labels: { ...childLabels(parent, 'clickhouse'), app: name } },
    spec: installationSpec(spec, replicas, dataProvisioner(spec, observed.get(CHI, name))),
  };
}

// Building the installation's spec and hashing it for the taskID was a twentieth of a sync on the full
// parent; a pure function of its three arguments, it is remembered per resolved spec and the other two
// (a few: the provisioner is read from the running installation).
const installationSpecs = perObject(
  (_spec: ResolvedClickHouse) => new BoundedMemo<Record<string, unknown>>(8, 256),
);

function installationSpec(
  spec: ResolvedClickHouse,
  replicas: number,
  provisioner: string | undefined,
): Record<string, unknown> {
  return installationSpecs(spec).get(`${replicas} ${provisioner ?? ''}`, () => {
    const replicated = replicas > 1;
    const body = {
      defaults: {
        templates: {
          podTemplate: podTemplateName(spec),
          dataVolumeClaimTemplate: dataVolumeTemplateName(spec),
        },
      },
      configuration: {
        ...(replicated
          ? { zookeeper: { nodes: [{ host: keeperServiceName(spec), port: KEEPER_CLIENT_PORT }] } }
          : {}),
        users: {
          // Rendered as an env var from the Secret: the pod waits for the Secret instead of falling back
          // to the operator's default password, as `k8s_secret_password` does (decision 4).
          [`${APP_USER}/password`]: {
            valueFrom: { secretKeyRef: { name: credentialsSecretName(spec), key: 'password' } },
          },
          // App pods connect from pod IPs that no setting here can predict (the pod CIDR is cluster-specific and
          // CoreDNS has no reverse records for ordinary pods); the password is the guard.
          [`${APP_USER}/networks/ip`]: ['::/0'],
          [`${APP_USER}/profile`]: 'default',
        },
        ...(spec.telemetry
          ? {
              settings: {
                'prometheus/endpoint': '/metrics',
                'prometheus/port': String(PROMETHEUS_PORT),
                'prometheus/metrics': 'true',
                'prometheus/events': 'true',
                'prometheus/asynchronous_metrics': 'true',
                'prometheus/status_info': 'true',
              },
            }
          : {}),
        clusters: [{ name: spec.name, layout: { shardsCount: 1, replicasCount: replicas } }],
      },
      templates: {
        podTemplates: [
          {
            name: podTemplateName(spec),
            spec: {
              containers: [
                {
                  name: 'clickhouse',
                  image: `${SERVER_IMAGE}:${spec.version}`,
                  ...(spec.resources ? { resources: spec.resources } : {}),
                },
              ],
            },
          },
        ],
        volumeClaimTemplates: [
          volumeClaimTemplate(dataVolumeTemplateName(spec), spec.storageSize, spec.retention, provisioner),
        ],
      },
    };
    const value = { taskID: taskIdFor(body), ...body };
    // Shared by every sync of a remembered (frozen) spec, so frozen too; a spec built by hand is not
    // remembered, and its objects (resources) are not frozen through this one.
    return Object.isFrozen(spec) ? deepFreeze(value) : value;
  });
}

function keeper({ parent, spec }: ComponentContext<ResolvedClickHouse>): Child {
  const name = keeperName(spec);
  return {
    apiVersion: CHK.apiVersion,
    kind: CHK.kind,
    metadata: { name, labels: { ...childLabels(parent, 'clickhouse'), app: name } },
    spec: {
      defaults: {
        templates: {
          podTemplate: keeperPodTemplateName(spec),
          dataVolumeClaimTemplate: keeperVolumeTemplateName(spec),
        },
      },
      configuration: { clusters: [{ name: spec.name, layout: { replicasCount: spec.keeperReplicas } }] },
      templates: {
        podTemplates: [
          {
            name: keeperPodTemplateName(spec),
            spec: { containers: [{ name: 'clickhouse-keeper', image: `${KEEPER_IMAGE}:${spec.version}` }] },
          },
        ],
        volumeClaimTemplates: [
          volumeClaimTemplate(keeperVolumeTemplateName(spec), KEEPER_STORAGE_SIZE, spec.retention),
        ],
      },
    },
  };
}

interface VolumeClaimTemplate {
  readonly name?: unknown;
  readonly reclaimPolicy?: unknown;
  readonly provisioner?: unknown;
}

const dataTemplate = (spec: ResolvedClickHouse, chi: KubeObject) =>
  volumeClaimTemplates(chi).find((t) => t.name === dataVolumeTemplateName(spec));

function volumeClaimTemplates(object: KubeObject): VolumeClaimTemplate[] {
  const templates = field(object, 'spec', 'templates', 'volumeClaimTemplates');
  return Array.isArray(templates)
    ? templates.filter((t): t is VolumeClaimTemplate => t !== null && typeof t === 'object')
    : [];
}

function observedReplicas(chi: KubeObject, cluster: string): number | undefined {
  const clusters = field(chi, 'spec', 'configuration', 'clusters');
  const own = Array.isArray(clusters) ? clusters.find((c) => field(c, 'name') === cluster) : undefined;
  return own === undefined ? undefined : (numberField(own, 'layout', 'replicasCount') ?? 1);
}

export const clickhouse: Component<ResolvedClickHouse, ClickHouseSpec, Preset, 'clickhouse'> = {
  name: 'clickhouse',
  title: 'ClickHouse',
  schema: ClickHouseSpec,
  presets: PRESETS,
  // Altinity: cluster name `<base>` ≤ 15 (CRD pattern); StatefulSets `chi-<base>-install-<base>-0-N` ≤ 52.
  // The reference used `wandb-ch`.
  naming: { suffix: 'ch', maxLength: 15, reason: 'Altinity limits the cluster name to 15 characters' },
  resolve: ({ common }) => Object.assign(common, { keeperReplicas: common.replicas > 1 ? 3 : 0 }),
  version: VERSION,
  transitions: [
    neverShrinks(RULES),
    neverDowngrades('clickhouse'),
    {
      field: 'clickhouse.replicas',
      component: 'clickhouse',
      resolved: replicas(RULES),
      allowed: (old, now) => `${now} >= ${old}`,
      verb: 'may not decrease',
      why: SCALE_DOWN_LOSES,
      unset: `unset or 0 is the size preset (${presetValues(RULES, (p) => String(p.replicas))})`,
      kind: 'number',
    },
  ],
  kinds: [
    { ref: CHI, condition: CONDITIONS.installationCustomResource, reported: CONDITIONS.reportedReady },
    { ref: CHK, condition: CONDITIONS.keeperCustomResource, reported: CONDITIONS.keeperReportedReady },
  ],
  conditions: CONDITIONS,
  select: (spec) => spec.clickhouse,
  desired: (context) =>
    context.spec.replicas > 1 ? [keeper(context), installation(context)] : [installation(context)],
  observe: ({ spec, observed }) => {
    const findings: Finding[] = [];
    const chi = observed.get(CHI, installationName(spec));
    if (chi) findings.push(reportedReady(chi));
    const chk = spec.replicas > 1 ? observed.get(CHK, keeperName(spec)) : undefined;
    if (chk) findings.push(keeperReportedReady(chk));
    return findings;
  },
  secrets: {
    sources: (spec) => [{ ref: CHI, name: installationName(spec) }],
    credentials: (spec) => [{ name: credentialsSecretName(spec), generated: ['password'] }],
    connection: (spec, { related, credentials }) => {
      const host = stringField(related.get(CHI, installationName(spec)), 'status', 'endpoint');
      const password = credentials[credentialsSecretName(spec)]?.password;
      if (!host || !password) return undefined;
      return {
        url: `clickhouse://${userinfo(APP_USER, password)}@${host}:8123/default`,
        Host: host,
        Port: '8123',
        User: APP_USER,
        Password: password,
        Database: 'default',
      };
    },
  },
  // infra-crds §2.3: the installation's Service, the cluster's, one per host (named as its StatefulSet)
  // and the Keeper's.
  ownedNames: (spec) => [
    ...namesOfKind(CHI.kind, [installationName(spec)]),
    ...namesOfKind(CHK.kind, spec.keeperReplicas > 0 ? [keeperName(spec)] : []),
    ...namesOfKind('StatefulSet', [...serverStatefulSets(spec), ...keeperStatefulSets(spec)]),
    ...namesOfKind('Service', [
      `clickhouse-${installationName(spec)}`,
      `cluster-${installationName(spec)}-${spec.name}`,
      ...serverStatefulSets(spec),
      ...(spec.keeperReplicas > 0 ? [keeperServiceName(spec)] : []),
    ]),
  ],
  // The data volumes, whose capacity tells a storage growth's progress.
  relatedRules: (spec, namespace) => [
    {
      apiVersion: PVC.apiVersion,
      resource: PVC.resource,
      namespace,
      names: serverDataVolumes(spec),
    },
  ],
  refusedEdits: ({ spec, observed }) => {
    const chi = observed.get(CHI, installationName(spec));
    if (!chi) return [];
    const problems: string[] = [];
    const replicas = observedReplicas(chi, spec.name);
    if (replicas !== undefined && spec.replicas < replicas) {
      problems.push(
        `spec.clickhouse.replicas cannot go down from ${replicas} to ${spec.replicas}: ${SCALE_DOWN_LOSES}` +
          (spec.replicas === 1
            ? `; a single replica also drops the ClickHouseKeeperInstallation ${keeperName(spec)}, which the replicated tables depend on`
            : ''),
      );
    }
    const data = dataTemplate(spec, chi);
    const shrink = storageShrinks(
      stringField(data, 'spec', 'resources', 'requests', 'storage'),
      spec.storageSize,
    );
    if (shrink) problems.push(`spec.clickhouse.storageSize ${shrink}`);
    return problems;
  },
  operations: (context) => {
    const { spec, observed, related } = context;
    const chi = observed.get(CHI, installationName(spec));
    if (!chi) return [];
    const data = dataTemplate(spec, chi);
    return installationOperations({
      chi,
      replicas: spec.replicas,
      appliedReplicas: observedReplicas(chi, spec.name) ?? 1,
      volumes: serverDataVolumes(spec).map((name) => related.get(PVC, name)),
      storage: stringField(data, 'spec', 'resources', 'requests', 'storage'),
      provisioner: typeof data?.provisioner === 'string' ? data.provisioner : undefined,
      ...(waitingForKeeper(context)
        ? {
            waitingFor: {
              keeper: keeperName(spec),
              status: stringField(observed.get(CHK, keeperName(spec)), 'status', 'status'),
              replicas: spec.replicas,
            },
          }
        : {}),
    });
  },
  dataVolumes: perObject((spec: ResolvedClickHouse): readonly string[] => [
    ...serverDataVolumes(spec),
    ...keeperStatefulSets(spec).map((sts) => `${keeperVolumeTemplateName(spec)}-${sts}-0`),
  ]),
  retentionPlan: (spec) => ({
    policy: spec.retention,
    volumes:
      spec.retention === 'retain'
        ? `kept: reclaimPolicy Retain on the volume templates of ClickHouseInstallation ${installationName(spec)}${spec.keeperReplicas > 0 ? ` and ClickHouseKeeperInstallation ${keeperName(spec)}` : ''}`
        : `deleted by Altinity: reclaimPolicy Delete on the volume templates${spec.keeperReplicas > 0 ? ' (Keeper included)' : ''}`,
    credentials: `Secret ${credentialsSecretName(spec)} goes with the parent; a new parent sets a new password for user ${APP_USER}`,
  }),
  // Altinity's DeleteStart sets `status.status: Terminating` on both kinds (infra-crds §2.4).
  deletionProgress: (object) => {
    const state = stringField(object, 'status', 'status');
    return state === 'Terminating'
      ? { acted: true, evidence: 'status.status is Terminating' }
      : { acted: false, evidence: `status.status is still ${state || 'unset'}` };
  },
  knobsInEffect: ({ spec }, object) => carriesPolicy(appliedRetention(object), spec.retention),
  withRetentionKnobs: (frozen, observed, policy) => {
    if (!sameKind(observed, CHI) && !sameKind(observed, CHK)) return frozen;
    const path = ['spec', 'templates', 'volumeClaimTemplates'] as const;
    const templates =
      field(frozen, ...path) !== undefined ? volumeClaimTemplates(frozen) : volumeClaimTemplates(observed);
    const reclaimPolicy = reclaimPolicyFor(policy);
    return withField(
      frozen,
      path,
      templates.map((t) => ({ ...t, reclaimPolicy })),
    );
  },
  appliedRetention,
};

/** The operator reads the policy from the CR when it is deleted: template, then defaults, then Delete. */
function appliedRetention(object: KubeObject): AppliedRetention {
  if (!sameKind(object, CHI) && !sameKind(object, CHK)) return 'none';
  const fallback = stringField(object, 'spec', 'defaults', 'storageManagement', 'reclaimPolicy') || 'Delete';
  return agreedRetention(
    volumeClaimTemplates(object).map((t) =>
      ((typeof t.reclaimPolicy === 'string' && t.reclaimPolicy) || fallback) === reclaimPolicyFor('retain')
        ? 'retain'
        : 'purge',
    ),
  );
}
