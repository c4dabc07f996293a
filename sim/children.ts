// How Metacontroller writes a parent's children: the desired objects with generateSelector's
// label, ManageChildren with dynamic-apply (apply.ts), and the controller reference it sets.
import { applyUpdate, setLastApplied } from './apply.js';
import {
  type Cluster,
  ControllerError,
  clone,
  deepEqual,
  describe,
  isApiError,
  keyOf,
  type Obj,
  type OwnerReference,
} from './cluster.js';
import { groupKey } from './requests.js';

export const CONTROLLER_UID_LABEL = 'controller-uid';

export const controllerRef = (parent: Obj): OwnerReference => ({
  apiVersion: parent.apiVersion,
  kind: parent.kind,
  name: parent.metadata.name,
  uid: parent.metadata.uid ?? '',
  controller: true,
  blockOwnerDeletion: true,
});

export const controllerOf = (object: Obj): OwnerReference | undefined =>
  (object.metadata.ownerReferences ?? []).find((r) => r.controller === true);

const childKey = (o: Obj) => `${groupKey(o)}\u0000${o.metadata.namespace ?? ''}\u0000${o.metadata.name}`;

/** One write of ManageChildren: an observed object updated in place, or a new one created. */
export type ChildWrite =
  | { readonly verb: 'update'; readonly object: Obj }
  | { readonly verb: 'create'; readonly object: Obj };

export interface ChildChanges {
  /** Observed objects the response omits: deleted (Background, UID precondition). */
  readonly remove: readonly Obj[];
  /** In the response's order. */
  readonly writes: readonly ChildWrite[];
}

/**
 * What ManageChildren does with dynamic-apply and InPlace updates: delete observed objects the
 * response omits, create the new ones (with the last-applied record and the controller
 * reference), update the others in place by the three-way merge. Objects being deleted are left
 * alone.
 */
export function childChanges(parent: Obj, observed: readonly Obj[], desired: readonly Obj[]): ChildChanges {
  const wanted = new Map<string, Obj>();
  for (const object of desired) wanted.set(childKey(object), object);
  const seen = new Map(observed.map((o) => [childKey(o), o]));
  const remove = observed.filter(
    (object) => object.metadata.deletionTimestamp === undefined && !wanted.has(childKey(object)),
  );
  const writes: ChildWrite[] = [];
  for (const object of wanted.values()) {
    const current = seen.get(childKey(object));
    if (current) {
      const next = applyUpdate(current, object);
      if (!deepEqual(next, current) && current.metadata.deletionTimestamp === undefined)
        writes.push({ verb: 'update', object: next });
      continue;
    }
    const created = clone(object);
    setLastApplied(created, clone(object));
    const refs = created.metadata.ownerReferences ?? [];
    if (!refs.some((r) => r.uid === parent.metadata.uid))
      created.metadata.ownerReferences = [...refs, controllerRef(parent)];
    writes.push({ verb: 'create', object: created });
  }
  return { remove, writes };
}

/** ManageChildren against the simulator's API server: NotFound, Conflict and AlreadyExists swallowed. */
export function manageChildren(
  cluster: Cluster,
  parent: Obj,
  observed: readonly Obj[],
  desired: readonly Obj[],
): void {
  const { remove, writes } = childChanges(parent, observed, desired);
  for (const object of remove) {
    try {
      cluster.delete(keyOf(object), {
        propagation: 'Background',
        uid: object.metadata.uid ?? '',
        detail: 'omitted from the hook response',
      });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }
  for (const { verb, object } of writes) {
    try {
      if (verb === 'update') cluster.update(object);
      else cluster.create(object);
    } catch (error) {
      if (verb === 'update' && (isApiError(error, 'NotFound') || isApiError(error, 'Conflict'))) continue;
      if (verb === 'create' && isApiError(error, 'AlreadyExists')) {
        cluster.note(object, 'create answered AlreadyExists (swallowed)');
        continue;
      }
      throw error;
    }
  }
}

/**
 * The objects after `changes`, offline (render): the removed ones gone (render models no
 * finalizers on children), the updated ones replaced, the created ones added as `store` keeps them
 * (the server's fields filled in).
 */
export function withChanges(
  objects: readonly Obj[],
  changes: ChildChanges,
  store: (created: Obj) => Obj,
): Obj[] {
  const removed = new Set(changes.remove.map(childKey));
  const updated = new Map(
    changes.writes.filter((w) => w.verb === 'update').map(({ object }) => [childKey(object), object]),
  );
  const kept = objects.filter((o) => !removed.has(childKey(o))).map((o) => updated.get(childKey(o)) ?? o);
  const present = new Set(kept.map(childKey));
  const created = changes.writes
    .filter((w) => w.verb === 'create' && !present.has(childKey(w.object)))
    .map(({ object }) => store(object));
  return [...kept, ...created];
}

export type Claim = 'claim' | 'adopt' | 'release';

/**
 * ClaimChildren's decisions over the objects of the declared child kinds in the parent's
 * namespace, in order: own children matching the selector are claimed, own ones that stopped
 * matching released (not while the parent is being deleted), orphans matching it adopted (not
 * while the parent or the orphan is being deleted). Objects another controller owns are skipped.
 */
export function claims(parent: Obj, candidates: readonly Obj[]): Array<{ object: Obj; claim: Claim }> {
  const uid = parent.metadata.uid ?? '';
  const deleting = parent.metadata.deletionTimestamp !== undefined;
  const matches = (o: Obj) => o.metadata.labels?.[CONTROLLER_UID_LABEL] === uid;
  const decided: Array<{ object: Obj; claim: Claim }> = [];
  for (const object of candidates) {
    const ref = controllerOf(object);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches(object)) decided.push({ object, claim: 'claim' });
      else if (!deleting) decided.push({ object, claim: 'release' });
      continue;
    }
    if (deleting || !matches(object) || object.metadata.deletionTimestamp !== undefined) continue;
    decided.push({ object, claim: 'adopt' });
  }
  return decided;
}

/**
 * The response's children as Metacontroller applies them: in the parent's namespace unless they
 * name one, with the `controller-uid` label (generateSelector), which must match the selector.
 */
export function desiredChildren(children: readonly unknown[], parent: Obj): Obj[] {
  const uid = parent.metadata.uid ?? '';
  return children.map((child) => {
    const object = clone(child) as Obj;
    if (!object.metadata.namespace) object.metadata.namespace = parent.metadata.namespace ?? '';
    const labels = { ...(object.metadata.labels ?? {}) };
    if (labels[CONTROLLER_UID_LABEL] === undefined) labels[CONTROLLER_UID_LABEL] = uid;
    object.metadata.labels = labels;
    if (labels[CONTROLLER_UID_LABEL] !== uid) {
      throw new ControllerError(`labels on desired child ${describe(object)} don't match parent selector`);
    }
    return object;
  });
}
