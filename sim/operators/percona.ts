import { CHILD_KINDS } from '../../compositions/kube.js';
import { parseQuantity } from '../../compositions/quantity.js';
import { type Cluster, keyOf, type Obj } from '../cluster.js';
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
import { growClaim } from './volumes.js';

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
      const claims = range(size).map((i) => `datadir-${name}-pxc-${i}`);
      const claim = (claimName: string) => cluster.get(PVC.apiVersion, PVC.kind, namespace, claimName);
      const installed = typeof status.state === 'string';
      if (
        installed &&
        resizeVolumes(
          cluster,
          cr,
          claims.flatMap((c) => claim(c) ?? []),
          now,
        )
      )
        continue;
      // A new cluster's StatefulSet creates every node's volume at once here; a scale-out, one node per step.
      const storage = storageOf(record(record(pxc.volumeSpec).persistentVolumeClaim));
      const missing = claims.filter((c) => !claim(c));
      for (const claimName of installed ? missing.slice(0, 1) : missing) {
        ensure(cluster, pvc(namespace, claimName, storage, { labels }));
      }

      const proxy =
        record(spec.proxysql).enabled === true
          ? 'proxysql'
          : record(spec.haproxy).enabled === true
            ? 'haproxy'
            : 'pxc';
      const host = `${name}-${proxy}.${namespace}`;
      const generation = cr.metadata.generation ?? 0;
      const nodes = record(status.pxc);
      const running = text(nodes.image);
      const wanted = text(pxc.image) ?? '';
      const ready = count(nodes.ready, 0);
      if (status.observedGeneration !== generation || !installed) {
        // A new image restarts every node: status.pxc.ready counts those on the new revision.
        const stillReady = running !== undefined && running !== wanted ? 0 : Math.min(ready, size);
        writeStatus(
          cluster,
          cr,
          pxcStatus(cr, { state: 'initializing', ready: stillReady, image: running }, host, now),
          'state initializing',
        );
      } else if (status.state === 'initializing') {
        // A cluster that never ran comes up at once; a running one gains a node per step (join or restart).
        const next = running === undefined ? size : Math.min(ready + 1, size - missing.length + 1, size);
        const done = next === size;
        writeStatus(
          cluster,
          cr,
          pxcStatus(
            cr,
            { state: done ? 'ready' : 'initializing', ready: next, image: done ? wanted : running },
            host,
            now,
          ),
          done ? 'state ready' : `${next} of ${size} nodes ready`,
        );
      }
    }
  },
});

const RESIZE_ANNOTATION = 'percona.com/pvc-resize-in-progress';
const GIB = 2 ** 30;

/**
 * Percona's reconcilePersistentVolumes (volumes.go): the requested size rounded up to whole GiB is
 * compared with the smallest capacity; without enableVolumeExpansion a larger one is silently kept
 * out; with it the cluster is annotated, every claim's request raised and the state `initializing`
 * until each claim reports the size, when the annotation goes. Returns whether it took the step.
 */
function resizeVolumes(cluster: Cluster, cr: Obj, claims: Obj[], now: string): boolean {
  const requested = parseQuantity(
    storageOf(record(record(record(cr.spec).pxc).volumeSpec).persistentVolumeClaim),
  );
  const capacities = claims.map((c) => parseQuantity(text(record(record(c.status).capacity).storage) ?? ''));
  if (requested === undefined || capacities.some((c) => c === undefined)) return false;
  const wanted = Math.ceil(requested / GIB) * GIB;
  const grown = capacities.every((c) => (c ?? 0) >= wanted);
  const annotations = cr.metadata.annotations ?? {};
  const status = record(cr.status);
  if (annotations[RESIZE_ANNOTATION] !== undefined) {
    if (grown) {
      cluster.modify(
        keyOf(cr),
        (c) => {
          const { [RESIZE_ANNOTATION]: _done, ...rest } = c.metadata.annotations ?? {};
          c.metadata.annotations = rest;
          return true;
        },
        'PVC resize completed; StatefulSet recreated with the new template (orphan: pods kept)',
      );
    } else {
      writeStatus(cluster, cr, { ...status, state: 'initializing' }, 'PVC resize in progress');
    }
    return true;
  }
  if (grown || record(cr.spec).enableVolumeExpansion !== true) return false;
  cluster.modify(
    keyOf(cr),
    (c) => {
      c.metadata.annotations = { ...(c.metadata.annotations ?? {}), [RESIZE_ANNOTATION]: now };
      return true;
    },
    `resizing PVCs to ${wanted / GIB}Gi`,
  );
  for (const claim of claims) growClaim(cluster, claim, `${wanted / GIB}Gi`, 'percona');
  writeStatus(cluster, cr, { ...status, state: 'initializing' }, 'PVC resize started');
  return true;
}

/**
 * The status Percona writes in `state` (reference/infra-crds.md §5.4): the cluster's size and ready
 * counts include the proxies, one condition per state reached (its type is the state), and a
 * section per component (`haproxy`, `backup`, … stay empty when not deployed).
 */
function pxcStatus(
  cr: Obj,
  nodes: { state: 'initializing' | 'ready'; ready: number; image: string | undefined },
  host: string,
  now: string,
): Json {
  const { state } = nodes;
  const name = cr.metadata.name;
  const spec = record(cr.spec);
  const pxc = record(spec.pxc);
  const proxysql = record(spec.proxysql);
  const size = count(pxc.size, 3);
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
    size: size + proxies,
    ready: nodes.ready + (ready ? proxies : 0),
    conditions,
    pxc: {
      status: state,
      size,
      ready: nodes.ready,
      // What runs: written once the nodes have been ready, and kept while a new image rolls.
      ...(nodes.image !== undefined
        ? { version: nodes.image.split(':').at(-1) ?? '', image: nodes.image }
        : {}),
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
