// MySQL through the Percona XtraDB Cluster operator 1.18: one PerconaXtraDBCluster `<name>-cluster`.
// CRD: shared/crds/percona/pxc.percona.com_perconaxtradbclusters.yaml; reference §5.5.
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
import {
  declareConditions,
  declareReasons,
  type Finding,
  notReported,
  Reasons,
  staleFinding,
  staleGeneration,
} from '../conditions.js';
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
import { storageShrinks } from '../quantity.js';
import { presetResources } from '../resources.js';
import { componentFields, Replicas, ResourceRequirements } from '../schema.js';
import { imageTag, neverDowngrades, sameSeries, type VersionPolicy, versionField } from '../versions.js';
import { perconaOperations, STORAGE_PATH } from './mysql-operations.js';

const PXC = CHILD_KINDS.PerconaXtraDBCluster;
const PVC = RELATED_KINDS.PersistentVolumeClaim;

export const PXC_REPOSITORY = 'percona/percona-xtradb-cluster';
// Upstream 1.18.0 defaults (deploy/cr.yaml); the reference used a moving `main` tag for dev.
export const PXC_IMAGE = `${PXC_REPOSITORY}:8.0.42-33.1`;

/** The database's version is the tag of the PXC image; Percona rolls any image it is given. */
const VERSION: VersionPolicy = {
  what: `The Percona XtraDB Cluster image tag (${PXC_REPOSITORY})`,
  latest: imageTag(PXC_IMAGE) ?? '',
  children: (base) => [{ ref: PXC, name: `${base}-cluster` }],
  read: (pxc) => imageTag(field(pxc, 'spec', 'pxc', 'image')),
  // Percona compares no versions (docs/day2-operators.md §2.1); a major change was not verified with 1.18.0.
  refuse: (from, to) =>
    sameSeries(from, to)
      ? undefined
      : 'a change of the MySQL major version (e.g. 8.0 → 8.4) is not verified with the Percona operator 1.18.0',
};

export const MySQLSpec = z.strictObject({
  ...componentFields,
  replicas: Replicas.optional().describe(
    'Number of Percona XtraDB Cluster nodes (1, 3 or 5). 0 means the preset.',
  ),
  version: versionField(VERSION).optional(),
  config: z.strictObject({ resources: ResourceRequirements.optional() }).optional(),
});

export type MySQLSpec = z.infer<typeof MySQLSpec>;
export type ResolvedMySQL = ResolvedCommon;

/** The reference's presets (reference §2). */
const PRESETS = {
  dev: { storageSize: '1Gi', replicas: 1, resources: undefined },
  small: { storageSize: '10Gi', replicas: 3, resources: presetResources('500m', '1Gi', '1000m', '2Gi') },
} as const satisfies Record<string, Preset>;
const RULES: RuleOwner = { name: 'mysql', presets: PRESETS };

export const PERCONA_CR_VERSION = '1.18.0';
export const PROXYSQL_IMAGE = 'percona/proxysql2:2.7.3';
export const MYSQLD_EXPORTER_IMAGE = 'prom/mysqld-exporter:v0.15.1';

/** Percona deletes the PVCs (and its own Secrets) and the TLS Secrets only with these finalizers. */
export const PURGE_FINALIZERS = ['percona.com/delete-pxc-pvc', 'percona.com/delete-ssl'] as const;
/** Scale down in order before the cluster goes away, whatever the policy (upstream sample default). */
const ORDERED_DELETE_FINALIZER = 'percona.com/delete-pxc-pods-in-order';

/**
 * Percona 1.18.0 switches TLS on a live cluster only by pausing every node and patching our CR itself
 * (tls.go reconcileTLSToggle), and one node runs without TLS or proxy: so 1 ↔ 3 stays refused.
 */
const SINGLE_NODE_WHY =
  'a single node runs without TLS and proxy, and Percona switches TLS only by stopping the whole cluster and ' +
  'rewriting its custom resource (a cluster moves between odd sizes of 3 or more: 3 ↔ 5)';

export const APP_USER = 'wandb_local';
export const APP_DATABASE = 'wandb_local';

export const clusterName = (spec: ResolvedMySQL) => `${spec.name}-cluster`;
const dataVolumes = perObject((spec: ResolvedMySQL): readonly string[] =>
  range(spec.replicas).map((i) => `datadir-${clusterName(spec)}-pxc-${i}`),
);
export const passwordSecretName = (spec: ResolvedMySQL) => `${spec.name}-user-db-password`;

function perconaCluster({ parent, spec }: ComponentContext<ResolvedMySQL>): Child {
  const name = clusterName(spec);
  const single = spec.replicas === 1;
  const finalizers =
    spec.retention === 'purge' ? [ORDERED_DELETE_FINALIZER, ...PURGE_FINALIZERS] : [ORDERED_DELETE_FINALIZER];
  return {
    apiVersion: PXC.apiVersion,
    kind: PXC.kind,
    metadata: { name, labels: { ...childLabels(parent, 'mysql'), app: name }, finalizers },
    spec: {
      // Set explicitly: Percona patches an empty crVersion, and we own every field we set.
      crVersion: PERCONA_CR_VERSION,
      // Without it Percona silently keeps the old volume size when storageSize grows (volumes.go).
      enableVolumeExpansion: true,
      tls: { enabled: !single },
      unsafeFlags: { tls: single, pxcSize: single, proxySize: single },
      upgradeOptions: { apply: 'disabled' },
      pxc: {
        size: spec.replicas,
        image: `${PXC_REPOSITORY}:${spec.version}`,
        configuration: '[mysqld]\npxc_strict_mode=PERMISSIVE\n',
        volumeSpec: {
          persistentVolumeClaim: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: spec.storageSize } },
          },
        },
        ...(spec.resources ? { resources: spec.resources } : {}),
        ...(spec.telemetry ? { sidecars: [mysqldExporter(name)] } : {}),
      },
      haproxy: { enabled: false },
      proxysql: single
        ? { enabled: false }
        : {
            enabled: true,
            size: Math.min(3, spec.replicas),
            image: PROXYSQL_IMAGE,
            // emptyDir: ProxySQL keeps no data, so there is no ProxySQL PVC to retain or purge.
            volumeSpec: { emptyDir: {} },
          },
      users: [
        {
          name: APP_USER,
          dbs: [APP_DATABASE],
          hosts: ['%'],
          grants: ['ALL'],
          withGrantOption: true,
          passwordSecretRef: { name: passwordSecretName(spec), key: 'password' },
        },
      ],
    },
  };
}

function mysqldExporter(cluster: string) {
  return {
    name: 'mysqld-exporter',
    image: MYSQLD_EXPORTER_IMAGE,
    args: ['--mysqld.username=monitor', '--mysqld.address=127.0.0.1:3306'],
    env: [
      {
        name: 'MYSQLD_EXPORTER_PASSWORD',
        valueFrom: { secretKeyRef: { name: `internal-${cluster}`, key: 'monitor' } },
      },
    ],
    ports: [{ name: 'metrics', containerPort: 9104 }],
    livenessProbe: { httpGet: { path: '/metrics', port: 9104 }, initialDelaySeconds: 60, periodSeconds: 10 },
  };
}

export const CONDITIONS = declareConditions({
  customResource: 'MySQLCustomResource',
  reportedReady: 'MySQLReportedReady',
  connectionInfo: 'MySQLConnectionInfo',
  hasBeenReady: 'MySQLHasBeenReady',
  credentials: 'MySQLCredentials',
  removal: 'MySQLRemoval',
  version: 'MySQLVersion',
  operation: 'MySQLOperation',
});

/** Percona's `status.state` words, kept as the reasons, and the one Percona defect we name. */
const REASONS = declareReasons(
  'ready',
  'initializing',
  'paused',
  'stopping',
  'error',
  'ProxyadminPasswordRefused',
);

/** `MySQLReportedReady` from `status.state` and `status.observedGeneration` (infra-crds §5.4). */
export function reportedReady(pxc: KubeObject): Finding {
  const type = CONDITIONS.reportedReady;
  const who = `PerconaXtraDBCluster ${pxc.metadata.name}`;
  const state = stringField(pxc, 'status', 'state') ?? '';
  const detail = operatorMessage(pxc);
  // Before staleness: Percona's error path writes no observedGeneration, and this refusal recurs on
  // every reconcile whatever the generation.
  if (state === 'error' && detail.includes(PROXYADMIN_REFUSED)) {
    return {
      type,
      status: 'False',
      reason: REASONS.ProxyadminPasswordRefused,
      message: `${who} reports an error${detail}. ${proxyadminRemedy(pxc)}`,
      implies: 'Error',
    };
  }
  const stale = staleGeneration(pxc);
  if (state && stale) return staleFinding(type, stale);
  switch (state) {
    case 'ready':
      return { type, status: 'True', reason: REASONS.ready, message: `${who} is ready`, implies: 'Healthy' };
    case 'initializing':
      return {
        type,
        status: 'False',
        reason: REASONS[state],
        message: `${who} is initializing${detail}`,
        implies: 'Pending',
      };
    case 'paused':
    case 'stopping':
      return {
        type,
        status: 'False',
        reason: REASONS[state],
        message: `${who} is ${state}${detail}`,
        implies: 'Unavailable',
      };
    case 'error':
      return {
        type,
        status: 'False',
        reason: REASONS[state],
        message: `${who} reports an error${detail}`,
        implies: 'Error',
      };
    default:
      if (!state) return notReported(type, who, 'state');
      return {
        type,
        status: 'Unknown',
        reason: Reasons.Unknown,
        message: `${who} reports the unknown state "${state}"`,
        implies: 'Unknown',
      };
  }
}

/**
 * Percona 1.18.0 refuses, at the start of every reconcile, a proxyadmin password that starts with `*`
 * or holds `;` or `:`, yet its own generator may start one with `*` (pkg/controller/pxc/secrets.go:
 * generatePass, validatePasswords; fixed in 1.19.0). Both refusals start with these words.
 */
const PROXYADMIN_REFUSED = 'invalid proxyadmin password';

/**
 * Any change to the cluster object makes Percona reconcile it; its watch of `<cluster>-secrets` does
 * not, since it matches a stored `spec.secretsName`, which we leave to Percona's default.
 */
const RECONCILE_NOW = 'wandb.com/reconcile-now';

/**
 * The runbook's remedy (docs/monitoring.md), with the names filled in. Percona copied the generated
 * Secret into `internal-<cluster>` before refusing it; ProxySQL reads its admin password from there,
 * and Percona changes that copy only by logging in to ProxySQL with the old password (users.go:
 * handleProxyadminUser), which ProxySQL refuses when it starts with `*`. Without ProxySQL nothing
 * reads the copy.
 */
function proxyadminRemedy(pxc: KubeObject): string {
  const cluster = pxc.metadata.name;
  const namespace = pxc.metadata.namespace ?? '<namespace>';
  const patch = `--type=merge -p '{"stringData":{"proxyadmin":"<new password>"}}'`;
  const proxysql =
    field(pxc, 'spec', 'proxysql', 'enabled') === true
      ? ` If the proxyadmin value of Secret internal-${cluster} is invalid too (Percona copied the ` +
        `generated password there before refusing it), run the same patch on internal-${cluster} and ` +
        `delete the pods ${cluster}-proxysql-*, so ProxySQL restarts with the new password: Percona ` +
        'changes it only by logging in to ProxySQL with the old one, which ProxySQL refuses.'
      : '';
  return (
    'This is a known defect of the Percona operator 1.18.0 (fixed in 1.19.0): it may generate a ' +
    `proxyadmin password starting with "*" in Secret ${cluster}-secrets, then refuses it on every ` +
    `reconcile. Remedy: choose a new password without "*", ";" or ":" and run kubectl patch secret ` +
    `${cluster}-secrets -n ${namespace} ${patch}, then kubectl annotate pxc ${cluster} -n ${namespace} ` +
    `--overwrite ${RECONCILE_NOW}="$(date +%s)" so that Percona reconciles at once rather than after its ` +
    `growing retry delay.${proxysql} ` +
    'Runbook: docs/monitoring.md#percona-refuses-its-proxyadmin-password'
  );
}

function operatorMessage(pxc: KubeObject): string {
  const messages = pxc.status && (pxc.status as { message?: unknown }).message;
  const first = Array.isArray(messages) ? messages.find((m) => typeof m === 'string' && m) : undefined;
  return typeof first === 'string' ? `: ${first.slice(0, 300)}` : '';
}

export const mysql: Component<ResolvedMySQL, MySQLSpec, Preset, 'mysql'> = {
  name: 'mysql',
  title: 'MySQL',
  schema: MySQLSpec,
  presets: PRESETS,
  // Percona: PerconaXtraDBCluster `<base>-cluster`, and the operator caps cluster names at 22.
  naming: {
    suffix: 'mysql',
    maxLength: 14,
    reason: 'Percona limits the cluster name `<name>-cluster` to 22 characters',
  },
  resolve: ({ common, problems }) => {
    if (common.enabled && ![1, 3, 5].includes(common.replicas)) {
      problems.push(
        `spec.mysql.replicas is ${common.replicas}; Percona XtraDB Cluster runs 1 (unsafe, dev), 3 or 5 nodes`,
      );
    }
    return common;
  },
  version: VERSION,
  transitions: [
    neverShrinks(RULES),
    neverDowngrades('mysql'),
    {
      field: 'mysql.replicas',
      component: 'mysql',
      resolved: replicas(RULES),
      allowed: (old, now) => `(${now} == 1) == (${old} == 1)`,
      verb: 'may not move between a single node and a cluster',
      why: SINGLE_NODE_WHY,
      unset: `unset or 0 is the size preset (${presetValues(RULES, (p) => String(p.replicas))})`,
      kind: 'number',
    },
  ],
  kinds: [{ ref: PXC, condition: CONDITIONS.customResource, reported: CONDITIONS.reportedReady }],
  conditions: CONDITIONS,
  select: (spec) => spec.mysql,
  desired: (context) => [perconaCluster(context)],
  observe: ({ spec, observed }) => {
    const pxc = observed.get(PXC, clusterName(spec));
    return pxc ? [reportedReady(pxc)] : [];
  },
  secrets: {
    sources: (spec) => [{ ref: PXC, name: clusterName(spec) }],
    credentials: (spec) => [{ name: passwordSecretName(spec), generated: ['password'] }],
    connection: (spec, { related, credentials }) => {
      const host = stringField(related.get(PXC, clusterName(spec)), 'status', 'host');
      const password = credentials[passwordSecretName(spec)]?.password;
      if (!host || !password) return undefined;
      // The application connects as its own user (the reference used root).
      return {
        url: `mysql://${userinfo(APP_USER, password)}@${host}:3306/${APP_DATABASE}`,
        Host: host,
        Port: '3306',
        User: APP_USER,
        Password: password,
        Database: APP_DATABASE,
      };
    },
  },
  // infra-crds §5.3–5.5: StatefulSets and Services `<cluster>-pxc` and `<cluster>-proxysql` (the
  // endpoints of status.host), and the Secrets Percona creates and deletes with its purge finalizer.
  ownedNames: (spec) => {
    const cluster = clusterName(spec);
    const workloads = spec.replicas === 1 ? [`${cluster}-pxc`] : [`${cluster}-pxc`, `${cluster}-proxysql`];
    return [
      ...namesOfKind(PXC.kind, [cluster]),
      ...namesOfKind('StatefulSet', workloads),
      ...namesOfKind('Service', workloads),
      ...namesOfKind('Secret', [`${cluster}-secrets`, `internal-${cluster}`, `${cluster}-mysql-init`]),
    ];
  },
  // The node volumes: how far a growth or a scale-out has got (mysql-operations.ts).
  relatedRules: (spec, namespace) => [
    {
      apiVersion: PVC.apiVersion,
      resource: PVC.resource,
      namespace,
      names: dataVolumes(spec),
    },
  ],
  operations: ({ spec, observed, related }) => {
    const pxc = observed.get(PXC, clusterName(spec));
    if (!pxc) return [];
    const volumes = new Map(
      dataVolumes(spec).flatMap((name) => {
        const claim = related.get(PVC, name);
        return claim ? [[name, claim] as const] : [];
      }),
    );
    return perconaOperations({ pxc, volumes, storageSize: spec.storageSize });
  },
  refusedEdits: ({ spec, observed }) => {
    const pxc = observed.get(PXC, clusterName(spec));
    if (!pxc) return [];
    const problems: string[] = [];
    const observedSize = numberField(pxc, 'spec', 'pxc', 'size');
    if (observedSize !== undefined && (observedSize === 1) !== (spec.replicas === 1)) {
      problems.push(
        `spec.mysql.replicas cannot change from ${observedSize} to ${spec.replicas}: ${SINGLE_NODE_WHY}`,
      );
    }
    const observedStorage = stringField(pxc, ...STORAGE_PATH);
    const shrink = storageShrinks(observedStorage, spec.storageSize);
    if (shrink) problems.push(`spec.mysql.storageSize ${shrink}`);
    return problems;
  },
  dataVolumes,
  retentionPlan: (spec) => {
    const cluster = clusterName(spec);
    return spec.retention === 'purge'
      ? {
          policy: 'purge',
          volumes: `deleted by Percona (finalizers ${PURGE_FINALIZERS.join(', ')}): PVCs datadir-${cluster}-pxc-*, Secrets ${cluster}-secrets and internal-${cluster}, TLS Secrets`,
          credentials: `Secret ${passwordSecretName(spec)} is deleted with the parent`,
        }
      : {
          policy: 'retain',
          volumes: `kept: without the finalizer percona.com/delete-pxc-pvc Percona leaves PVCs datadir-${cluster}-pxc-* and its Secrets ${cluster}-secrets and internal-${cluster}`,
          credentials: `Secret ${passwordSecretName(spec)} goes with the parent; a new parent generates a new application password and Percona re-applies it to the user`,
        };
  },
  // Percona reports `stopping` once it handles a cluster marked for deletion (infra-crds §5.4).
  deletionProgress: (pxc) => {
    const state = stringField(pxc, 'status', 'state');
    return state === 'stopping'
      ? { acted: true, evidence: 'status.state is stopping' }
      : { acted: false, evidence: `status.state is still ${state || 'unset'}` };
  },
  // Percona reads its finalizers when the CR is deleted, so the observed object is enough.
  knobsInEffect: ({ spec }, pxc) => carriesPolicy(appliedRetention(pxc), spec.retention),
  withRetentionKnobs: (frozen, observed, policy) => {
    const others = (frozen.metadata.finalizers ?? observed.metadata.finalizers ?? []).filter(
      (f) => !(PURGE_FINALIZERS as readonly string[]).includes(f),
    );
    const finalizers = policy === 'purge' ? [...others, ...PURGE_FINALIZERS] : others;
    return { ...frozen, metadata: { ...frozen.metadata, finalizers } };
  },
  appliedRetention,
};

function appliedRetention(pxc: KubeObject): AppliedRetention {
  const finalizers = new Set(pxc.metadata.finalizers ?? []);
  return agreedRetention(PURGE_FINALIZERS.map((f) => (finalizers.has(f) ? 'purge' : 'retain')));
}
