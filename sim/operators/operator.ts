// What every scripted operator shares: the interface the simulation runs, and the small writes an
// operator makes (status with kept transition times, owned PVCs and Secrets, finalizers).
import type { RandomSource } from '../../compositions/credentials.js';
import { RELATED_KINDS } from '../../compositions/kube.js';
import { type Cluster, deepEqual, isApiError, keyOf, type Obj, type OwnerReference } from '../cluster.js';

export interface OperatorContext {
  readonly cluster: Cluster;
  readonly now: string;
  readonly random: RandomSource;
}

export interface Operator {
  /** Who the operator's writes are attributed to in the timeline. */
  readonly name: string;
  step(context: OperatorContext): void;
}

export const PVC = RELATED_KINDS.PersistentVolumeClaim;
export const SECRET = RELATED_KINDS.Secret;
export const STATEFUL_SET = RELATED_KINDS.StatefulSet;
export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
/** The cluster's default StorageClass (k3s and kind ship local-path). */
export const STORAGE_CLASS = 'local-path';

// ---- small helpers -----------------------------------------------------------------------------

export type Json = Record<string, unknown>;

export const record = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const count = (value: unknown, fallback: number): number =>
  typeof value === 'number' ? value : fallback;
export const range = (n: number) => Array.from({ length: Math.max(0, n) }, (_, i) => i);
export const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');
export const deleting = (o: Obj) => o.metadata.deletionTimestamp !== undefined;
export const hasFinalizer = (o: Obj, f: string) => (o.metadata.finalizers ?? []).includes(f);

export const ownerRef = (owner: Obj, controller: boolean, blockOwnerDeletion: boolean): OwnerReference => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata.name,
  uid: owner.metadata.uid ?? '',
  controller,
  blockOwnerDeletion,
});

export function password(random: RandomSource, length = 16): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...random(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Writes the status when it differs, ignoring condition `lastTransitionTime` (operators keep it). */
export function writeStatus(cluster: Cluster, object: Obj, status: Json, detail: string): void {
  const live = cluster.get(
    object.apiVersion,
    object.kind,
    object.metadata.namespace ?? '',
    object.metadata.name,
  );
  if (!live) return;
  const previous = record(live.status);
  const kept = withKeptTransitionTimes(status, previous);
  if (deepEqual(stripTimes(kept), stripTimes(previous))) return;
  cluster.updateStatus({ ...live, status: kept }, detail);
}

export function withKeptTransitionTimes(status: Json, previous: Json): Json {
  const before = list(previous.conditions).map(record);
  const conditions = list(status.conditions).map((c) => {
    const condition = record(c);
    const old = before.find((b) => b.type === condition.type && b.status === condition.status);
    return old?.lastTransitionTime ? { ...condition, lastTransitionTime: old.lastTransitionTime } : condition;
  });
  return status.conditions === undefined ? status : { ...status, conditions };
}

export function stripTimes(status: Json): Json {
  if (status.conditions === undefined) return status;
  return {
    ...status,
    conditions: list(status.conditions).map((c) => {
      const { lastTransitionTime: _time, ...rest } = record(c);
      return rest;
    }),
  };
}

/** Creates the object unless one of that name exists; returns what is stored. */
export function ensure(cluster: Cluster, object: Obj, detail = ''): Obj {
  const existing = cluster.get(
    object.apiVersion,
    object.kind,
    object.metadata.namespace ?? '',
    object.metadata.name,
  );
  if (existing) return existing;
  try {
    return cluster.create(object, detail);
  } catch (error) {
    if (!isApiError(error, 'AlreadyExists')) throw error;
    return (
      cluster.get(object.apiVersion, object.kind, object.metadata.namespace ?? '', object.metadata.name) ??
      object
    );
  }
}

export function deleteIfPresent(
  cluster: Cluster,
  ref: { readonly apiVersion: string; readonly kind: string },
  namespace: string,
  name: string,
  detail: string,
) {
  try {
    cluster.delete({ apiVersion: ref.apiVersion, kind: ref.kind, namespace, name }, { detail });
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
  }
}

export function setFinalizers(cluster: Cluster, object: Obj, finalizers: string[], detail: string): void {
  cluster.modify(
    keyOf(object),
    (o) => {
      if (deepEqual(o.metadata.finalizers ?? [], finalizers)) return false;
      o.metadata.finalizers = finalizers;
      return true;
    },
    detail,
  );
}

/** An operator adds its finalizer once, when it first reconciles its resource. */
export function ensureFinalizer(cluster: Cluster, object: Obj, finalizer: string): void {
  if (hasFinalizer(object, finalizer)) return;
  setFinalizers(
    cluster,
    object,
    [...(object.metadata.finalizers ?? []), finalizer],
    `finalizer ${finalizer} added`,
  );
}

/** An operator removes its finalizer once its cleanup is done; `detail` says what the cleanup did. */
export function releaseFinalizer(cluster: Cluster, object: Obj, finalizer: string, detail: string): void {
  setFinalizers(
    cluster,
    object,
    (object.metadata.finalizers ?? []).filter((f) => f !== finalizer),
    detail,
  );
}

export function pvc(
  namespace: string,
  name: string,
  storage: string,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    owners?: OwnerReference[];
  } = {},
): Obj {
  return {
    apiVersion: PVC.apiVersion,
    kind: PVC.kind,
    metadata: {
      name,
      namespace,
      ...(extra.labels ? { labels: extra.labels } : {}),
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
      ...(extra.owners && extra.owners.length > 0 ? { ownerReferences: extra.owners } : {}),
      // Added on create by the StorageObjectInUseProtection admission plugin.
      finalizers: [PVC_PROTECTION],
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage } },
      // The DefaultStorageClass admission plugin's class, and the API server's default mode.
      storageClassName: STORAGE_CLASS,
      volumeMode: 'Filesystem',
    },
  };
}

export function opaqueSecret(
  namespace: string,
  name: string,
  data: Record<string, string>,
  extra: Partial<Obj['metadata']> = {},
): Obj {
  return {
    apiVersion: SECRET.apiVersion,
    kind: SECRET.kind,
    metadata: { name, namespace, ...extra },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, base64(v)])),
  };
}

export const storageOf = (spec: unknown): string =>
  text(record(record(record(spec).resources).requests).storage) ?? '1Gi';
