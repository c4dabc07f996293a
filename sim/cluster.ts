// An in-memory Kubernetes API server for the simulator: objects with the server-owned metadata
// (uid, generation, resourceVersion, deletionTimestamp), finalizers and a status subresource. Every
// write is recorded with who made it. The kinds it knows are in kinds.ts, its garbage collector in
// gc.ts.
import type { OwnerReference } from '../compositions/kube.js';
import type { Clock } from './clock.js';
import { groupOf, kindInfo } from './kinds.js';

export type { OwnerReference };

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

/** A stored object: plain JSON, mutable copies only ever leave the store. */
export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface ObjectKey {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

// ---- JSON helpers ------------------------------------------------------------------------------

export const clone = <T>(value: T): T => structuredClone(value);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(rb, k) && deepEqual(ra[k], rb[k]));
}

export const matchesLabels = (labels: Record<string, string> | undefined, selector: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

export const describe = (o: { kind: string; metadata: { name: string } }): string =>
  `${o.kind} ${o.metadata.name}`;

// ---- errors ------------------------------------------------------------------------------------

export type ApiReason = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid';

/** Input the simulator cannot act on (a kubectl command it does not emulate, a bad file). */
export class InputError extends Error {}

/** A failure of Metacontroller itself (discovery, apply, selector), not of a hook. */
export class ControllerError extends Error {}

export class ApiError extends Error {
  constructor(
    readonly reason: ApiReason,
    message: string,
  ) {
    super(message);
  }
}

export const isApiError = (error: unknown, reason: ApiReason): boolean =>
  error instanceof ApiError && error.reason === reason;

// ---- the store ---------------------------------------------------------------------------------

/** `note` and `hook` record what changed nothing: a swallowed AlreadyExists, a hook call. */
export type Verb = 'create' | 'update' | 'status' | 'delete' | 'removed' | 'note' | 'hook';

export interface ClusterEvent {
  readonly seq: number;
  readonly time: string;
  readonly actor: string;
  readonly verb: Verb;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** What changed, in a few words (changed fields, a status summary, a reason). */
  readonly detail: string;
}

/** Whether the event changed anything (notes and hook calls do not). */
export const isWrite = (event: ClusterEvent): boolean => event.verb !== 'note' && event.verb !== 'hook';

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

/** Metadata the API server owns: set on create, kept on update whatever the client sends. */
export const SYSTEM_FIELDS = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
] as const;

const storeKey = (apiVersion: string, kind: string, namespace: string, name: string) =>
  `${groupOf(apiVersion)}\u0000${kind}\u0000${namespace}\u0000${name}`;

export interface ClusterOptions {
  readonly clock: Clock;
  /** The uid of a new object (it may depend on the object, so a story's uids stay put). */
  readonly uid: (object: Obj) => string;
  /** The API server's defaulting, applied to every object written (e.g. CRD `default:` values). */
  readonly defaults?: (object: Obj) => void;
}

export class Cluster {
  private readonly objects = new Map<string, Obj>();
  private revision = 0;
  private sequence = 0;
  readonly events: ClusterEvent[] = [];
  /** Who the next writes are attributed to. */
  actor = 'user';

  constructor(private readonly options: ClusterOptions) {}

  now(): string {
    return this.options.clock.now();
  }

  /** Runs `work` with writes attributed to `actor`. */
  as<T>(actor: string, work: () => T): T {
    const previous = this.actor;
    this.actor = actor;
    try {
      return work();
    } finally {
      this.actor = previous;
    }
  }

  get(apiVersion: string, kind: string, namespace: string, name: string): Obj | undefined {
    const stored = this.objects.get(storeKey(apiVersion, kind, namespace, name));
    return stored && clone(stored);
  }

  /** Objects of a kind, sorted by namespace and name; optionally in one namespace and by labels. */
  list(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labels?: Record<string, string> } = {},
  ): Obj[] {
    return this.all().filter(
      (o) =>
        groupOf(o.apiVersion) === groupOf(apiVersion) &&
        o.kind === kind &&
        (options.namespace === undefined || o.metadata.namespace === options.namespace) &&
        (options.labels === undefined || matchesLabels(o.metadata.labels, options.labels)),
    );
  }

  all(): Obj[] {
    return [...this.objects.values()].sort(byKey).map((o) => clone(o));
  }

  private stored(key: ObjectKey): Obj | undefined {
    return this.objects.get(storeKey(key.apiVersion, key.kind, key.namespace, key.name));
  }

  private record(verb: Verb, object: Obj, detail: string): void {
    this.events.push({
      seq: ++this.sequence,
      time: this.now(),
      actor: this.actor,
      verb,
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace: object.metadata.namespace ?? '',
      name: object.metadata.name,
      detail,
    });
  }

  /** Records an event that writes nothing. */
  note(object: Obj, detail: string, verb: 'note' | 'hook' = 'note'): void {
    this.record(verb, object, detail);
  }

  private nextRevision(): string {
    return String(++this.revision);
  }

  /** POST: the server fills uid, resourceVersion, generation and creationTimestamp. */
  create(object: Obj, detail = ''): Obj {
    const namespace = object.metadata.namespace;
    if (!namespace) throw new ApiError('Invalid', `${describe(object)}: metadata.namespace is required`);
    if (!object.metadata.name) throw new ApiError('Invalid', `${object.kind}: metadata.name is required`);
    if (this.stored(keyOf(object))) {
      throw new ApiError('AlreadyExists', `${describe(object)} already exists in namespace ${namespace}`);
    }
    const created = clone(object);
    this.options.defaults?.(created);
    const meta = created.metadata;
    for (const field of SYSTEM_FIELDS) delete meta[field];
    meta.uid = this.options.uid(created);
    meta.resourceVersion = this.nextRevision();
    meta.creationTimestamp = this.now();
    if (kindInfo(created.apiVersion, created.kind)?.generation ?? true) meta.generation = 1;
    normalizeMetadata(created);
    this.objects.set(storeKey(created.apiVersion, created.kind, namespace, meta.name), created);
    this.record('create', created, detail);
    return clone(created);
  }

  /**
   * PUT: replaces everything but the status (when it is a subresource) and the system fields.
   * `metadata.resourceVersion`, when set, must be current; `metadata.uid`, when set, must match.
   */
  update(object: Obj, detail?: string): Obj {
    const current = this.requireCurrent(object);
    const next = clone(object);
    this.options.defaults?.(next);
    const kind = kindInfo(current.apiVersion, current.kind);
    const nextMeta = next.metadata as Record<string, unknown>;
    for (const field of SYSTEM_FIELDS) {
      if (current.metadata[field] === undefined) delete nextMeta[field];
      else nextMeta[field] = current.metadata[field];
    }
    if (kind?.statusSubresource ?? true) {
      if (current.status === undefined) delete next.status;
      else next.status = clone(current.status);
    }
    normalizeMetadata(next);
    // A terminating object may lose finalizers but never gain new ones (the API server refuses that).
    if (current.metadata.deletionTimestamp !== undefined) {
      const before = new Set(current.metadata.finalizers ?? []);
      const added = (next.metadata.finalizers ?? []).filter((f) => !before.has(f));
      if (added.length > 0) {
        throw new ApiError('Invalid', `${describe(current)} is being deleted; finalizers cannot be added`);
      }
    }
    if (deepEqual(next, current)) return clone(current);
    if (kind?.generation && !deepEqual(withoutMetaAndStatus(next), withoutMetaAndStatus(current))) {
      next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    }
    next.metadata.resourceVersion = this.nextRevision();
    this.objects.set(
      storeKey(next.apiVersion, next.kind, next.metadata.namespace ?? '', next.metadata.name),
      next,
    );
    this.record('update', next, detail ?? changedPaths(current, next));
    this.removeIfFinalized(next);
    return clone(next);
  }

  /** PUT /status: only the status changes. */
  updateStatus(object: Obj, detail?: string): Obj {
    const current = this.requireCurrent(object);
    if (deepEqual(object.status, current.status)) return clone(current);
    const next = clone(current);
    if (object.status === undefined) delete next.status;
    else next.status = clone(object.status);
    next.metadata.resourceVersion = this.nextRevision();
    this.objects.set(
      storeKey(next.apiVersion, next.kind, next.metadata.namespace ?? '', next.metadata.name),
      next,
    );
    this.record('status', next, detail ?? changedPaths(current, next));
    return clone(next);
  }

  /** GET, change, PUT; `change` returns false when there is nothing to do. */
  modify(key: ObjectKey, change: (object: Obj) => boolean | undefined, detail?: string): Obj | undefined {
    const current = this.get(key.apiVersion, key.kind, key.namespace, key.name);
    if (!current) return undefined;
    if (change(current) === false) return current;
    return this.update(current, detail);
  }

  /** PATCH /status with a JSON merge patch (RFC 7386), as `kubectl patch --subresource=status --type=merge`. */
  patchStatus(key: ObjectKey, patch: unknown, detail?: string): Obj {
    const current = this.stored(key);
    if (!current)
      throw new ApiError('NotFound', `${key.kind} ${key.name} not found in namespace ${key.namespace}`);
    const status = (patch as { status?: unknown } | null)?.status;
    const next = clone(current);
    next.status = mergePatch(clone(current.status ?? {}), status);
    return this.updateStatus(next, detail);
  }

  /**
   * DELETE. With finalizers (or Foreground/Orphan propagation, which add theirs) the object is only
   * marked terminating; it goes once its finalizers are removed.
   */
  delete(key: ObjectKey, options: { propagation?: Propagation; uid?: string; detail?: string } = {}): void {
    const current = this.stored(key);
    if (!current)
      throw new ApiError('NotFound', `${key.kind} ${key.name} not found in namespace ${key.namespace}`);
    if (options.uid !== undefined && options.uid !== current.metadata.uid) {
      throw new ApiError('Conflict', `${describe(current)}: uid precondition failed`);
    }
    const detail = options.detail ?? '';
    if (current.metadata.deletionTimestamp !== undefined) return;
    const gcFinalizer =
      options.propagation === 'Foreground'
        ? FOREGROUND_FINALIZER
        : options.propagation === 'Orphan'
          ? ORPHAN_FINALIZER
          : undefined;
    const finalizers = [...(current.metadata.finalizers ?? [])];
    if (gcFinalizer && !finalizers.includes(gcFinalizer)) finalizers.push(gcFinalizer);
    if (finalizers.length === 0) {
      this.objects.delete(storeKey(current.apiVersion, current.kind, key.namespace, current.metadata.name));
      this.record('removed', current, detail);
      return;
    }
    const next = clone(current);
    next.metadata.finalizers = finalizers;
    next.metadata.deletionTimestamp = this.now();
    next.metadata.deletionGracePeriodSeconds = 0;
    // The API server bumps the generation when it marks an object for deletion.
    if (next.metadata.generation !== undefined) next.metadata.generation += 1;
    next.metadata.resourceVersion = this.nextRevision();
    this.objects.set(storeKey(next.apiVersion, next.kind, key.namespace, next.metadata.name), next);
    this.record(
      'delete',
      next,
      detail ? `${detail}; waits for ${finalizers.join(', ')}` : `waits for ${finalizers.join(', ')}`,
    );
  }

  private requireCurrent(object: Obj): Obj {
    const current = this.stored(keyOf(object));
    if (!current) throw new ApiError('NotFound', `${describe(object)} not found`);
    const { uid, resourceVersion } = object.metadata;
    if (uid !== undefined && uid !== current.metadata.uid) {
      throw new ApiError('Conflict', `${describe(object)}: uid ${uid} is not the stored object's`);
    }
    if (resourceVersion !== undefined && resourceVersion !== current.metadata.resourceVersion) {
      throw new ApiError('Conflict', `${describe(object)}: resourceVersion ${resourceVersion} is stale`);
    }
    return current;
  }

  private removeIfFinalized(object: Obj): void {
    if (object.metadata.deletionTimestamp === undefined || (object.metadata.finalizers ?? []).length > 0)
      return;
    this.objects.delete(
      storeKey(object.apiVersion, object.kind, object.metadata.namespace ?? '', object.metadata.name),
    );
    this.record('removed', object, '');
  }
}

// ---- helpers -----------------------------------------------------------------------------------

export const keyOf = (o: {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string | undefined };
}): ObjectKey => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  namespace: o.metadata.namespace ?? '',
  name: o.metadata.name,
});

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareKeys(a: ObjectKey, b: ObjectKey): number {
  return (
    compareStrings(a.namespace, b.namespace) ||
    compareStrings(a.apiVersion, b.apiVersion) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.name, b.name)
  );
}

/**
 * An object as an API server holds it, from one read elsewhere (render's files) or written offline:
 * the uid, creationTimestamp and (for kinds that keep it) generation it lacks are filled in.
 */
export function withServerFields(object: Obj, now: string, uid: (object: Obj) => string): Obj {
  const stored = clone(object);
  const meta = stored.metadata;
  meta.uid ??= uid(stored);
  meta.creationTimestamp ??= now;
  if ((kindInfo(stored.apiVersion, stored.kind)?.generation ?? true) && meta.generation === undefined)
    meta.generation = 1;
  return stored;
}

/** The order `list` and `all` return objects in: namespace, apiVersion, kind, name. */
export const byKey = (a: Obj, b: Obj): number => compareKeys(keyOf(a), keyOf(b));

function normalizeMetadata(object: Obj): void {
  const meta = object.metadata;
  for (const key of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
    const value = meta[key];
    if (
      value !== undefined &&
      (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0)
    ) {
      delete meta[key];
    }
  }
}

function withoutMetaAndStatus(object: Obj): Record<string, unknown> {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return rest;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const result: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** The top-level and metadata fields that differ, e.g. `spec, metadata.labels`. */
export function changedPaths(before: Obj, after: Obj): string {
  const paths: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of [...keys].sort()) {
    if (key === 'metadata') {
      const metaKeys = new Set([...Object.keys(before.metadata), ...Object.keys(after.metadata)]);
      for (const metaKey of [...metaKeys].sort()) {
        if (metaKey === 'resourceVersion' || metaKey === 'generation') continue;
        if (!deepEqual(before.metadata[metaKey], after.metadata[metaKey])) paths.push(`metadata.${metaKey}`);
      }
    } else if (!deepEqual(before[key], after[key])) {
      const b = before[key];
      const a = after[key];
      if (
        b &&
        a &&
        typeof b === 'object' &&
        typeof a === 'object' &&
        !Array.isArray(a) &&
        !Array.isArray(b)
      ) {
        const inner = new Set([...Object.keys(b), ...Object.keys(a)]);
        const changed = [...inner]
          .sort()
          .filter((k) => !deepEqual((b as Record<string, unknown>)[k], (a as Record<string, unknown>)[k]));
        paths.push(...changed.map((k) => `${key}.${k}`));
      } else {
        paths.push(key);
      }
    }
  }
  return paths.join(', ');
}
