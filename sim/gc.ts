// The simulator's garbage collector (kube-controller-manager's, reduced to what the stories need):
// owner references, Background, Foreground and Orphan propagation. It acts through the store's
// ordinary writes, attributed to `garbage-collector`.
import {
  type Cluster,
  describe,
  FOREGROUND_FINALIZER,
  keyOf,
  type Obj,
  ORPHAN_FINALIZER,
  type OwnerReference,
} from './cluster.js';

/**
 * The garbage collector, run until nothing changes (kube-controller-manager's attemptToDeleteItem):
 * each owner reference is solid (the owner exists), dangling (it is gone) or waiting (the owner
 * is being deleted with `foregroundDeletion`). A dependent with a solid owner only loses its
 * dangling and waiting references; one without is deleted (Foreground if it is waited for and
 * has dependents of its own, else Background). An owner deleted with `orphan` first loses its
 * dependents' references to it; one deleted with `foregroundDeletion` keeps that finalizer until
 * no dependent that blocks owner deletion is left.
 */
export function collectGarbage(cluster: Cluster): void {
  cluster.as('garbage-collector', () => {
    for (let pass = 0; pass < 1000; pass++) {
      if (!gcPass(cluster)) return;
    }
    throw new Error('garbage collection did not settle in 1000 passes');
  });
}

function gcPass(cluster: Cluster): boolean {
  const objects = cluster.all();
  const byUid = new Map(objects.map((o) => [o.metadata.uid ?? '', o]));
  const terminating = (o: Obj, finalizer: string) =>
    o.metadata.deletionTimestamp !== undefined && (o.metadata.finalizers ?? []).includes(finalizer);
  const dependentsOf = (owner: Obj) =>
    objects.filter((o) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid));
  const removeFinalizer = (owner: Obj, finalizer: string, detail: string) =>
    cluster.modify(
      keyOf(owner),
      (o) => {
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
        return true;
      },
      detail,
    );
  const dropReferences = (dependent: Obj, uids: ReadonlySet<string>, detail: string) =>
    cluster.modify(
      keyOf(dependent),
      (d) => {
        d.metadata.ownerReferences = (d.metadata.ownerReferences ?? []).filter((r) => !uids.has(r.uid));
        return true;
      },
      detail,
    );

  for (const owner of objects) {
    if (terminating(owner, ORPHAN_FINALIZER)) {
      const uid = new Set([owner.metadata.uid ?? '']);
      for (const dependent of dependentsOf(owner))
        dropReferences(dependent, uid, `orphaned by ${describe(owner)}`);
      removeFinalizer(owner, ORPHAN_FINALIZER, `dependents orphaned; finalizer ${ORPHAN_FINALIZER} removed`);
      return true;
    }
    if (terminating(owner, FOREGROUND_FINALIZER)) {
      const blocking = dependentsOf(owner).some((d) =>
        (d.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid && r.blockOwnerDeletion),
      );
      if (!blocking) {
        removeFinalizer(
          owner,
          FOREGROUND_FINALIZER,
          `no blocking dependents left; finalizer ${FOREGROUND_FINALIZER} removed`,
        );
        return true;
      }
    }
  }

  for (const object of objects) {
    const refs = object.metadata.ownerReferences ?? [];
    if (refs.length === 0) continue;
    const ownerOf = (r: OwnerReference) => {
      const owner = byUid.get(r.uid);
      return owner && owner.metadata.namespace === object.metadata.namespace ? owner : undefined;
    };
    const dangling = refs.filter((r) => ownerOf(r) === undefined);
    const waiting = refs.filter((r) => {
      const owner = ownerOf(r);
      return owner !== undefined && terminating(owner, FOREGROUND_FINALIZER);
    });
    const solid = refs.length - dangling.length - waiting.length;
    if (dangling.length === 0 && waiting.length === 0) continue;
    const gone = [...dangling, ...waiting].map((r) => `${r.kind} ${r.name}`).join(', ');
    if (solid > 0) {
      dropReferences(
        object,
        new Set([...dangling, ...waiting].map((r) => r.uid)),
        `another owner remains; dropped references to ${gone}`,
      );
      return true;
    }
    if (object.metadata.deletionTimestamp !== undefined) continue;
    const foreground = waiting.length > 0 && dependentsOf(object).length > 0;
    cluster.delete(keyOf(object), {
      propagation: foreground ? 'Foreground' : 'Background',
      detail: waiting.length > 0 ? `foreground deletion of ${gone}` : `owner ${gone} is gone`,
    });
    return true;
  }
  return false;
}
