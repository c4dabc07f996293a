import { CHILD_KINDS } from '../../compositions/kube.js';
import type { Obj } from '../cluster.js';
import {
  count,
  deleteIfPresent,
  deleting,
  ensure,
  type Json,
  list,
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
  text,
  writeStatus,
} from './operator.js';

const PXC = CHILD_KINDS.PerconaXtraDBCluster;
const PXC_VERSION = '8.0.42-33.1';
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
  step({ cluster, now, random }) {
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
        writeStatus(cluster, cr, pxcStatus(cr, 'initializing', host, now), 'state initializing');
      } else if (status.state === 'initializing') {
        writeStatus(cluster, cr, pxcStatus(cr, 'ready', host, now), 'state ready');
      }
    }
  },
});

/**
 * The status Percona writes in `state` (reference/infra-crds.md §5.4): the cluster's size and ready
 * counts include the proxies, one condition per state reached (its type is the state), and a
 * section per component (`haproxy`, `backup`, … stay empty when not deployed).
 */
function pxcStatus(cr: Obj, state: 'initializing' | 'ready', host: string, now: string): Json {
  const name = cr.metadata.name;
  const spec = record(cr.spec);
  const pxc = record(spec.pxc);
  const proxysql = record(spec.proxysql);
  const nodes = count(pxc.size, 3);
  const proxies = proxysql.enabled === true ? count(proxysql.size, 0) : 0;
  const ready = state === 'ready';
  const selector = (component: string) =>
    `app.kubernetes.io/component=${component},app.kubernetes.io/instance=${name},app.kubernetes.io/managed-by=percona-xtradb-cluster-operator,app.kubernetes.io/name=percona-xtradb-cluster,app.kubernetes.io/part-of=percona-xtradb-cluster`;
  const previous = list(record(cr.status).conditions).map(record);
  const conditions = previous.some((c) => c.type === state)
    ? previous
    : [...previous, { type: state, status: 'True', lastTransitionTime: now }];
  return {
    state,
    host,
    observedGeneration: cr.metadata.generation ?? 0,
    size: nodes + proxies,
    ready: ready ? nodes + proxies : 0,
    conditions,
    pxc: {
      status: state,
      size: nodes,
      ready: ready ? nodes : 0,
      ...(ready ? { version: PXC_VERSION, image: text(pxc.image) ?? '' } : {}),
      labelSelectorPath: selector('pxc'),
    },
    ...(proxysql.enabled === true
      ? {
          proxysql: {
            status: state,
            size: proxies,
            ready: ready ? proxies : 0,
            labelSelectorPath: selector('proxysql'),
          },
        }
      : {}),
    haproxy: {},
    logcollector: {},
    pmm: {},
    backup: {},
  };
}
