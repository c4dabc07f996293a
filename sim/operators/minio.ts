import { CHILD_KINDS } from '../../compositions/kube.js';
import { parseQuantity } from '../../compositions/quantity.js';
import {
  count,
  deleting,
  ensure,
  type Json,
  list,
  type Operator,
  pvc,
  range,
  record,
  storageOf,
  text,
  writeStatus,
} from './operator.js';

const TENANT = CHILD_KINDS.Tenant;

/**
 * MinIO: `currentState` Provisioning MinIO Statefulset → Initialized, then `healthStatus` green
 * with every pool `PoolInitialized`; PVCs `<volume>-<tenant>-<pool>-<ordinal>` that the operator
 * never deletes; a second Tenant in a namespace fails for good. No finalizer.
 */
export const minio = (): Operator => ({
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
        const drivesOf = (p: Json) => count(p.servers, 1) * count(p.volumesPerServer, 1);
        const drives = pools.reduce((sum, p) => sum + drivesOf(p), 0);
        const capacity = pools.reduce(
          (sum, p) =>
            sum + drivesOf(p) * (parseQuantity(storageOf(record(record(p.volumeClaimTemplate).spec))) ?? 0),
          0,
        );
        writeStatus(
          cluster,
          tenant,
          {
            ...status,
            healthStatus: 'green',
            drivesOnline: drives,
            drivesOffline: 0,
            drivesHealing: 0,
            writeQuorum: Math.floor(drives / 2) + 1,
            provisionedBuckets: true,
            // An empty tenant: every drive's claimed size is free.
            usage: { capacity, rawCapacity: capacity, rawUsage: 0, usage: 0 },
          },
          'healthStatus green',
        );
      }
    }
  },
});
