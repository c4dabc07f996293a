// Realistic composite sync requests for the benchmarks: a five-component WeightsAndBiases parent with
// the children and related objects Metacontroller v4.17 sends (hook v2 maps, dynamic-apply annotations,
// managedFields, operator statuses), built by running our own reconcile and feeding its answer back.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { stableHash } from '../compositions/hash.js';
import { CHILD_KINDS, type Child, type KubeObject, RELATED_KINDS } from '../compositions/kube.js';
import { CompositeSyncRequest } from '../compositions/metacontroller.js';
import { customize, reconcile, type SyncResult } from '../compositions/reconcile.js';

export type Size = 'dev' | 'small';
export type Phase = 'fresh' | 'converged';

export interface Scenario {
  readonly name: string;
  readonly size: Size;
  readonly phase: Phase;
  readonly request: SyncRequestBody;
  /** The request as sent on the wire. */
  readonly body: string;
  readonly observedChildren: number;
  readonly relatedObjects: number;
}

export interface SyncRequestBody {
  controller: unknown;
  parent: KubeObject & { spec: unknown; status?: unknown };
  children: Record<string, Record<string, KubeObject>>;
  related: Record<string, Record<string, KubeObject>>;
  finalizing: boolean;
}

const NAMESPACE = 'wandb';
const PARENT_NAME = 'wandb';
const PARENT_UID = '5f0c2b1e-8d2a-4c43-9a7e-1b2c3d4e5f60';
const CREATED = '2026-01-05T09:12:44Z';
const CONVERGED_AT = '2026-01-05T09:31:02Z';
export const BENCH_NOW = '2026-01-06T12:00:00Z';
const LAST_APPLIED = 'metacontroller.k8s.io/last-applied-configuration';
const KUBECTL_LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const CONTROLLER_NAME = 'wandb-infra';

const uid = (seed: string): string => {
  const h = stableHash(seed) + stableHash(`${seed}/2`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const resourceVersion = (seed: string): string =>
  String(100_000 + (Number.parseInt(stableHash(seed).slice(0, 6), 16) % 900_000));
/** Opstree's readiness and liveness probe: the same ping for both. */
const REDIS_PING_PROBE = {
  exec: { command: ['sh', '-c', 'redis-cli -h $(hostname) -p $REDIS_PORT ping'] },
  initialDelaySeconds: 1,
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
};
/** The metadata the API server sets on an object it stored, derived from `seed`. */
const serverMetadata = (seed: string, name: string, created: string, generation?: number) => ({
  name,
  namespace: NAMESPACE,
  uid: uid(seed),
  resourceVersion: resourceVersion(seed),
  ...(generation === undefined ? {} : { generation }),
  creationTimestamp: created,
});
const base64 = (text: string): string => Buffer.from(text).toString('base64');
/** Deterministic filler that looks like what it replaces (passwords, certificates). */
const pseudoRandom = (seed: string, length: number): string => {
  let out = '';
  for (let i = 0; out.length < length; i++) out += stableHash(`${seed}:${i}`);
  return out.slice(0, length);
};
const pem = (seed: string): string => {
  const body = base64(pseudoRandom(seed, 900));
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
};

/** The CompositeController as Metacontroller puts it in every request (CRD defaults applied). */
function controllerObject(): unknown {
  const url = new URL('../manifests/composite-controller.yaml', import.meta.url);
  const manifest = parseYaml(readFileSync(url, 'utf8')) as { metadata: Record<string, unknown> };
  return {
    ...manifest,
    metadata: {
      ...manifest.metadata,
      uid: uid('controller'),
      resourceVersion: '1201',
      generation: 1,
      creationTimestamp: '2026-01-02T08:00:00Z',
    },
    status: {},
  };
}

export function fullSpec(size: Size): Record<string, unknown> {
  return {
    size,
    wandb: { hostname: 'https://wandb.example.com' },
    mysql: { enabled: true },
    redis: { enabled: true },
    kafka: { enabled: true },
    minio: { enabled: true },
    clickhouse: { enabled: true },
  };
}

/** `managedFields` `fieldsV1` for a value, as the API server records it (lists of named items keyed). */
function fieldsV1(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (Array.isArray(item)) {
      const keyed = item.every((i) => i !== null && typeof i === 'object' && 'name' in i);
      out[`f:${key}`] = keyed
        ? Object.fromEntries(
            item.map((i: { name: unknown }) => [
              `k:${JSON.stringify({ name: i.name })}`,
              { '.': {}, ...fieldsV1(i) },
            ]),
          )
        : {};
    } else out[`f:${key}`] = fieldsV1(item);
  }
  return out;
}

function parentObject(spec: unknown, status: unknown): SyncRequestBody['parent'] {
  const applied = {
    apiVersion: 'apps.wandb.com/v2',
    kind: 'WeightsAndBiases',
    metadata: { name: PARENT_NAME, namespace: NAMESPACE },
    spec,
  };
  return {
    apiVersion: 'apps.wandb.com/v2',
    kind: 'WeightsAndBiases',
    metadata: {
      name: PARENT_NAME,
      namespace: NAMESPACE,
      uid: PARENT_UID,
      resourceVersion: resourceVersion('parent'),
      generation: 2,
      creationTimestamp: CREATED,
      annotations: { [KUBECTL_LAST_APPLIED]: `${JSON.stringify(applied)}\n` },
      finalizers: [`metacontroller.io/compositecontroller-${CONTROLLER_NAME}`],
      managedFields: [
        {
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          apiVersion: 'apps.wandb.com/v2',
          time: CREATED,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:annotations': { '.': {}, [`f:${KUBECTL_LAST_APPLIED}`]: {} } },
            'f:spec': fieldsV1(spec),
          },
        },
        {
          manager: 'metacontroller',
          operation: 'Update',
          apiVersion: 'apps.wandb.com/v2',
          time: CONVERGED_AT,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': {
              'f:finalizers': {
                '.': {},
                [`v:"metacontroller.io/compositecontroller-${CONTROLLER_NAME}"`]: {},
              },
            },
          },
        },
        ...(status
          ? [
              {
                manager: 'metacontroller',
                operation: 'Update',
                apiVersion: 'apps.wandb.com/v2',
                time: CONVERGED_AT,
                fieldsType: 'FieldsV1',
                fieldsV1: { 'f:status': fieldsV1(status) },
                subresource: 'status',
              },
            ]
          : []),
      ],
    },
    spec,
    ...(status ? { status: { ...(status as object), observedGeneration: 2 } } : {}),
  };
}

const ownerReference = {
  apiVersion: 'apps.wandb.com/v2',
  kind: 'WeightsAndBiases',
  name: PARENT_NAME,
  uid: PARENT_UID,
  controller: true,
  blockOwnerDeletion: true,
};

/** Operator-added metadata per kind: finalizers and annotations the operators write on their CRs. */
function operatorMetadata(kind: string): {
  finalizers: string[];
  annotations: Record<string, string>;
  manager: string;
} {
  switch (kind) {
    case 'ClickHouseInstallation':
      return {
        finalizers: ['finalizer.clickhouseinstallation.altinity.com'],
        annotations: {},
        manager: 'clickhouse-operator',
      };
    case 'ClickHouseKeeperInstallation':
      return {
        finalizers: ['finalizer.clickhousekeeperinstallation.altinity.com'],
        annotations: {},
        manager: 'clickhouse-operator',
      };
    case 'Redis':
    case 'RedisReplication':
    case 'RedisSentinel':
      return {
        finalizers: [`${kind.toLowerCase()}Finalizer`],
        annotations: { 'redis.opstreelabs.in/recreate-statefulset': 'false' },
        manager: 'redis-operator',
      };
    case 'PerconaXtraDBCluster':
      return { finalizers: [], annotations: {}, manager: 'percona-xtradb-cluster-operator' };
    case 'Tenant':
      return { finalizers: [], annotations: { 'min.io/revision': '0' }, manager: 'minio-operator' };
    default:
      return { finalizers: [], annotations: {}, manager: 'strimzi-cluster-operator' };
  }
}

/** A desired child as the API server returns it once Metacontroller created it and its operator reported. */
export function observedChild(desired: Child, status: unknown): KubeObject {
  const {
    finalizers: operatorFinalizers,
    annotations: operatorAnnotations,
    manager,
  } = operatorMetadata(desired.kind);
  const labels = { ...desired.metadata.labels, 'controller-uid': PARENT_UID };
  const lastApplied = JSON.stringify({
    ...desired,
    metadata: { ...desired.metadata, namespace: NAMESPACE, labels },
  });
  const annotations = {
    ...desired.metadata.annotations,
    ...operatorAnnotations,
    [LAST_APPLIED]: lastApplied,
  };
  const finalizers = [...(desired.metadata.finalizers ?? []), ...operatorFinalizers];
  const { metadata: _metadata, ...body } = desired;
  return {
    ...body,
    metadata: {
      ...serverMetadata(
        `${desired.kind}/${desired.metadata.name}`,
        desired.metadata.name,
        '2026-01-05T09:12:46Z',
        1,
      ),
      labels,
      annotations,
      ...(finalizers.length > 0 ? { finalizers } : {}),
      ownerReferences: [ownerReference],
      managedFields: [
        {
          manager: 'metacontroller',
          operation: 'Update',
          apiVersion: desired.apiVersion,
          time: '2026-01-05T09:12:46Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': {
              'f:annotations': fieldsV1(annotations),
              'f:labels': fieldsV1(labels),
              'f:ownerReferences': { [`k:{"uid":"${PARENT_UID}"}`]: {} },
            },
            ...fieldsV1(body),
          },
        },
        ...(status
          ? [
              {
                manager,
                operation: 'Update',
                apiVersion: desired.apiVersion,
                time: CONVERGED_AT,
                fieldsType: 'FieldsV1',
                fieldsV1: { 'f:status': fieldsV1(status) },
                subresource: 'status',
              },
            ]
          : []),
      ],
    },
    ...(status ? { status } : {}),
  } as KubeObject;
}

const specOf = (child: Child): Record<string, unknown> => (child.spec ?? {}) as Record<string, unknown>;
const num = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

function condition(type: string, status: string, extra: Record<string, string> = {}) {
  return { type, status, lastTransitionTime: CONVERGED_AT, ...extra };
}

/** Operator statuses (infra-crds §1.5, §2.4, §3.4, §4.4, §5.4): `fresh` while provisioning, `converged` when done. */
function operatorStatus(child: Child, phase: Phase): unknown {
  const spec = specOf(child);
  const name = child.metadata.name;
  switch (child.kind) {
    case 'PerconaXtraDBCluster': {
      const size = num((spec.pxc as { size?: unknown }).size, 1);
      const ready = phase === 'converged' ? size : 0;
      const state = phase === 'converged' ? 'ready' : 'initializing';
      const component = (image: string, count: number) => ({
        status: state,
        size: count,
        ready: phase === 'converged' ? count : 0,
        version: '8.0.42-33.1',
        image,
        labelSelectorPath: `app.kubernetes.io/component=pxc,app.kubernetes.io/instance=${name},app.kubernetes.io/managed-by=percona-xtradb-cluster-operator,app.kubernetes.io/name=percona-xtradb-cluster,app.kubernetes.io/part-of=percona-xtradb-cluster`,
      });
      return {
        state,
        host: phase === 'converged' ? `${name}-${size > 1 ? 'proxysql' : 'pxc'}.${NAMESPACE}` : '',
        observedGeneration: 1,
        size,
        ready,
        pxc: component('percona/percona-xtradb-cluster:8.0.42-33.1', size),
        ...(size > 1 ? { proxysql: component('percona/proxysql2:2.7.3', Math.min(3, size)) } : {}),
        haproxy: {},
        backup: {},
        pmm: {},
        logcollector: {},
        conditions: [
          condition('initializing', 'True'),
          ...(phase === 'converged' ? [condition('ready', 'True')] : []),
        ],
      };
    }
    case 'Kafka':
      return phase === 'converged'
        ? {
            observedGeneration: 1,
            conditions: [condition('Ready', 'True')],
            listeners: [
              {
                name: 'plain',
                addresses: [{ host: `${name}-kafka-bootstrap.${NAMESPACE}.svc`, port: 9092 }],
                bootstrapServers: `${name}-kafka-bootstrap.${NAMESPACE}.svc:9092`,
              },
              {
                name: 'tls',
                addresses: [{ host: `${name}-kafka-bootstrap.${NAMESPACE}.svc`, port: 9093 }],
                bootstrapServers: `${name}-kafka-bootstrap.${NAMESPACE}.svc:9093`,
                certificates: [pem(`${name}/cluster-ca`)],
              },
            ],
            kafkaNodePools: [{ name: `${name}-node-pool` }],
            clusterId: 'Vq8nZ3sWTyaC1xVJ5dkP3A',
            operatorLastSuccessfulVersion: '0.49.1',
            kafkaVersion: '4.1.0',
            kafkaMetadataVersion: '4.1-IV0',
            autoRebalance: { state: 'Idle', lastTransitionTime: CONVERGED_AT },
          }
        : {
            observedGeneration: 0,
            conditions: [
              condition('NotReady', 'True', {
                reason: 'Creating',
                message: 'Kafka cluster is being deployed',
              }),
            ],
          };
    case 'KafkaNodePool': {
      const replicas = num(spec.replicas, 1);
      return phase === 'converged'
        ? {
            observedGeneration: 1,
            nodeIds: Array.from({ length: replicas }, (_, i) => i),
            clusterId: 'Vq8nZ3sWTyaC1xVJ5dkP3A',
            roles: ['broker', 'controller'],
            replicas,
            labelSelector: `strimzi.io/cluster=${child.metadata.labels?.['strimzi.io/cluster'] ?? ''},strimzi.io/name=${name},strimzi.io/kind=Kafka,strimzi.io/pool-name=${name}`,
          }
        : undefined;
    }
    case 'Tenant': {
      const pools = (spec.pools ?? []) as Array<{ name: string; servers: number; volumesPerServer: number }>;
      const drives = pools.reduce((n, p) => n + p.servers * p.volumesPerServer, 0);
      return phase === 'converged'
        ? {
            currentState: 'Initialized',
            healthStatus: 'green',
            availableReplicas: pools.reduce((n, p) => n + p.servers, 0),
            drivesOnline: drives,
            drivesOffline: 0,
            drivesHealing: 0,
            writeQuorum: Math.floor(drives / 2) + 1,
            revision: 0,
            syncVersion: 'v6.0.0',
            certificates: { autoCertEnabled: true, customCertificates: {} },
            provisionedBuckets: true,
            provisionedUsers: true,
            pools: pools.map((p) => ({
              ssName: `${name}-${p.name}`,
              state: 'PoolInitialized',
              legacySecurityContext: false,
            })),
            usage: { capacity: 4294967296, rawCapacity: 8589934592, rawUsage: 1130496, usage: 565248 },
          }
        : {
            currentState: 'Provisioning MinIO Statefulset',
            availableReplicas: 0,
            revision: 0,
            syncVersion: 'v6.0.0',
          };
    }
    case 'ClickHouseInstallation':
    case 'ClickHouseKeeperInstallation': {
      const keeper = child.kind === 'ClickHouseKeeperInstallation';
      const clusters = ((spec.configuration as { clusters?: unknown[] } | undefined)?.clusters ??
        []) as Array<{
        name: string;
        layout?: { replicasCount?: number };
      }>;
      const replicas = clusters[0]?.layout?.replicasCount ?? 1;
      const cluster = clusters[0]?.name ?? name;
      const hosts = Array.from({ length: replicas }, (_, i) =>
        keeper ? `chk-${name}-${cluster}-0-${i}` : `chi-${name}-${cluster}-0-${i}`,
      );
      const taskID = typeof spec.taskID === 'string' ? spec.taskID : undefined;
      const common = {
        'chop-version': '0.25.4',
        'chop-commit': '0cf33cf',
        'chop-date': '2025-10-02T11:40:32',
        'chop-ip': '10.42.0.17',
        clusters: 1,
        shards: 1,
        replicas,
        hosts: replicas,
        ...(taskID ? { taskID, taskIDsStarted: [taskID] } : {}),
        pods: hosts.map((h) => `${h}-0`),
        fqdns: hosts.map((h) => `${h}.${NAMESPACE}.svc.cluster.local`),
        endpoint: keeper
          ? `keeper-${name}.${NAMESPACE}.svc.cluster.local`
          : `clickhouse-${name}.${NAMESPACE}.svc.cluster.local`,
        generation: 1,
      };
      return phase === 'converged'
        ? {
            ...common,
            status: 'Completed',
            ...(taskID ? { taskIDsCompleted: [taskID] } : {}),
            hostsCompleted: replicas,
            action: 'reconcile completed successfully',
            actions: [
              `${CONVERGED_AT} reconcile started`,
              ...hosts.map((h) => `${CONVERGED_AT} Reconcile Host ${h} completed`),
              `${CONVERGED_AT} reconcile completed successfully`,
            ],
            'pod-ips': hosts.map((_, i) => `10.42.1.${20 + i}`),
            endpoints: [common.endpoint],
            ...(keeper
              ? {}
              : { hostsWithTablesCreated: common.fqdns, hostsWithReplicaCaughtUp: common.fqdns }),
          }
        : {
            ...common,
            status: 'InProgress',
            action: 'reconcile started',
            actions: [`${CONVERGED_AT} reconcile started`],
          };
    }
    case 'RedisReplication':
      return phase === 'converged' ? { masterNode: `${name}-0` } : {};
    default:
      return {};
  }
}

/** The StatefulSet Opstree creates for a Redis CR, as the API server returns it (trimmed of nothing). */
function redisStatefulSet(name: string, replicas: number, sentinel: boolean, phase: Phase): KubeObject {
  const role = sentinel ? 'sentinel' : 'redis';
  const image = sentinel ? 'quay.io/opstree/redis-sentinel:v7.0.12' : 'quay.io/opstree/redis:v7.0.15';
  const labels = { app: name, redis_setup_type: sentinel ? 'sentinel' : 'replication', role };
  const ready = phase === 'converged' ? replicas : 0;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      ...serverMetadata(`sts/${name}`, name, '2026-01-05T09:12:51Z', 1),
      labels,
      annotations: { 'redis.opstreelabs.in': 'true', 'redis.opstreelabs.instance': name },
      ownerReferences: [
        {
          apiVersion: 'redis.redis.opstreelabs.in/v1beta2',
          kind: sentinel ? 'RedisSentinel' : 'RedisReplication',
          name: sentinel ? name.replace(/-sentinel$/, '') : name,
          uid: uid(`owner/${name}`),
          controller: true,
        },
      ],
    },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      serviceName: `${name}-headless`,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: {
        metadata: { labels, annotations: { 'redis.opstreelabs.in': 'true' } },
        spec: {
          containers: [
            {
              name,
              image,
              imagePullPolicy: 'IfNotPresent',
              env: [
                { name: 'REDIS_ADDR', value: 'redis://localhost:6379' },
                { name: 'SERVER_MODE', value: role },
                { name: 'SETUP_MODE', value: sentinel ? 'sentinel' : 'replication' },
                {
                  name: 'REDIS_PASSWORD',
                  valueFrom: { secretKeyRef: { name: 'wandb-redis-credentials', key: 'password' } },
                },
              ],
              readinessProbe: REDIS_PING_PROBE,
              livenessProbe: REDIS_PING_PROBE,
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { cpu: '500m', memory: '512Mi' },
              },
              ...(sentinel ? {} : { volumeMounts: [{ name: `${name}`, mountPath: '/data' }] }),
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: { runAsUser: 1000, fsGroup: 1000 },
          schedulerName: 'default-scheduler',
        },
      },
      ...(sentinel
        ? {}
        : {
            volumeClaimTemplates: [
              {
                apiVersion: 'v1',
                kind: 'PersistentVolumeClaim',
                metadata: { name, labels },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: '1Gi' } },
                  volumeMode: 'Filesystem',
                },
                status: { phase: 'Pending' },
              },
            ],
          }),
    },
    status: {
      observedGeneration: 1,
      replicas,
      readyReplicas: ready,
      currentReplicas: replicas,
      updatedReplicas: replicas,
      availableReplicas: ready,
      currentRevision: `${name}-6c9f8d7b5`,
      updateRevision: `${name}-6c9f8d7b5`,
      collisionCount: 0,
    },
  };
}

/** A Secret written by the wandb-secrets DecoratorController (dynamic-apply keeps its data in the annotation). */
function decoratorSecret(name: string, keys: readonly string[]): KubeObject {
  const component = name.replace(/^wandb-/, '').replace(/-.*$/, '');
  const labels = {
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/instance': PARENT_NAME,
    'app.kubernetes.io/managed-by': 'wandb-infra-hooks',
    'app.kubernetes.io/part-of': 'wandb',
  };
  const data = Object.fromEntries(keys.map((k) => [k, base64(pseudoRandom(`${name}/${k}`, 32))]));
  const applied = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NAMESPACE, labels },
    type: 'Opaque',
    data,
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      ...serverMetadata(`secret/${name}`, name, '2026-01-05T09:12:45Z'),
      labels,
      annotations: { [LAST_APPLIED]: JSON.stringify(applied) },
      ownerReferences: [{ ...ownerReference, controller: true }],
      managedFields: [
        {
          manager: 'metacontroller',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2026-01-05T09:12:45Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:data': fieldsV1(data),
            'f:metadata': { 'f:annotations': {}, 'f:labels': fieldsV1(labels) },
            'f:type': {},
          },
        },
      ],
    },
    type: 'Opaque',
    data,
  };
}

/** Metacontroller's hook-v2 map: `{ "<Kind>.<group>/<version>": { "<ns>/<name>": object } }`. */
function objectMap(
  objects: readonly KubeObject[],
  kinds: ReadonlyArray<{ apiVersion: string; kind: string }> = [],
) {
  const key = (o: { apiVersion: string; kind: string }) => {
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
    return group ? `${o.kind}.${group}/${version}` : `${o.kind}.${version}`;
  };
  const map: Record<string, Record<string, KubeObject>> = {};
  // Metacontroller sends every declared child type, even with no objects.
  for (const kind of kinds) map[key(kind)] = {};
  for (const object of objects) {
    const group = map[key(object)] ?? {};
    map[key(object)] = group;
    group[`${object.metadata.namespace ?? NAMESPACE}/${object.metadata.name}`] = object;
  }
  return map;
}

const count = (map: Record<string, Record<string, unknown>>) =>
  Object.values(map).reduce((n, group) => n + Object.keys(group).length, 0);

function syncRequest(
  controller: unknown,
  parent: SyncRequestBody['parent'],
  children: readonly KubeObject[],
  related: readonly KubeObject[],
): SyncRequestBody {
  return {
    controller,
    parent,
    children: objectMap(children, Object.values(CHILD_KINDS)),
    related: objectMap(related),
    finalizing: false,
  };
}

const run = (request: SyncRequestBody): SyncResult =>
  reconcile(CompositeSyncRequest.parse(JSON.parse(JSON.stringify(request))), { now: BENCH_NOW });

/** The Secret names the composite's customize hook asks for, split into credentials and connections. */
function secretNames(controller: unknown, parent: SyncRequestBody['parent']) {
  const rules = customize(
    CompositeSyncRequest.parse({ controller, parent, children: {}, related: {} }),
  ).relatedResources;
  const named = (resource: string) =>
    rules.filter((r) => r.resource === resource).flatMap((r) => r.names ?? []);
  const secrets = named(RELATED_KINDS.Secret.resource);
  return {
    credentials: secrets.filter((n) => !n.endsWith('-connection') && !n.endsWith('-cluster-id')),
    connections: secrets.filter((n) => n.endsWith('-connection')),
    /** Written once Strimzi reports the KRaft cluster ID (decision 8). */
    records: secrets.filter((n) => n.endsWith('-cluster-id')),
    statefulSets: named(RELATED_KINDS.StatefulSet.resource),
    volumes: named('persistentvolumeclaims'),
  };
}

/** A Kafka data volume as Strimzi creates it for a pool pod, bound. */
function kafkaVolume(name: string): KubeObject {
  const [, , kafka = 'wandb-kafka'] = /^data-(\d+)-(.+)-\2-node-pool-\d+$/.exec(name) ?? [];
  const labels = {
    'app.kubernetes.io/instance': kafka,
    'app.kubernetes.io/managed-by': 'strimzi-cluster-operator',
    'app.kubernetes.io/name': 'kafka',
    'app.kubernetes.io/part-of': `strimzi-${kafka}`,
    'strimzi.io/cluster': kafka,
    'strimzi.io/component-type': 'kafka',
    'strimzi.io/kind': 'Kafka',
    'strimzi.io/name': `${kafka}-kafka`,
    'strimzi.io/pool-name': `${kafka}-node-pool`,
  };
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      ...serverMetadata(`pvc/${name}`, name, '2026-01-05T09:13:20Z'),
      labels,
      annotations: {
        'strimzi.io/delete-claim': 'false',
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.beta.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
        'volume.kubernetes.io/selected-node': 'node-1',
        'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
      },
      finalizers: ['kubernetes.io/pvc-protection'],
      managedFields: [
        {
          manager: 'strimzi-cluster-operator',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2026-01-05T09:13:20Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:annotations': {}, 'f:labels': fieldsV1(labels) }, 'f:spec': {} },
        },
      ],
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '5Gi' } },
      storageClassName: 'local-path',
      volumeMode: 'Filesystem',
      volumeName: `pvc-${uid(`pv/${name}`)}`,
    },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' } },
  };
}

const CREDENTIAL_KEYS: Record<string, readonly string[]> = {
  config: ['config.env', 'rootPassword'],
  id: ['clusterId'],
};
const credentialKeys = (name: string) => CREDENTIAL_KEYS[name.split('-').at(-1) ?? ''] ?? ['password'];
const CONNECTION_KEYS = ['url', 'Host', 'Port', 'User', 'Password', 'Database'];

/**
 * One scenario: the request Metacontroller sends for a five-component parent of `size`.
 * `fresh`: every child exists and its operator is still provisioning; `converged`: everything is
 * ready and the parent carries the steady-state status of the previous sync.
 */
export function buildScenario(size: Size, phase: Phase): Scenario {
  const controller = controllerObject();
  const spec = fullSpec(size);
  const names = secretNames(controller, parentObject(spec, undefined));
  const credentials = names.credentials.map((n) => decoratorSecret(n, credentialKeys(n)));
  const connections = names.connections.map((n) => decoratorSecret(n, CONNECTION_KEYS));
  const records = names.records.map((n) => decoratorSecret(n, credentialKeys(n)));
  const volumes = names.volumes.map(kafkaVolume);

  // First sync: the credential Secrets exist, no child yet; its answer is what Metacontroller creates.
  const created = run(syncRequest(controller, parentObject(spec, undefined), [], credentials));
  const children = created.children.map((c) => observedChild(c, operatorStatus(c, phase)));
  const sizeOf = (kind: string) =>
    num(
      specOf(
        created.children.find((c) => c.kind === kind) ?? { apiVersion: '', kind: '', metadata: { name: '' } },
      ).clusterSize,
      1,
    );
  const statefulSets = names.statefulSets.map((name, i) =>
    i === 0
      ? redisStatefulSet(
          name,
          created.children.some((c) => c.kind === 'RedisReplication') ? sizeOf('RedisReplication') : 1,
          false,
          phase,
        )
      : redisStatefulSet(name, sizeOf('RedisSentinel'), true, phase),
  );
  const tenant = children.find((c) => c.kind === 'Tenant');
  const related = (status: unknown) => [
    ...credentials,
    ...(phase === 'converged' ? [...connections, ...records] : []),
    ...statefulSets,
    // Strimzi creates the pool's volumes with its pods, before the cluster is ready.
    ...volumes,
    // The MinIO rule lists every parent and Tenant of the namespace: this parent and its own Tenant.
    parentObject(spec, status),
    ...(tenant ? [tenant] : []),
  ];

  // Feed the answer back until the status stops changing (the steady state a resync sees).
  let status: unknown = created.status;
  for (let i = 0; i < 3; i++) {
    status = run(syncRequest(controller, parentObject(spec, status), children, related(status))).status;
  }
  const request = syncRequest(controller, parentObject(spec, status), children, related(status));
  const check = run(request);
  if (phase === 'converged' && check.status.ready !== true) {
    throw new Error(
      `${size}/${phase}: expected a ready parent, got ${JSON.stringify(check.status.conditions)}`,
    );
  }
  if (check.children.length !== children.length) {
    throw new Error(
      `${size}/${phase}: ${children.length} observed children but ${check.children.length} desired`,
    );
  }
  const body = JSON.stringify(request);
  return {
    name: `${size}-${phase}`,
    size,
    phase,
    request,
    body,
    observedChildren: count(request.children),
    relatedObjects: count(request.related),
  };
}

/** The four request shapes; `small-converged` is "the full parent" the performance bar names. */
export function allScenarios(): Scenario[] {
  return (['small', 'dev'] as const).flatMap((size) =>
    (['converged', 'fresh'] as const).map((phase) => buildScenario(size, phase)),
  );
}

export const FULL_PARENT = 'small-converged';

/**
 * The full parent with its observed children multiplied by `factor`: the extra copies are children of
 * our kinds under other names (leftovers of renamed components, say). Every observed child must be kept,
 * so the hook refuses the spec and freezes them all: the only path where the number of children grows.
 */
export function withMoreChildren(scenario: Scenario, factor: number): SyncRequestBody {
  const originals = Object.values(scenario.request.children).flatMap((group) => Object.values(group));
  const extra = Array.from({ length: factor - 1 }, (_, copy) =>
    originals.map((o) => {
      const name = `${o.metadata.name}-old${copy + 1}`;
      const lastApplied = JSON.parse(String(o.metadata.annotations?.[LAST_APPLIED] ?? '{}')) as Child;
      return {
        ...o,
        metadata: {
          ...o.metadata,
          name,
          uid: uid(`${o.kind}/${name}`),
          annotations: {
            ...o.metadata.annotations,
            [LAST_APPLIED]: JSON.stringify({ ...lastApplied, metadata: { ...lastApplied.metadata, name } }),
          },
        },
      };
    }),
  ).flat();
  return { ...scenario.request, children: objectMap([...originals, ...extra], Object.values(CHILD_KINDS)) };
}

/**
 * The full parent with `factor` times the related objects on the valid path: more parents and Tenants
 * in the namespace (the MinIO rule lists them all) and more of our Secrets.
 */
export function withMoreRelated(scenario: Scenario, factor: number): SyncRequestBody {
  const originals = Object.values(scenario.request.related).flatMap((group) => Object.values(group));
  const extra = Array.from({ length: factor - 1 }, (_, copy) =>
    originals.map((o) => {
      const name = `other${copy + 1}-${o.metadata.name}`;
      const isForeignable = o.kind === 'Tenant' || o.kind === 'WeightsAndBiases';
      return {
        ...o,
        metadata: {
          ...o.metadata,
          name,
          uid: uid(`${o.kind}/${name}`),
          // Younger parents that keep MinIO disabled, and their Tenants elsewhere, do not conflict.
          ...(isForeignable
            ? { namespace: `${NAMESPACE}-${copy + 1}`, creationTimestamp: '2026-01-06T00:00:00Z' }
            : {}),
        },
      };
    }),
  ).flat();
  return { ...scenario.request, related: objectMap([...originals, ...extra]) };
}

/** Print the scenarios and their sizes: `npx tsx bench/requests.ts`. */
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const s of allScenarios()) {
    const response = JSON.stringify(run(s.request));
    console.log(
      `${s.name.padEnd(16)} request ${(s.body.length / 1024).toFixed(1)} KiB, ${s.observedChildren} children, ${s.relatedObjects} related; response ${(response.length / 1024).toFixed(1)} KiB`,
    );
  }
}
