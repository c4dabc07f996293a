import { parseQuantity } from '../../compositions/quantity.js';
import { type Cluster, keyOf, type Obj } from '../cluster.js';
import {
  deleting,
  hasFinalizer,
  type Operator,
  PVC,
  PVC_PROTECTION,
  record,
  releaseFinalizer,
  STORAGE_CLASS,
  storageOf,
  writeStatus,
} from './operator.js';

/**
 * The volume side of kube-controller-manager with the default StorageClass's provisioner: a new
 * claim is bound to a volume provisioned for it (`pvc-<claim uid>`), and a terminating claim loses
 * its `kubernetes.io/pvc-protection` finalizer at once, since no pod runs in the simulator. Its
 * StorageClass allows expansion: a bound claim whose request grew reports the new capacity one step later.
 */
export const volumes = (): Operator => ({
  name: 'volumes',
  step({ cluster }) {
    for (const claim of cluster.list(PVC.apiVersion, PVC.kind)) {
      if (deleting(claim)) {
        if (hasFinalizer(claim, PVC_PROTECTION))
          releaseFinalizer(cluster, claim, PVC_PROTECTION, 'no pod uses the claim');
        continue;
      }
      const spec = record(claim.spec);
      if (spec.volumeName !== undefined) {
        expandBound(cluster, claim);
        continue;
      }
      const bound = cluster.modify(
        {
          apiVersion: PVC.apiVersion,
          kind: PVC.kind,
          namespace: claim.metadata.namespace ?? '',
          name: claim.metadata.name,
        },
        (c) => {
          c.metadata.annotations = {
            ...(c.metadata.annotations ?? {}),
            'pv.kubernetes.io/bind-completed': 'yes',
            'volume.kubernetes.io/storage-provisioner': `rancher.io/${STORAGE_CLASS}`,
          };
          c.spec = { ...record(c.spec), volumeName: `pvc-${c.metadata.uid ?? ''}` };
          return true;
        },
        'bound to a provisioned volume',
      );
      if (!bound) continue;
      const accessModes = record(bound.spec).accessModes;
      writeStatus(
        cluster,
        bound,
        { phase: 'Bound', accessModes, capacity: { storage: storageOf(bound.spec) } },
        'Bound',
      );
    }
  },
});

const quantityOf = (storage: unknown) => (typeof storage === 'string' ? parseQuantity(storage) : undefined);

/**
 * A bound claim's capacity follows a larger request: the resize controller marks it `Resizing` in one
 * step and the expanded volume is reported the next (online expansion: no pod to restart here).
 */
function expandBound(cluster: Cluster, claim: Obj): void {
  const status = record(claim.status);
  const capacity = record(status.capacity).storage;
  const request = storageOf(claim.spec);
  if ((quantityOf(capacity) ?? Infinity) >= (quantityOf(request) ?? 0)) return;
  const { conditions: _resizing, ...rest } = status;
  if (status.conditions === undefined) {
    writeStatus(
      cluster,
      claim,
      { ...status, conditions: [{ type: 'Resizing', status: 'True' }] },
      'Resizing',
    );
  } else {
    writeStatus(cluster, claim, { ...rest, capacity: { storage: request } }, `expanded to ${request}`);
  }
}

/**
 * What an operator that grows claims does (Altinity's reconcilePVC, MinIO's ExpandPVCs): the claim's
 * request is raised to `storage`, never lowered. Returns whether it changed.
 */
export function growClaim(cluster: Cluster, claim: Obj, storage: string, who: string): boolean {
  if ((quantityOf(storage) ?? 0) <= (quantityOf(storageOf(claim.spec)) ?? Infinity)) return false;
  const spec = record(claim.spec);
  const grown = cluster.modify(
    keyOf(claim),
    (c) => {
      c.spec = {
        ...spec,
        resources: {
          ...record(spec.resources),
          requests: { ...record(record(spec.resources).requests), storage },
        },
      };
      return true;
    },
    `${who}: request raised to ${storage}`,
  );
  return grown !== undefined;
}
