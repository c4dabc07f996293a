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

/**
 * ManageChildren with dynamic-apply and InPlace updates: delete observed objects the response
 * omits (Background, UID precondition), create the new ones (AlreadyExists swallowed) and update
 * the others in place (NotFound and Conflict swallowed). Objects being deleted are left alone.
 */
export function manageChildren(
  cluster: Cluster,
  parent: Obj,
  observed: readonly Obj[],
  desired: readonly Obj[],
): void {
  const wanted = new Map<string, Obj>();
  for (const object of desired) wanted.set(childKey(object), object);
  const seen = new Map(observed.map((o) => [childKey(o), o]));

  for (const object of observed) {
    if (object.metadata.deletionTimestamp !== undefined || wanted.has(childKey(object))) continue;
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

  for (const object of wanted.values()) {
    const current = seen.get(childKey(object));
    if (current) {
      const next = applyUpdate(current, object);
      if (deepEqual(next, current) || current.metadata.deletionTimestamp !== undefined) continue;
      try {
        cluster.update(next);
      } catch (error) {
        if (!isApiError(error, 'NotFound') && !isApiError(error, 'Conflict')) throw error;
      }
      continue;
    }
    const created = clone(object);
    setLastApplied(created, clone(object));
    const refs = created.metadata.ownerReferences ?? [];
    if (!refs.some((r) => r.uid === parent.metadata.uid))
      created.metadata.ownerReferences = [...refs, controllerRef(parent)];
    try {
      cluster.create(created);
    } catch (error) {
      if (!isApiError(error, 'AlreadyExists')) throw error;
      cluster.note(created, 'create answered AlreadyExists (swallowed)');
    }
  }
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
