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
 * its `kubernetes.io/pvc-protection` finalizer at once, since no pod runs in the simulator.
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
      if (spec.volumeName !== undefined) continue;
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
