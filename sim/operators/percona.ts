import { CHILD_KINDS } from '../../compositions/kube.js';
import {
  count,
  deleteIfPresent,
  deleting,
  ensure,
  type Operator,
  opaqueSecret,
  PVC,
  password,
  pvc,
  range,
  record,
  SECRET,
  setFinalizers,
  storageOf,
  writeStatus,
} from './operator.js';

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
export const percona = (): Operator => ({
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
});
