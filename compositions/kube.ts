// Kubernetes object shapes as the hooks see them, the child kinds we own, and an index of the
// objects Metacontroller observed. Keys of Metacontroller's maps differ between hook versions, so
// objects are always indexed by their own apiVersion, kind and name.

export type Labels = Readonly<Record<string, string>>;

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string | undefined;
  readonly uid?: string | undefined;
  readonly generation?: number | undefined;
  readonly creationTimestamp?: string | undefined;
  readonly deletionTimestamp?: string | undefined;
  readonly labels?: Labels | undefined;
  readonly annotations?: Labels | undefined;
  readonly finalizers?: readonly string[] | undefined;
  readonly ownerReferences?: readonly unknown[] | undefined;
  readonly [key: string]: unknown;
}

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [key: string]: unknown;
}

/** A desired child: plain data, only the fields we own. */
export interface Child {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: OwnerReference[];
  };
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KindRef {
  readonly apiVersion: string;
  readonly kind: string;
  /** Plural resource name, as Metacontroller's childResources and relatedResources want it. */
  readonly resource: string;
}

const kind = (apiVersion: string, kindName: string, resource: string): KindRef => ({
  apiVersion,
  kind: kindName,
  resource,
});

/** Every kind the CompositeController owns; manifests/composite-controller.yaml lists exactly these. */
export const CHILD_KINDS = {
  PerconaXtraDBCluster: kind('pxc.percona.com/v1', 'PerconaXtraDBCluster', 'perconaxtradbclusters'),
  Redis: kind('redis.redis.opstreelabs.in/v1beta2', 'Redis', 'redis'),
  RedisReplication: kind('redis.redis.opstreelabs.in/v1beta2', 'RedisReplication', 'redisreplications'),
  RedisSentinel: kind('redis.redis.opstreelabs.in/v1beta2', 'RedisSentinel', 'redissentinels'),
  Kafka: kind('kafka.strimzi.io/v1', 'Kafka', 'kafkas'),
  KafkaNodePool: kind('kafka.strimzi.io/v1', 'KafkaNodePool', 'kafkanodepools'),
  Tenant: kind('minio.min.io/v2', 'Tenant', 'tenants'),
  ClickHouseInstallation: kind(
    'clickhouse.altinity.com/v1',
    'ClickHouseInstallation',
    'clickhouseinstallations',
  ),
  ClickHouseKeeperInstallation: kind(
    'clickhouse-keeper.altinity.com/v1',
    'ClickHouseKeeperInstallation',
    'clickhousekeeperinstallations',
  ),
} as const;

/** Kinds we only read, through customize rules. */
export const RELATED_KINDS = {
  StatefulSet: kind('apps/v1', 'StatefulSet', 'statefulsets'),
  Secret: kind('v1', 'Secret', 'secrets'),
  PersistentVolumeClaim: kind('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims'),
  Pod: kind('v1', 'Pod', 'pods'),
  WeightsAndBiases: kind('apps.wandb.com/v2', 'WeightsAndBiases', 'weightsandbiases'),
} as const;

type Typed = { readonly apiVersion: string; readonly kind: string };

export const sameKind = (a: Typed, b: Typed): boolean => a.apiVersion === b.apiVersion && a.kind === b.kind;

export function getOrAdd<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/** Objects Metacontroller observed (children or related), looked up by kind and name. */
export class ObservedObjects {
  // apiVersion → kind → name: lookups hash strings that already exist (V8 caches their hashes), where
  // a key concatenated per call was built and hashed anew each time, a quarter of a sync.
  private readonly index = new Map<string, Map<string, Map<string, KubeObject>>>();
  private readonly objects: KubeObject[];
  private sorted: readonly KubeObject[] | undefined;

  constructor(objects: Iterable<KubeObject>) {
    this.objects = [];
    for (const object of objects) {
      const byKind = getOrAdd(this.index, object.apiVersion, () => new Map());
      getOrAdd(byKind, object.kind, () => new Map<string, KubeObject>()).set(object.metadata.name, object);
      this.objects.push(object);
    }
  }

  /**
   * Every object, sorted so that anything derived from the order is independent of the request's map
   * order. Sorted on first use: most related objects are only ever looked up by name.
   */
  get all(): readonly KubeObject[] {
    this.sorted ??= [...this.objects].sort(compareObjects);
    return this.sorted;
  }

  /** Metacontroller's `{ "<Kind>.<group>/<version>": { "<key>": object } }` maps, flattened. */
  static fromMaps(...maps: ReadonlyArray<Readonly<Record<string, Readonly<Record<string, KubeObject>>>>>) {
    const objects: KubeObject[] = [];
    // Loops rather than nested flatMap, which V8 runs through a slow generic path; no `push(...group)`,
    // whose arguments overflow the stack for a group of a few hundred thousand objects.
    for (const map of maps) {
      for (const group of Object.values(map)) for (const object of Object.values(group)) objects.push(object);
    }
    return new ObservedObjects(objects);
  }

  get(ref: Typed, name: string): KubeObject | undefined {
    return this.index.get(ref.apiVersion)?.get(ref.kind)?.get(name);
  }

  has(ref: Typed, name: string): boolean {
    return this.get(ref, name) !== undefined;
  }

  /** The objects of one kind, in the order of `all`. */
  ofKind(ref: Typed): KubeObject[] {
    return this.objects.filter((object) => sameKind(object, ref)).sort(compareObjects);
  }
}

export function compareObjects(
  a: { apiVersion: string; kind: string; metadata: { name: string } },
  b: { apiVersion: string; kind: string; metadata: { name: string } },
): number {
  return (
    compareStrings(a.apiVersion, b.apiVersion) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.metadata.name, b.metadata.name)
  );
}

export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** What decides which of two parents in a namespace came first. */
export interface Seniority {
  readonly creationTimestamp: string;
  readonly uid: string;
}

export const seniorityOf = (object: KubeObject): Seniority => ({
  creationTimestamp: object.metadata.creationTimestamp ?? '',
  uid: object.metadata.uid ?? '',
});

/** Older first: creation time (RFC 3339 in UTC, so text order is time order), then UID. */
export const isOlder = (a: Seniority, b: Seniority): boolean =>
  (compareStrings(a.creationTimestamp, b.creationTimestamp) || compareStrings(a.uid, b.uid)) < 0;

/** Reads a nested field of an observed object without trusting its shape. */
export function field(object: unknown, ...path: string[]): unknown {
  return fieldAt(object, path);
}

// The typed readers pass their path on rather than spreading it again: they run thousands of times a sync.
function fieldAt(object: unknown, path: readonly string[]): unknown {
  let value: unknown = object;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export const stringField = (object: unknown, ...path: string[]): string | undefined => {
  const value = fieldAt(object, path);
  return typeof value === 'string' ? value : undefined;
};

export const numberField = (object: unknown, ...path: string[]): number | undefined => {
  const value = fieldAt(object, path);
  return typeof value === 'number' ? value : undefined;
};

/** 0, 1, …, n − 1. */
export function range(n: number): number[] {
  const numbers: number[] = [];
  for (let i = 0; i < n; i++) numbers.push(i);
  return numbers;
}
