import { CHILD_KINDS } from '../../compositions/kube.js';
import { clone, deepEqual, keyOf, type Obj } from '../cluster.js';
import {
  count,
  deleteIfPresent,
  deleting,
  ensureFinalizer,
  hasFinalizer,
  type Json,
  type Operator,
  ownerRef,
  PVC,
  range,
  record,
  releaseFinalizer,
  STATEFUL_SET,
  text,
  writeStatus,
} from './operator.js';

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
