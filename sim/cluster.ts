// An in-memory Kubernetes API server for the emulator: objects with the server-owned metadata
// (uid, generation, resourceVersion, deletionTimestamp), finalizers, a status subresource, and a
// garbage collector for owner references. Every write is recorded with who made it.
import { createHash } from 'node:crypto';
import type { RandomSource } from '../compositions/credentials.js';
import { CHILD_KINDS, type OwnerReference, RELATED_KINDS } from '../compositions/kube.js';

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

// ---- kinds ------------------------------------------------------------------------------------

export interface KindInfo {
  readonly apiVersion: string;
  readonly kind: string;
  /** Plural resource, as customize rules and kubectl name it. */
  readonly resource: string;
  readonly shortNames: readonly string[];
  /** Whether the API server keeps metadata.generation (not for Secrets or PVCs). */
  readonly generation: boolean;
  /** Whether `status` is a subresource that ordinary updates cannot change. */
  readonly statusSubresource: boolean;
}

const info = (
  ref: { apiVersion: string; kind: string; resource: string },
  shortNames: string[],
  generation = true,
  statusSubresource = true,
): KindInfo => ({ ...ref, shortNames, generation, statusSubresource });

/** Every kind the emulator knows: the children, what the hooks read, and what operators create. */
export const KINDS: readonly KindInfo[] = [
  info(RELATED_KINDS.WeightsAndBiases, ['wandb']),
  info(CHILD_KINDS.PerconaXtraDBCluster, ['pxc', 'pxcs']),
  info(CHILD_KINDS.Redis, []),
  info(CHILD_KINDS.RedisReplication, []),
  info(CHILD_KINDS.RedisSentinel, []),
  info(CHILD_KINDS.Kafka, ['k']),
  info(CHILD_KINDS.KafkaNodePool, ['knp']),
  info(CHILD_KINDS.Tenant, []),
  info(CHILD_KINDS.ClickHouseInstallation, ['chi']),
  info(CHILD_KINDS.ClickHouseKeeperInstallation, ['chk']),
  info(RELATED_KINDS.StatefulSet, ['sts']),
  info({ apiVersion: 'v1', kind: 'Secret', resource: 'secrets' }, [], false, false),
  info({ apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' }, ['cm'], false, false),
  info(
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims' },
    ['pvc'],
    false,
  ),
];

const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';

export function kindInfo(apiVersion: string, kind: string): KindInfo | undefined {
  return KINDS.find((k) => groupOf(k.apiVersion) === groupOf(apiVersion) && k.kind === kind);
}

/** A kind by `apiVersion` + plural resource, as in Metacontroller's childResources and related rules. */
export const kindByResource = (apiVersion: string, resource: string): KindInfo | undefined =>
  KINDS.find((k) => k.apiVersion === apiVersion && k.resource === resource);

/** A kind by the name kubectl accepts: kind, plural, singular, short name, or `<plural>.<group>`. */
export function kindByKubectlName(name: string): KindInfo | undefined {
  const lower = name.toLowerCase();
  return KINDS.find((k) => {
    const group = groupOf(k.apiVersion);
    const singular = k.kind.toLowerCase();
    const names = [singular, k.resource, ...k.shortNames];
    return names.includes(lower) || (group !== '' && names.some((n) => `${n}.${group}` === lower));
  });
}

// ---- time and randomness -----------------------------------------------------------------------

/** RFC 3339 in UTC with second precision, as metav1.Time serializes. */
export const formatTime = (millis: number): string =>
  new Date(millis).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class Clock {
  private millis: number;

  constructor(start: string) {
    const parsed = Date.parse(start);
    if (Number.isNaN(parsed)) throw new Error(`not a time: "${start}" (expected e.g. 2026-01-01T00:00:00Z)`);
    this.millis = parsed;
  }

  now(): string {
    return formatTime(this.millis);
  }

  advance(seconds: number): void {
    this.millis += Math.round(seconds * 1000);
  }
}

/** A deterministic byte stream (SHA-256 in counter mode): the same seed and stream give the same bytes. */
export function seededRandom(seed: string, stream: string): RandomSource {
  let counter = 0;
  let pending = Buffer.alloc(0);
  return (length) => {
    while (pending.length < length) {
      const block = createHash('sha256').update(`${seed}\u0000${stream}\u0000${counter++}`).digest();
      pending = Buffer.concat([pending, block]);
    }
    const bytes = new Uint8Array(pending.subarray(0, length));
    pending = pending.subarray(length);
    return bytes;
  };
}

/** UUIDs (version 4 layout) from a random source. */
export function uuidFrom(random: RandomSource): () => string {
  return () => {
    const b = Buffer.from(random(16));
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const hex = b.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
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
  readonly uid: () => string;
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
    return [...this.objects.values()].sort((a, b) => compareKeys(keyOf(a), keyOf(b))).map((o) => clone(o));
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
    const meta = created.metadata;
    for (const field of SYSTEM_FIELDS) delete meta[field];
    meta.uid = this.options.uid();
    meta.resourceVersion = this.nextRevision();
    meta.creationTimestamp = this.now();
    if (kindInfo(created.apiVersion, created.kind)?.generation ?? true) meta.generation = 1;
    normalizeMetadata(created);
    this.objects.set(storeKey(created.apiVersion, created.kind, namespace, meta.name), created);
    this.record('create', created, detail);
    return clone(created);
  }

  /**
   * Loads an object as it was observed elsewhere (render --observed): its uid, generation,
   * timestamps and status are kept; only missing server fields are filled in.
   */
  restore(object: Obj): Obj {
    const namespace = object.metadata.namespace;
    if (!namespace) throw new ApiError('Invalid', `${describe(object)}: metadata.namespace is required`);
    if (this.stored(keyOf(object))) {
      throw new ApiError('AlreadyExists', `${describe(object)} appears twice in namespace ${namespace}`);
    }
    const restored = clone(object);
    const meta = restored.metadata;
    meta.uid ??= this.options.uid();
    meta.resourceVersion = this.nextRevision();
    meta.creationTimestamp ??= this.now();
    if ((kindInfo(restored.apiVersion, restored.kind)?.generation ?? true) && meta.generation === undefined)
      meta.generation = 1;
    this.objects.set(storeKey(restored.apiVersion, restored.kind, namespace, meta.name), restored);
    return clone(restored);
  }

  /**
   * PUT: replaces everything but the status (when it is a subresource) and the system fields.
   * `metadata.resourceVersion`, when set, must be current; `metadata.uid`, when set, must match.
   */
  update(object: Obj, detail?: string): Obj {
    const current = this.requireCurrent(object);
    const next = clone(object);
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

  // ---- garbage collection ------------------------------------------------------------------------

  /**
   * The garbage collector, run until nothing changes (kube-controller-manager's attemptToDeleteItem):
   * each owner reference is solid (the owner exists), dangling (it is gone) or waiting (the owner
   * is being deleted with `foregroundDeletion`). A dependent with a solid owner only loses its
   * dangling and waiting references; one without is deleted (Foreground if it is waited for and
   * has dependents of its own, else Background). An owner deleted with `orphan` first loses its
   * dependents' references to it; one deleted with `foregroundDeletion` keeps that finalizer until
   * no dependent that blocks owner deletion is left.
   */
  collectGarbage(): void {
    this.as('garbage-collector', () => {
      for (let pass = 0; pass < 1000; pass++) {
        if (!this.gcPass()) return;
      }
      throw new Error('garbage collection did not settle in 1000 passes');
    });
  }

  private gcPass(): boolean {
    const objects = [...this.objects.values()].sort(compareStored);
    const byUid = new Map(objects.map((o) => [o.metadata.uid ?? '', o]));
    const terminating = (o: Obj, finalizer: string) =>
      o.metadata.deletionTimestamp !== undefined && (o.metadata.finalizers ?? []).includes(finalizer);
    const dependentsOf = (owner: Obj) =>
      objects.filter((o) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid));
    const removeFinalizer = (owner: Obj, finalizer: string, detail: string) =>
      this.modify(
        keyOf(owner),
        (o) => {
          o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
          return true;
        },
        detail,
      );
    const dropReferences = (dependent: Obj, uids: ReadonlySet<string>, detail: string) =>
      this.modify(
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
        removeFinalizer(
          owner,
          ORPHAN_FINALIZER,
          `dependents orphaned; finalizer ${ORPHAN_FINALIZER} removed`,
        );
        return true;
      }
      if (terminating(owner, FOREGROUND_FINALIZER)) {
        const blocking = dependentsOf(owner).some((d) =>
          (d.metadata.ownerReferences ?? []).some(
            (r) => r.uid === owner.metadata.uid && r.blockOwnerDeletion,
          ),
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
      this.delete(keyOf(object), {
        propagation: foreground ? 'Foreground' : 'Background',
        detail: waiting.length > 0 ? `foreground deletion of ${gone}` : `owner ${gone} is gone`,
      });
      return true;
    }
    return false;
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

const compareStored = (a: Obj, b: Obj) => compareKeys(keyOf(a), keyOf(b));

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
