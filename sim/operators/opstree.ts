import { CHILD_KINDS } from '../../compositions/kube.js';
import { type Cluster, clone, deepEqual, keyOf, type Obj } from '../cluster.js';
import {
  count,
  deleteIfPresent,
  deleting,
  ensureFinalizer,
  hasFinalizer,
  type Json,
  list,
  type Operator,
  ownerRef,
  PVC,
  range,
  record,
  releaseFinalizer,
  STATEFUL_SET,
  storageOf,
  text,
  writeStatus,
} from './operator.js';
import { growClaim } from './volumes.js';

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
export const opstree = (): Operator => ({
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
        const selector = { app: stsName, redis_setup_type: kind.setupType, role: labels.role };
        const sentinel = kind.setupType === 'sentinel';
        const desired: Obj = {
          apiVersion: STATEFUL_SET.apiVersion,
          kind: STATEFUL_SET.kind,
          metadata: {
            name: stsName,
            namespace,
            labels,
            annotations: { 'redis.opstreelabs.in': 'true', 'redis.opstreelabs.instance': name },
            ownerReferences: [ownerRef(cr, true, true)],
          },
          spec: {
            replicas: size,
            serviceName: `${stsName}-headless`,
            selector: { matchLabels: selector },
            podManagementPolicy: 'OrderedReady',
            updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
            template: {
              metadata: { labels },
              spec: {
                containers: [
                  {
                    name: stsName,
                    image: text(record(spec.kubernetesConfig).image) ?? '',
                    ports: [
                      {
                        name: sentinel ? 'sentinel-client' : 'redis-client',
                        containerPort: sentinel ? 26379 : 6379,
                        protocol: 'TCP',
                      },
                    ],
                  },
                ],
              },
            },
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
        if (storage && resizeClaims(cluster, cr, sts, desired)) continue;
        if (patchImage(cluster, sts, desired)) continue;
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
});

const RECREATE = 'redis.opstreelabs.in/recreate-statefulset';
const RECREATE_STRATEGY = 'redis.opstreelabs.in/recreate-statefulset-strategy';
const templateStorage = (statefulSet: Obj) =>
  storageOf(record(list(record(statefulSet.spec).volumeClaimTemplates)[0]).spec);

/**
 * Opstree 0.22.1's HandlePVCResizing and patchStatefulSet: when the template's size changes, every
 * PVC `<template>-<statefulset>-<i>` labelled `app=<statefulset>` gets the new request (a shrink
 * too, refused by the API server). The StatefulSet keeps its old, immutable template unless the CR
 * carries `recreate-statefulset: "true"`: then it is deleted and recreated with the new one, here in
 * one step; with the `orphan` strategy the pods keep running and the new StatefulSet adopts them,
 * with any other the pods are deleted. Returns whether it took a step.
 */
function resizeClaims(cluster: Cluster, cr: Obj, sts: Obj, desired: Obj): boolean {
  const wanted = templateStorage(desired);
  const namespace = sts.metadata.namespace ?? '';
  const claims = cluster
    .list(PVC.apiVersion, PVC.kind, { namespace, labels: { app: sts.metadata.name } })
    .filter((c) => c.metadata.name.startsWith(`${cr.metadata.name}-`));
  const raised = claims.filter((c) => growClaim(cluster, c, wanted, 'opstree'));
  const annotations = cr.metadata.annotations ?? {};
  if (templateStorage(sts) === wanted || annotations[RECREATE] !== 'true') return raised.length > 0;
  const orphan = (annotations[RECREATE_STRATEGY] ?? '').toLowerCase() === 'orphan';
  cluster.modify(
    keyOf(sts),
    (s) => {
      s.spec = { ...record(s.spec), volumeClaimTemplates: clone(record(desired.spec).volumeClaimTemplates) };
      return true;
    },
    `recreated with volumes of ${wanted} (${orphan ? 'orphan: pods kept' : 'pods deleted'})`,
  );
  const recreated = cluster.get(STATEFUL_SET.apiVersion, STATEFUL_SET.kind, namespace, sts.metadata.name);
  if (recreated && orphan) {
    // kube-controller-manager's adoption of the running pods, so the new StatefulSet reads them ready.
    writeStatus(
      cluster,
      recreated,
      { ...record(recreated.status), observedGeneration: recreated.metadata.generation ?? 0 },
      'running pods adopted',
    );
  } else if (recreated) {
    const { readyReplicas: _gone, availableReplicas: _too, ...rest } = record(recreated.status);
    writeStatus(cluster, recreated, rest, 'pods deleted with the StatefulSet');
  }
  return true;
}

/** A new image: Opstree patches the StatefulSet's pod template (kube-controller-manager rolls the pods). */
function patchImage(cluster: Cluster, sts: Obj, desired: Obj): boolean {
  const imageOf = (o: Obj) =>
    text(record(list(record(record(record(o.spec).template).spec).containers)[0]).image);
  const image = imageOf(desired);
  if (image === undefined || imageOf(sts) === image) return false;
  cluster.modify(
    keyOf(sts),
    (s) => {
      s.spec = { ...record(s.spec), template: clone(record(desired.spec).template) };
      return true;
    },
    `image ${image}`,
  );
  return true;
}
