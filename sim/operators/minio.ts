import { CHILD_KINDS } from '../../compositions/kube.js';
import { parseQuantity } from '../../compositions/quantity.js';
import type { Cluster } from '../cluster.js';
import {
  count,
  deleting,
  ensure,
  type Json,
  list,
  type Operator,
  PVC,
  pvc,
  range,
  record,
  storageOf,
  text,
  writeStatus,
} from './operator.js';
import { growClaim } from './volumes.js';

const TENANT = CHILD_KINDS.Tenant;

/**
 * MinIO: `currentState` Provisioning MinIO Statefulset → Initialized, then `healthStatus` green
 * with every pool `PoolInitialized`; PVCs `<volume>-<tenant>-<pool>-<ordinal>` that the operator
 * never deletes, raised to the pool's claim request on every sync (ExpandPVCs); a new image goes
 * through `Updating MinIO Version`; a second Tenant in a namespace fails for good. A pool added to an
 * initialized Tenant goes PoolNotCreated → PoolCreated (its PVCs) → PoolInitialized with every server
 * restarted (`Restarting MinIO`, `waitingOnReady`), one step a round, then Initialized. No finalizer.
 */
/** What the operator knows from the pools' StatefulSets, which the simulator does not create. */
export interface MinioMemory {
  /** The image each Tenant's servers run, by uid. */
  readonly running: Map<string, string>;
}

export const minio = (memory: MinioMemory = { running: new Map() }): Operator => ({
  name: 'minio',
  step({ cluster, now }) {
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
        certificates: {
          autoCertEnabled: record(tenant.spec).requestAutoCert !== false,
          customCertificates: {},
        },
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
      const uid = tenant.metadata.uid ?? '';
      const image = text(record(tenant.spec).image) ?? '';
      // A Tenant this operator has not seen yet (a story's pre-existing one) runs what it asks for.
      if (!memory.running.has(uid)) memory.running.set(uid, image);
      if (status.currentState !== undefined) expandClaims(cluster, namespace, name, pools);
      const known = list(status.pools).map(record);
      const stateOf = (pool: Json) => known.find((k) => k.ssName === `${name}-${text(pool.name)}`)?.state;
      const joining = pools.filter((p) => stateOf(p) !== 'PoolInitialized');
      if (status.currentState === undefined) {
        for (const pool of pools) createClaims(cluster, namespace, name, pool);
        writeStatus(
          cluster,
          tenant,
          { ...base, currentState: 'Provisioning MinIO Statefulset', pools: poolStatus('PoolCreated') },
          'Provisioning MinIO Statefulset',
        );
      } else if (joining.length > 0 && joining.length < pools.length) {
        // pkg/controller/main-controller.go:995-1090: a pool joining initialized ones.
        const unseen = joining.filter((p) => stateOf(p) === undefined);
        const created = joining.filter((p) => stateOf(p) === 'PoolNotCreated');
        const states = (from: readonly Json[], to: string) =>
          pools.map((p) => ({
            ssName: `${name}-${text(p.name)}`,
            state: from.includes(p) ? to : (stateOf(p) ?? 'PoolNotCreated'),
          }));
        if (unseen.length > 0) {
          writeStatus(
            cluster,
            tenant,
            {
              ...status,
              currentState: 'Provisioning MinIO Statefulset',
              pools: states(unseen, 'PoolNotCreated'),
            },
            'new pool PoolNotCreated',
          );
        } else if (created.length > 0) {
          for (const pool of created) createClaims(cluster, namespace, name, pool);
          writeStatus(
            cluster,
            tenant,
            { ...status, pools: states(created, 'PoolCreated') },
            'new pool PoolCreated',
          );
        } else {
          writeStatus(
            cluster,
            tenant,
            {
              ...status,
              currentState: 'Restarting MinIO',
              waitingOnReady: now,
              pools: poolStatus('PoolInitialized'),
            },
            'Restarting MinIO',
          );
        }
      } else if (status.currentState === 'Restarting MinIO') {
        // Every server back and ready: the wait ends and the health counts every pool's drives.
        const { waitingOnReady: _done, ...rest } = status;
        writeStatus(
          cluster,
          tenant,
          { ...rest, ...health(pools), currentState: 'Initialized' },
          'servers restarted with the new pool',
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
      } else if (status.currentState === 'Updating MinIO Version') {
        // Every server's binary replaced through the admin API, then the pools' StatefulSets rewritten.
        memory.running.set(uid, image);
        writeStatus(cluster, tenant, { ...status, currentState: 'Initialized' }, `servers run ${image}`);
      } else if (status.healthStatus === 'green' && memory.running.get(uid) !== image) {
        writeStatus(
          cluster,
          tenant,
          { ...status, currentState: 'Updating MinIO Version' },
          'Updating MinIO Version',
        );
      } else if (status.currentState === 'Initialized' && status.healthStatus !== 'green') {
        writeStatus(cluster, tenant, { ...status, ...health(pools) }, 'healthStatus green');
      }
    }
  },
});

/** A healthy Tenant's health fields over all its pools' drives. */
function health(pools: readonly Json[]) {
  const drivesOf = (p: Json) => count(p.servers, 1) * count(p.volumesPerServer, 1);
  const drives = pools.reduce((sum, p) => sum + drivesOf(p), 0);
  const capacity = pools.reduce(
    (sum, p) =>
      sum + drivesOf(p) * (parseQuantity(storageOf(record(record(p.volumeClaimTemplate).spec))) ?? 0),
    0,
  );
  return {
    availableReplicas: pools.reduce((sum, p) => sum + count(p.servers, 1), 0),
    healthStatus: 'green',
    drivesOnline: drives,
    drivesOffline: 0,
    drivesHealing: 0,
    writeQuorum: Math.floor(drives / 2) + 1,
    provisionedBuckets: true,
    // An empty tenant: every drive's claimed size is free.
    usage: { capacity, rawCapacity: capacity, rawUsage: 0, usage: 0 },
  };
}

/** The operator's StatefulSet creates the pool's PVCs `<volume>-<tenant>-<pool>-<ordinal>`. */
function createClaims(cluster: Cluster, namespace: string, tenant: string, pool: Json): void {
  const template = record(pool.volumeClaimTemplate);
  const volumeName = text(record(template.metadata).name) ?? '';
  for (const ordinal of range(count(pool.servers, 1))) {
    for (const volume of range(count(pool.volumesPerServer, 1))) {
      ensure(
        cluster,
        pvc(
          namespace,
          `${volumeName}${volume}-${tenant}-${text(pool.name)}-${ordinal}`,
          storageOf(template.spec),
          {
            labels: { 'v1.min.io/tenant': tenant, 'v1.min.io/pool': text(pool.name) ?? '' },
          },
        ),
      );
    }
  }
}

/** ExpandPVCs (pkg/controller/pvc.go): every PVC of a pool whose request is below the pool's template. */
function expandClaims(cluster: Cluster, namespace: string, tenant: string, pools: readonly Json[]): void {
  for (const pool of pools) {
    const storage = storageOf(record(pool.volumeClaimTemplate).spec);
    for (const claim of cluster.list(PVC.apiVersion, PVC.kind, { namespace })) {
      const labels = claim.metadata.labels ?? {};
      if (labels['v1.min.io/tenant'] !== tenant || labels['v1.min.io/pool'] !== text(pool.name)) continue;
      growClaim(cluster, claim, storage, 'minio ExpandPVCs');
    }
  }
}
