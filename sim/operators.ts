// Scripted operators: each moves its custom resources one step per round through the status
// values the real operator writes (reference/infra-crds.md §7), creates the PVCs and Secrets it
// would, and honours its deletion knobs and finalizers. Deliberately small: no pods, no Services.
import type { RandomSource } from '../compositions/credentials.js';
import { CHILD_KINDS, RELATED_KINDS } from '../compositions/kube.js';
import {
  type Cluster,
  clone,
  deepEqual,
  isApiError,
  keyOf,
  type Obj,
  type OwnerReference,
} from './cluster.js';

export interface OperatorContext {
  readonly cluster: Cluster;
  readonly now: string;
  readonly random: RandomSource;
}

export interface Operator {
  /** Who the operator's writes are attributed to in the timeline. */
  readonly name: string;
  step(context: OperatorContext): void;
}

const PVC = RELATED_KINDS.PersistentVolumeClaim;
const SECRET = RELATED_KINDS.Secret;
const STATEFUL_SET = RELATED_KINDS.StatefulSet;

// ---- small helpers -----------------------------------------------------------------------------

type Json = Record<string, unknown>;

const record = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const count = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
const range = (n: number) => Array.from({ length: Math.max(0, n) }, (_, i) => i);
const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');
const deleting = (o: Obj) => o.metadata.deletionTimestamp !== undefined;
const hasFinalizer = (o: Obj, f: string) => (o.metadata.finalizers ?? []).includes(f);

const ownerRef = (owner: Obj, controller: boolean, blockOwnerDeletion: boolean): OwnerReference => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata.name,
  uid: owner.metadata.uid ?? '',
  controller,
  blockOwnerDeletion,
});

function password(random: RandomSource, length = 16): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...random(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Writes the status when it differs, ignoring condition `lastTransitionTime` (operators keep it). */
function writeStatus(cluster: Cluster, object: Obj, status: Json, detail: string): void {
  const live = cluster.get(
    object.apiVersion,
    object.kind,
    object.metadata.namespace ?? '',
    object.metadata.name,
  );
  if (!live) return;
  const previous = record(live.status);
  const kept = withKeptTransitionTimes(status, previous);
  if (deepEqual(stripTimes(kept), stripTimes(previous))) return;
  cluster.updateStatus({ ...live, status: kept }, detail);
}

function withKeptTransitionTimes(status: Json, previous: Json): Json {
  const before = list(previous.conditions).map(record);
  const conditions = list(status.conditions).map((c) => {
    const condition = record(c);
    const old = before.find((b) => b.type === condition.type && b.status === condition.status);
    return old?.lastTransitionTime ? { ...condition, lastTransitionTime: old.lastTransitionTime } : condition;
  });
  return status.conditions === undefined ? status : { ...status, conditions };
}

function stripTimes(status: Json): Json {
  if (status.conditions === undefined) return status;
  return {
    ...status,
    conditions: list(status.conditions).map((c) => {
      const { lastTransitionTime: _time, ...rest } = record(c);
      return rest;
    }),
  };
}

/** Creates the object unless one of that name exists; returns what is stored. */
function ensure(cluster: Cluster, object: Obj, detail = ''): Obj {
  const existing = cluster.get(
    object.apiVersion,
    object.kind,
    object.metadata.namespace ?? '',
    object.metadata.name,
  );
  if (existing) return existing;
  try {
    return cluster.create(object, detail);
  } catch (error) {
    if (!isApiError(error, 'AlreadyExists')) throw error;
    return (
      cluster.get(object.apiVersion, object.kind, object.metadata.namespace ?? '', object.metadata.name) ??
      object
    );
  }
}

function deleteIfPresent(
  cluster: Cluster,
  ref: { readonly apiVersion: string; readonly kind: string },
  namespace: string,
  name: string,
  detail: string,
) {
  try {
    cluster.delete({ apiVersion: ref.apiVersion, kind: ref.kind, namespace, name }, { detail });
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
  }
}

function setFinalizers(cluster: Cluster, object: Obj, finalizers: string[], detail: string): void {
  cluster.modify(
    keyOf(object),
    (o) => {
      if (deepEqual(o.metadata.finalizers ?? [], finalizers)) return false;
      o.metadata.finalizers = finalizers;
      return true;
    },
    detail,
  );
}

/** An operator adds its finalizer once, when it first reconciles its resource. */
function ensureFinalizer(cluster: Cluster, object: Obj, finalizer: string): void {
  if (hasFinalizer(object, finalizer)) return;
  setFinalizers(
    cluster,
    object,
    [...(object.metadata.finalizers ?? []), finalizer],
    `finalizer ${finalizer} added`,
  );
}

/** An operator removes its finalizer once its cleanup is done; `detail` says what the cleanup did. */
function releaseFinalizer(cluster: Cluster, object: Obj, finalizer: string, detail: string): void {
  setFinalizers(
    cluster,
    object,
    (object.metadata.finalizers ?? []).filter((f) => f !== finalizer),
    detail,
  );
}

function pvc(
  namespace: string,
  name: string,
  storage: string,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    owners?: OwnerReference[];
  } = {},
): Obj {
  return {
    apiVersion: PVC.apiVersion,
    kind: PVC.kind,
    metadata: {
      name,
      namespace,
      ...(extra.labels ? { labels: extra.labels } : {}),
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
      ...(extra.owners && extra.owners.length > 0 ? { ownerReferences: extra.owners } : {}),
    },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
  };
}

function opaqueSecret(
  namespace: string,
  name: string,
  data: Record<string, string>,
  extra: Partial<Obj['metadata']> = {},
): Obj {
  return {
    apiVersion: SECRET.apiVersion,
    kind: SECRET.kind,
    metadata: { name, namespace, ...extra },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, base64(v)])),
  };
}

const storageOf = (spec: unknown): string =>
  text(record(record(record(spec).resources).requests).storage) ?? '1Gi';

// ---- Percona XtraDB Cluster operator 1.18 ------------------------------------------------------

const PXC = CHILD_KINDS.PerconaXtraDBCluster;
const PERCONA_FINALIZERS = {
  podsInOrder: 'percona.com/delete-pxc-pods-in-order',
  pvc: 'percona.com/delete-pxc-pvc',
  proxysqlPvc: 'percona.com/delete-proxysql-pvc',
  ssl: 'percona.com/delete-ssl',
} as const;

/**
 * `status.state` initializing → ready, with `observedGeneration` and `status.host`; PVCs
 * `datadir-<cluster>-pxc-<i>` and the operator's `<cluster>-secrets` / `internal-<cluster>`.
 * On deletion: `stopping`, then the `percona.com/*` finalizers are carried out and removed.
 */
export const percona: Operator = {
  name: 'percona',
  step({ cluster, random }) {
    for (const cr of cluster.list(PXC.apiVersion, PXC.kind)) {
      const namespace = cr.metadata.namespace ?? '';
      const name = cr.metadata.name;
      const status = record(cr.status);
      const labels = {
        'app.kubernetes.io/name': 'percona-xtradb-cluster',
        'app.kubernetes.io/instance': name,
        'app.kubernetes.io/component': 'pxc',
        'app.kubernetes.io/managed-by': 'percona-xtradb-cluster-operator',
      };
      if (deleting(cr)) {
        if (status.state !== 'stopping') {
          writeStatus(cluster, cr, { ...status, state: 'stopping' }, 'state stopping');
          continue;
        }
        const finalizers = cr.metadata.finalizers ?? [];
        if (finalizers.includes(PERCONA_FINALIZERS.pvc)) {
          for (const claim of cluster.list(PVC.apiVersion, PVC.kind, { namespace, labels })) {
            deleteIfPresent(
              cluster,
              PVC,
              namespace,
              claim.metadata.name,
              `finalizer ${PERCONA_FINALIZERS.pvc}`,
            );
          }
          for (const secret of [`${name}-secrets`, `internal-${name}`, `${name}-mysql-init`]) {
            deleteIfPresent(cluster, SECRET, namespace, secret, `finalizer ${PERCONA_FINALIZERS.pvc}`);
          }
        }
        if (finalizers.includes(PERCONA_FINALIZERS.ssl)) {
          for (const secret of [`${name}-ssl`, `${name}-ssl-internal`]) {
            deleteIfPresent(cluster, SECRET, namespace, secret, `finalizer ${PERCONA_FINALIZERS.ssl}`);
          }
        }
        const own = Object.values(PERCONA_FINALIZERS) as string[];
        setFinalizers(
          cluster,
          cr,
          finalizers.filter((f) => !own.includes(f)),
          'pods stopped; finalizers carried out',
        );
        continue;
      }

      const spec = record(cr.spec);
      const pxc = record(spec.pxc);
      const size = count(pxc.size, 3);
      // Operator-generated system users; kept when they outlived an earlier cluster.
      const system = ['root', 'xtrabackup', 'monitor', 'proxyadmin', 'operator', 'replication'];
      const users = Object.fromEntries(system.map((user) => [user, password(random)]));
      ensure(cluster, opaqueSecret(namespace, `${name}-secrets`, users), 'system users');
      ensure(cluster, opaqueSecret(namespace, `internal-${name}`, users), 'system users (internal copy)');
      if (record(spec.tls).enabled === true) {
        for (const secret of [`${name}-ssl`, `${name}-ssl-internal`]) {
          ensure(
            cluster,
            { ...opaqueSecret(namespace, secret, { 'tls.crt': 'emulated' }), type: 'kubernetes.io/tls' },
            'TLS',
          );
        }
      }
      const storage = storageOf(record(record(pxc.volumeSpec).persistentVolumeClaim));
      for (const i of range(size))
        ensure(cluster, pvc(namespace, `datadir-${name}-pxc-${i}`, storage, { labels }));

      const proxy =
        record(spec.proxysql).enabled === true
          ? 'proxysql'
          : record(spec.haproxy).enabled === true
            ? 'haproxy'
            : 'pxc';
      const host = `${name}-${proxy}.${namespace}`;
      const generation = cr.metadata.generation ?? 0;
      if (status.observedGeneration !== generation || typeof status.state !== 'string') {
        writeStatus(
          cluster,
          cr,
          {
            state: 'initializing',
            host,
            observedGeneration: generation,
            size,
            ready: 0,
            pxc: { status: 'initializing', size, ready: 0 },
          },
          'state initializing',
        );
      } else if (status.state === 'initializing') {
        writeStatus(
          cluster,
          cr,
          { ...status, state: 'ready', host, ready: size, pxc: { status: 'ready', size, ready: size } },
          'state ready',
        );
      }
    }
  },
};

// ---- Strimzi 0.49 ------------------------------------------------------------------------------

const KAFKA = CHILD_KINDS.Kafka;
const NODE_POOL = CHILD_KINDS.KafkaNodePool;
export const STRIMZI_PAUSE_ANNOTATION = 'strimzi.io/pause-reconciliation';
const STRIMZI_VERSION = '0.49.1';
// STRIMZI_LABELS_EXCLUSION_PATTERN's default: app.kubernetes.io/* except part-of, and Flux labels.
const EXCLUDED_LABEL = /^app\.kubernetes\.io\/(?!part-of).*|^kustomize\.toolkit\.fluxcd\.io.*/;

/** The Kafka's labels as Strimzi copies them onto what it creates, plus its own. */
function strimziLabels(kafka: Obj, own: Record<string, string>): Record<string, string> {
  const copied = Object.fromEntries(
    Object.entries(kafka.metadata.labels ?? {}).filter(([key]) => !EXCLUDED_LABEL.test(key)),
  );
  return {
    ...copied,
    'app.kubernetes.io/instance': kafka.metadata.name,
    'app.kubernetes.io/managed-by': 'strimzi-cluster-operator',
    'app.kubernetes.io/part-of': `strimzi-${kafka.metadata.name}`,
    'strimzi.io/cluster': kafka.metadata.name,
    'strimzi.io/kind': 'Kafka',
    ...own,
  };
}

interface PoolVolume {
  readonly name: (kafka: string, pool: string, node: number) => string;
  readonly size: string;
  readonly deleteClaim: boolean;
}

function poolVolumes(pool: Obj): PoolVolume[] {
  const storage = record(record(pool.spec).storage);
  const claim = (v: Json): boolean => v.type === 'persistent-claim';
  if (storage.type === 'jbod') {
    return list(storage.volumes)
      .map(record)
      .filter(claim)
      .map((v) => ({
        name: (kafka, poolName, node) => `data-${count(v.id, 0)}-${kafka}-${poolName}-${node}`,
        size: text(v.size) ?? '1Gi',
        deleteClaim: v.deleteClaim === true,
      }));
  }
  return claim(storage)
    ? [
        {
          name: (k, p, n) => `data-${k}-${p}-${n}`,
          size: text(storage.size) ?? '1Gi',
          deleteClaim: storage.deleteClaim === true,
        },
      ]
    : [];
}

const CA_SECRETS = [
  'cluster-ca-cert',
  'cluster-ca',
  'clients-ca-cert',
  'clients-ca',
  'cluster-operator-certs',
];

/**
 * Strimzi: a new Kafka gets `NotReady`/`Creating`, then a reconcile makes it `Ready` with
 * `clusterId` and `observedGeneration`, and the pools' status (`observedGeneration`, `replicas`,
 * `clusterId`). PVCs `data-<id>-<kafka>-<pool>-<node>` are owned (controller: false) by their pool
 * exactly while `deleteClaim` is true, as of the pool's last reconcile. The CA Secrets copy the
 * Kafka's labels, `controller-uid` included, and have `controller: false` owner references to it.
 * The pause annotation yields `ReconciliationPaused` and nothing else. The KRaft cluster ID is
 * written on each volume when it is formatted; a Kafka whose ID differs from a volume's never
 * becomes ready (`NotReady`, reason `TimeoutException`, as when the brokers crash-loop).
 */
export class Strimzi implements Operator {
  readonly name = 'strimzi';
  /** The `cluster.id` in each volume's meta.properties, by PVC uid: the data, not an API object. */
  readonly formattedClusterIds = new Map<string, string>();

  step({ cluster, now, random }: OperatorContext): void {
    for (const kafka of cluster.list(KAFKA.apiVersion, KAFKA.kind)) {
      if (deleting(kafka)) continue;
      const namespace = kafka.metadata.namespace ?? '';
      const name = kafka.metadata.name;
      const status = record(kafka.status);
      const generation = kafka.metadata.generation ?? 0;

      if (kafka.metadata.annotations?.[STRIMZI_PAUSE_ANNOTATION] === 'true') {
        // createStatus() keeps only the cluster ID; observedGeneration stays where it was.
        writeStatus(
          cluster,
          kafka,
          {
            ...(typeof status.clusterId === 'string' ? { clusterId: status.clusterId } : {}),
            conditions: [{ type: 'ReconciliationPaused', status: 'True', lastTransitionTime: now }],
            observedGeneration: count(status.observedGeneration, 0),
          },
          'ReconciliationPaused',
        );
        continue;
      }
      if (kafka.status === undefined || Object.keys(status).length === 0) {
        writeStatus(
          cluster,
          kafka,
          {
            conditions: [
              {
                type: 'NotReady',
                status: 'True',
                reason: 'Creating',
                message: 'Kafka cluster is being deployed',
                lastTransitionTime: now,
              },
            ],
          },
          'NotReady (Creating)',
        );
        continue;
      }

      const pools = cluster.list(NODE_POOL.apiVersion, NODE_POOL.kind, {
        namespace,
        labels: { 'strimzi.io/cluster': name },
      });
      if (pools.length === 0) {
        writeStatus(
          cluster,
          kafka,
          {
            ...status,
            observedGeneration: generation,
            conditions: [
              {
                type: 'NotReady',
                status: 'True',
                reason: 'InvalidResourceException',
                message: `No KafkaNodePools found for Kafka cluster ${name}`,
                lastTransitionTime: now,
              },
            ],
          },
          'NotReady (no KafkaNodePools)',
        );
        continue;
      }

      const poolClusterId = pools.map((p) => text(record(p.status).clusterId)).find((id) => id !== undefined);
      const clusterId =
        text(status.clusterId) ?? poolClusterId ?? Buffer.from(random(16)).toString('base64url');
      let mismatch: { volume: string; found: string } | undefined;
      let nextNode = 0;
      const nodeIds = new Map<string, number[]>();

      for (const pool of pools) {
        const poolName = pool.metadata.name;
        const replicas = count(record(pool.spec).replicas, 0);
        const ids = range(replicas).map(() => nextNode++);
        nodeIds.set(poolName, ids);
        for (const volume of poolVolumes(pool)) {
          for (const node of ids) {
            const claimName = volume.name(name, poolName, node);
            const owner = ownerRef(pool, false, false);
            const labels = strimziLabels(kafka, {
              'strimzi.io/name': `${name}-kafka`,
              'strimzi.io/pool-name': poolName,
            });
            const annotations = { 'strimzi.io/delete-claim': String(volume.deleteClaim) };
            let claim = cluster.get(PVC.apiVersion, PVC.kind, namespace, claimName);
            if (!claim) {
              claim = cluster.create(
                pvc(namespace, claimName, volume.size, {
                  labels,
                  annotations,
                  owners: volume.deleteClaim ? [owner] : [],
                }),
                `deleteClaim ${volume.deleteClaim}`,
              );
            } else {
              // deleteClaim is applied by re-owning the claims at each reconcile.
              cluster.modify(
                keyOf(claim),
                (c) => {
                  const others = (c.metadata.ownerReferences ?? []).filter(
                    (r) => r.uid !== pool.metadata.uid,
                  );
                  const owners = volume.deleteClaim ? [...others, owner] : others;
                  const nextAnnotations = { ...(c.metadata.annotations ?? {}), ...annotations };
                  if (
                    deepEqual(owners, c.metadata.ownerReferences ?? []) &&
                    deepEqual(nextAnnotations, c.metadata.annotations ?? {})
                  ) {
                    return false;
                  }
                  c.metadata.ownerReferences = owners;
                  c.metadata.annotations = nextAnnotations;
                  return true;
                },
                `deleteClaim ${volume.deleteClaim}: owner reference to KafkaNodePool ${poolName} ${volume.deleteClaim ? 'set' : 'removed'}`,
              );
            }
            const uid = claim.metadata.uid ?? '';
            const formatted = this.formattedClusterIds.get(uid);
            if (formatted === undefined) this.formattedClusterIds.set(uid, clusterId);
            else if (formatted !== clusterId) mismatch ??= { volume: claimName, found: formatted };
          }
        }
      }

      for (const suffix of CA_SECRETS) {
        const secretName = `${name}-${suffix}`;
        const labels = strimziLabels(kafka, { 'strimzi.io/name': secretName });
        const existing = ensure(
          cluster,
          opaqueSecret(
            namespace,
            secretName,
            { 'ca.crt': 'emulated' },
            { labels, ownerReferences: [ownerRef(kafka, false, true)] },
          ),
          'labels copied from the Kafka; owner reference controller: false',
        );
        if (!deepEqual(existing.metadata.labels ?? {}, labels)) {
          cluster.modify(
            keyOf(existing),
            (s) => {
              s.metadata.labels = labels;
              return true;
            },
            'labels copied from the Kafka',
          );
        }
      }

      // Pool statuses are written before the brokers are rolled and waited for.
      for (const pool of pools) {
        const ids = nodeIds.get(pool.metadata.name) ?? [];
        const roles = list(record(pool.spec).roles)
          .filter((r): r is string => typeof r === 'string')
          .sort();
        writeStatus(
          cluster,
          pool,
          {
            observedGeneration: pool.metadata.generation ?? 0,
            nodeIds: ids,
            clusterId,
            roles,
            replicas: ids.length,
            labelSelector: `strimzi.io/cluster=${name},strimzi.io/name=${name}-kafka,strimzi.io/kind=Kafka,strimzi.io/pool-name=${pool.metadata.name}`,
          },
          `observedGeneration ${pool.metadata.generation ?? 0}, replicas ${ids.length}, clusterId ${clusterId}`,
        );
      }

      const kafkaNodePools = pools.map((p) => ({ name: p.metadata.name }));
      const spec = record(record(kafka.spec).kafka);
      if (mismatch) {
        writeStatus(
          cluster,
          kafka,
          {
            observedGeneration: generation,
            ...(typeof status.clusterId === 'string' ? { clusterId: status.clusterId } : {}),
            kafkaNodePools,
            conditions: [
              {
                type: 'NotReady',
                status: 'True',
                reason: 'TimeoutException',
                message: `Exceeded timeout of 300000ms while waiting for Pods resource ${name}-${pools[0]?.metadata.name}-0 in namespace ${namespace} to be ready`,
                lastTransitionTime: now,
              },
            ],
          },
          `NotReady: brokers crash-loop, volume ${mismatch.volume} holds cluster ID ${mismatch.found}, not ${clusterId}`,
        );
        continue;
      }
      writeStatus(
        cluster,
        kafka,
        {
          observedGeneration: generation,
          clusterId,
          kafkaNodePools,
          listeners: list(spec.listeners).map((l) => ({
            name: record(l).name,
            bootstrapServers: `${name}-kafka-bootstrap.${namespace}.svc:${count(record(l).port, 9092)}`,
          })),
          ...(typeof spec.version === 'string' ? { kafkaVersion: spec.version } : {}),
          ...(typeof spec.metadataVersion === 'string' ? { kafkaMetadataVersion: spec.metadataVersion } : {}),
          operatorLastSuccessfulVersion: STRIMZI_VERSION,
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
        },
        `Ready, clusterId ${clusterId}, observedGeneration ${generation}`,
      );
    }
  }
}

// ---- Altinity clickhouse-operator 0.25 ---------------------------------------------------------

const CHI = CHILD_KINDS.ClickHouseInstallation;
const CHK = CHILD_KINDS.ClickHouseKeeperInstallation;
export const CHI_FINALIZER = 'finalizer.clickhouseinstallation.altinity.com';
export const CHK_FINALIZER = 'finalizer.clickhousekeeperinstallation.altinity.com';

interface Installation {
  readonly ref: { apiVersion: string; kind: string };
  readonly finalizer: string;
  /** `chi` or `chk`: the prefix of StatefulSet and PVC names. */
  readonly prefix: string;
  readonly endpoint: (name: string, namespace: string) => string;
}

const INSTALLATIONS: readonly Installation[] = [
  {
    ref: CHI,
    finalizer: CHI_FINALIZER,
    prefix: 'chi',
    endpoint: (n, ns) => `clickhouse-${n}.${ns}.svc.cluster.local`,
  },
  {
    ref: CHK,
    finalizer: CHK_FINALIZER,
    prefix: 'chk',
    endpoint: (n, ns) => `keeper-${n}.${ns}.svc.cluster.local`,
  },
];

interface Host {
  readonly cluster: string;
  readonly shard: number;
  readonly replica: number;
}

function hostsOf(spec: Json): Host[] {
  return list(record(spec.configuration).clusters).flatMap((c) => {
    const cluster = text(record(c).name) ?? 'cluster';
    const layout = record(record(c).layout);
    return range(count(layout.shardsCount, 1)).flatMap((shard) =>
      range(count(layout.replicasCount, 1)).map((replica) => ({ cluster, shard, replica })),
    );
  });
}

/**
 * Altinity: `status.status` InProgress → Completed, `status.taskID` copied from `spec.taskID`
 * (CHI), `status.endpoint`; its finalizer on every installation; PVCs
 * `<template>-chi-<chi>-<cluster>-<shard>-<replica>-0`, deleted at CR deletion unless the template's
 * `reclaimPolicy` (else `defaults.storageManagement.reclaimPolicy`, else Delete) says Retain.
 */
export class Altinity implements Operator {
  readonly name = 'altinity';
  /** The generation each installation was last reconciled at (a Keeper has no taskID). */
  private readonly reconciled = new Map<string, number>();

  step({ cluster }: OperatorContext): void {
    for (const kind of INSTALLATIONS) {
      for (const cr of cluster.list(kind.ref.apiVersion, kind.ref.kind)) this.stepOne(cluster, kind, cr);
    }
  }

  private stepOne(cluster: Cluster, kind: Installation, cr: Obj): void {
    const namespace = cr.metadata.namespace ?? '';
    const name = cr.metadata.name;
    const spec = record(cr.spec);
    const status = record(cr.status);
    const templates = list(record(spec.templates).volumeClaimTemplates).map(record);
    const claimPrefix = (template: string) => `${template}-${kind.prefix}-${name}-`;

    if (deleting(cr)) {
      if (!hasFinalizer(cr, kind.finalizer)) return;
      if (status.status !== 'Terminating') {
        writeStatus(cluster, cr, { ...status, status: 'Terminating' }, 'status Terminating');
        return;
      }
      const fallback = text(record(record(spec.defaults).storageManagement).reclaimPolicy) || 'Delete';
      for (const claim of cluster.list(PVC.apiVersion, PVC.kind, { namespace })) {
        const template = templates.find((t) =>
          claim.metadata.name.startsWith(claimPrefix(text(t.name) ?? '')),
        );
        if (!template) continue;
        const policy = text(template.reclaimPolicy) || fallback;
        if (policy === 'Delete') {
          deleteIfPresent(cluster, PVC, namespace, claim.metadata.name, `reclaimPolicy ${policy}`);
        }
      }
      releaseFinalizer(cluster, cr, kind.finalizer, 'volumes handled by reclaimPolicy');
      return;
    }

    ensureFinalizer(cluster, cr, kind.finalizer);
    const generation = cr.metadata.generation ?? 0;
    const taskID = kind.ref === CHI ? (text(spec.taskID) ?? `auto-${generation}`) : undefined;
    const hosts = hostsOf(spec);
    const fresh =
      taskID !== undefined
        ? status.taskID === taskID && typeof status.status === 'string'
        : this.reconciled.get(cr.metadata.uid ?? '') === generation;

    if (!fresh) {
      const dataTemplate = text(record(record(spec.defaults).templates).dataVolumeClaimTemplate);
      const template = templates.find((t) => t.name === dataTemplate);
      if (template && dataTemplate) {
        for (const host of hosts) {
          ensure(
            cluster,
            pvc(
              namespace,
              `${claimPrefix(dataTemplate)}${host.cluster}-${host.shard}-${host.replica}-0`,
              storageOf(template.spec),
              {
                labels: {
                  [`clickhouse${kind.prefix === 'chk' ? '-keeper' : ''}.altinity.com/${kind.prefix}`]: name,
                  'clickhouse.altinity.com/namespace': namespace,
                },
              },
            ),
          );
        }
      }
      this.reconciled.set(cr.metadata.uid ?? '', generation);
      writeStatus(
        cluster,
        cr,
        {
          ...status,
          status: 'InProgress',
          ...(taskID !== undefined
            ? { taskID, taskIDsStarted: [...list(status.taskIDsStarted), taskID].slice(-10) }
            : {}),
          hosts: hosts.length,
          hostsCompleted: 0,
        },
        `status InProgress${taskID !== undefined ? ` (task ${taskID})` : ''}`,
      );
      return;
    }
    if (status.status === 'InProgress') {
      writeStatus(
        cluster,
        cr,
        {
          ...status,
          status: 'Completed',
          ...(taskID !== undefined
            ? { taskIDsCompleted: [...list(status.taskIDsCompleted), taskID].slice(-10) }
            : {}),
          hostsCompleted: hosts.length,
          endpoint: kind.endpoint(name, namespace),
        },
        `status Completed${taskID !== undefined ? ` (task ${taskID})` : ''}`,
      );
    }
  }
}

// ---- MinIO operator ----------------------------------------------------------------------------

const TENANT = CHILD_KINDS.Tenant;

/**
 * MinIO: `currentState` Provisioning MinIO Statefulset → Initialized, then `healthStatus` green
 * with every pool `PoolInitialized`; PVCs `<volume>-<tenant>-<pool>-<ordinal>` that the operator
 * never deletes; a second Tenant in a namespace fails for good. No finalizer.
 */
export const minio: Operator = {
  name: 'minio',
  step({ cluster }) {
    const tenants = cluster.list(TENANT.apiVersion, TENANT.kind);
    for (const tenant of tenants) {
      if (deleting(tenant)) continue;
      const namespace = tenant.metadata.namespace ?? '';
      const name = tenant.metadata.name;
      const status = record(tenant.status);
      const first = tenants
        .filter((t) => t.metadata.namespace === namespace)
        .sort((a, b) =>
          (a.metadata.creationTimestamp ?? '') + a.metadata.name <
          (b.metadata.creationTimestamp ?? '') + b.metadata.name
            ? -1
            : 1,
        )[0];
      const base = {
        availableReplicas: count(status.availableReplicas, 0),
        certificates: { autoCertEnabled: record(tenant.spec).requestAutoCert !== false },
        revision: 0,
        syncVersion: 'v6.0.0',
      };
      const pools = list(record(tenant.spec).pools).map(record);
      const poolStatus = (state: string) => pools.map((p) => ({ ssName: `${name}-${text(p.name)}`, state }));
      if (first && first.metadata.name !== name) {
        writeStatus(
          cluster,
          tenant,
          {
            ...base,
            currentState: 'Another MinIO Tenant already exists in the namespace',
            pools: poolStatus('PoolNotCreated'),
          },
          'another Tenant exists in the namespace',
        );
        continue;
      }
      if (status.currentState === undefined) {
        for (const pool of pools) {
          const template = record(pool.volumeClaimTemplate);
          const volumeName = text(record(template.metadata).name) ?? '';
          for (const ordinal of range(count(pool.servers, 1))) {
            for (const volume of range(count(pool.volumesPerServer, 1))) {
              ensure(
                cluster,
                pvc(
                  namespace,
                  `${volumeName}${volume}-${name}-${text(pool.name)}-${ordinal}`,
                  storageOf(template.spec),
                  {
                    labels: { 'v1.min.io/tenant': name, 'v1.min.io/pool': text(pool.name) ?? '' },
                  },
                ),
              );
            }
          }
        }
        writeStatus(
          cluster,
          tenant,
          { ...base, currentState: 'Provisioning MinIO Statefulset', pools: poolStatus('PoolCreated') },
          'Provisioning MinIO Statefulset',
        );
      } else if (status.currentState === 'Provisioning MinIO Statefulset') {
        const servers = pools.reduce((sum, p) => sum + count(p.servers, 1), 0);
        writeStatus(
          cluster,
          tenant,
          {
            ...base,
            availableReplicas: servers,
            currentState: 'Initialized',
            pools: poolStatus('PoolInitialized'),
          },
          'Initialized',
        );
      } else if (status.currentState === 'Initialized' && status.healthStatus !== 'green') {
        const drives = pools.reduce((sum, p) => sum + count(p.servers, 1) * count(p.volumesPerServer, 1), 0);
        writeStatus(
          cluster,
          tenant,
          {
            ...status,
            healthStatus: 'green',
            drivesOnline: drives,
            drivesOffline: 0,
            writeQuorum: Math.floor(drives / 2) + 1,
          },
          'healthStatus green',
        );
      }
    }
  },
};

// ---- Opstree redis-operator 0.22 ---------------------------------------------------------------

interface RedisKind {
  readonly ref: { apiVersion: string; kind: string };
  readonly finalizer: string;
  readonly setupType: string;
  readonly statefulSet: (name: string) => string;
  readonly size: (spec: Json) => number;
}

const REDIS_KINDS: readonly RedisKind[] = [
  {
    ref: CHILD_KINDS.Redis,
    finalizer: 'redisFinalizer',
    setupType: 'standalone',
    statefulSet: (n) => n,
    size: () => 1,
  },
  {
    ref: CHILD_KINDS.RedisReplication,
    finalizer: 'redisReplicationFinalizer',
    setupType: 'replication',
    statefulSet: (n) => n,
    size: (spec) => count(spec.clusterSize, 3),
  },
  {
    ref: CHILD_KINDS.RedisSentinel,
    finalizer: 'redisSentinelFinalizer',
    setupType: 'sentinel',
    statefulSet: (n) => `${n}-sentinel`,
    size: (spec) => count(spec.clusterSize, 3),
  },
];

/**
 * Opstree: its finalizer on each CR; StatefulSets `<name>` / `<name>-sentinel` with the CR's labels
 * (`controller-uid` included) and a volume claim template named after the CR, so the PVCs
 * `<name>-<name>-<i>` carry them too; RedisReplication `status.masterNode` once its pods are
 * ready. On deletion the PVCs go unless `storage.keepAfterDelete`.
 */
export const opstree: Operator = {
  name: 'opstree',
  step({ cluster }) {
    for (const kind of REDIS_KINDS) {
      for (const cr of cluster.list(kind.ref.apiVersion, kind.ref.kind)) {
        const namespace = cr.metadata.namespace ?? '';
        const name = cr.metadata.name;
        const spec = record(cr.spec);
        const storage = spec.storage === undefined ? undefined : record(spec.storage);
        const size = kind.size(spec);
        if (deleting(cr)) {
          if (!hasFinalizer(cr, kind.finalizer)) continue;
          if (storage && storage.keepAfterDelete !== true) {
            for (const i of range(size)) {
              deleteIfPresent(cluster, PVC, namespace, `${name}-${name}-${i}`, 'keepAfterDelete is false');
            }
          }
          releaseFinalizer(
            cluster,
            cr,
            kind.finalizer,
            storage?.keepAfterDelete === true ? 'volumes kept (keepAfterDelete)' : 'cleaned up',
          );
          continue;
        }
        ensureFinalizer(cluster, cr, kind.finalizer);
        const stsName = kind.statefulSet(name);
        const labels = {
          ...(cr.metadata.labels ?? {}),
          app: stsName,
          redis_setup_type: kind.setupType,
          role:
            kind.setupType === 'sentinel'
              ? 'sentinel'
              : kind.setupType === 'standalone'
                ? 'standalone'
                : 'replication',
        };
        const desired: Obj = {
          apiVersion: STATEFUL_SET.apiVersion,
          kind: STATEFUL_SET.kind,
          metadata: { name: stsName, namespace, labels, ownerReferences: [ownerRef(cr, true, true)] },
          spec: {
            replicas: size,
            serviceName: `${stsName}-headless`,
            selector: { matchLabels: { app: stsName } },
            volumeClaimTemplates: storage
              ? [{ metadata: { name, labels }, spec: clone(record(storage.volumeClaimTemplate).spec ?? {}) }]
              : [],
          },
        };
        const sts = cluster.get(STATEFUL_SET.apiVersion, STATEFUL_SET.kind, namespace, stsName);
        if (!sts) {
          cluster.create(desired, `${size} replicas`);
          continue;
        }
        if (record(sts.spec).replicas !== size || !deepEqual(sts.metadata.labels ?? {}, labels)) {
          cluster.modify(
            keyOf(sts),
            (s) => {
              s.metadata.labels = labels;
              s.spec = { ...record(s.spec), replicas: size };
              return true;
            },
            `${size} replicas`,
          );
          continue;
        }
        const stsStatus = record(sts.status);
        const ready =
          stsStatus.observedGeneration === sts.metadata.generation && stsStatus.readyReplicas === size;
        if (kind.setupType === 'replication' && ready && record(cr.status).masterNode === undefined) {
          writeStatus(cluster, cr, { masterNode: `${stsName}-0` }, `masterNode ${stsName}-0`);
        }
      }
    }
  },
};

// ---- Kubernetes' StatefulSet controller ---------------------------------------------------------

/**
 * What kube-controller-manager does for the StatefulSets operators create: when it creates pods
 * (a new StatefulSet, or a scale-up) it creates their claims from the volume claim templates,
 * `<template>-<statefulset>-<ordinal>` without owner references; `observedGeneration` first, all
 * pods ready one step later.
 */
export const statefulSets: Operator = {
  name: 'kube-controller-manager',
  step({ cluster }) {
    for (const sts of cluster.list(STATEFUL_SET.apiVersion, STATEFUL_SET.kind)) {
      if (deleting(sts)) continue;
      const namespace = sts.metadata.namespace ?? '';
      const spec = record(sts.spec);
      const replicas = count(spec.replicas, 1);
      const status = record(sts.status);
      const generation = sts.metadata.generation ?? 0;
      if (status.observedGeneration === generation) {
        if (count(status.readyReplicas, 0) !== replicas) {
          writeStatus(
            cluster,
            sts,
            { ...status, replicas, readyReplicas: replicas, availableReplicas: replicas },
            `${replicas}/${replicas} ready`,
          );
        }
        continue;
      }
      const existingPods = count(status.replicas, 0);
      for (const template of list(spec.volumeClaimTemplates).map(record)) {
        const meta = record(template.metadata);
        const labels = record(meta.labels) as Record<string, string>;
        for (const ordinal of range(replicas).filter((o) => o >= existingPods)) {
          ensure(
            cluster,
            pvc(namespace, `${text(meta.name)}-${sts.metadata.name}-${ordinal}`, storageOf(template.spec), {
              labels,
            }),
          );
        }
      }
      const ready = Math.min(count(status.readyReplicas, 0), replicas);
      writeStatus(
        cluster,
        sts,
        { observedGeneration: generation, replicas, readyReplicas: ready, availableReplicas: ready },
        `observedGeneration ${generation}, ${ready}/${replicas} ready`,
      );
    }
  },
};

/** A fresh set of operators, in the order a round runs them. */
export function createOperators(): Operator[] {
  return [percona, new Strimzi(), new Altinity(), minio, opstree, statefulSets];
}
