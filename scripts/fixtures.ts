// Writes the request.json of every golden fixture (test/fixtures/<route>/<scenario>/). Each scenario
// is played on a small simulated namespace: Metacontroller's claiming, three-way apply, deletion and
// status writes, the API server's CRD defaulting and garbage collection, and the five operators'
// statuses and side objects; the request is what Metacontroller would send at that moment.
// Run `npx tsx scripts/fixtures.ts`, then `npm run test:update` for the response.json files.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { LAST_APPLIED_ANNOTATION } from '../compositions/freeze.js';
import { canonicalJson, stableHash } from '../compositions/hash.js';
import {
  CHILD_KINDS,
  type Child,
  compareObjects,
  type KindRef,
  type OwnerReference,
  RELATED_KINDS,
  sameKind,
} from '../compositions/kube.js';
import type { RelatedResourceRule } from '../compositions/metacontroller.js';
import { compositeHook, customizeHook, secretsCustomizeHook, secretsSyncHook } from '../hooks/handlers.js';
import type { Obj } from '../sim/cluster.js';
import { validateAgainstCrd } from '../sim/crd-validator.js';
import { applyUpdate, controllerRef, goJson, objectMap } from '../sim/metacontroller.js';
import { REPO_ROOT, sharedDir } from '../sim/shared.js';
import { NOW, PARENT_UID, xorshiftRandom } from '../sim/story.js';

const NAMESPACE = 'wandb';
const PARENT_NAME = 'wandb';
const COMPOSITE_NAME = 'wandb-infra';
const DECORATOR_NAME = 'wandb-secrets';
const PARENT_FINALIZER = `metacontroller.io/compositecontroller-${COMPOSITE_NAME}`;
const SELECTOR_LABEL = 'controller-uid';
const DECORATOR_ANNOTATION = 'metacontroller.k8s.io/decorator-controller';
const KUBECTL_LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

type Json = Record<string, unknown>;
type Typed = { readonly apiVersion: string; readonly kind: string };

const isJson = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const clone = <T>(value: T): T => structuredClone(value);
const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/** Keys sorted at every level: Metacontroller marshals unstructured objects (Go maps) that way. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isJson(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

// ---- time and identities ------------------------------------------------------------------------------

const NOW_MS = Date.parse(NOW);
/** `seconds` before the test app's fixed clock, as metav1.Time renders it. */
const before = (seconds: number): string =>
  new Date(NOW_MS - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A stable UUID-shaped identifier for a seed. */
function uuid(seed: string): string {
  const hex = stableHash(seed) + stableHash(`${seed}#`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// ---- CRD defaulting (the API server fills `default:` values on every write) ------------------------------

const crdSchemas = loadCrdSchemas();

function yamlFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const full = path.join(directory, entry);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return entry.endsWith('.yaml') ? [full] : [];
  });
}

function loadCrdSchemas(): Map<string, Json> {
  const schemas = new Map<string, Json>();
  const files = [...yamlFiles(path.join(sharedDir(), 'crds')), path.join(REPO_ROOT, 'manifests', 'crd.yaml')];
  for (const file of files) {
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = document.toJS() as Json | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const spec = crd.spec as {
        group: string;
        names: { kind: string };
        versions: Array<{ name: string; schema?: { openAPIV3Schema?: Json } }>;
      };
      for (const version of spec.versions) {
        const schema = version.schema?.openAPIV3Schema;
        if (schema) schemas.set(`${spec.group}/${version.name} ${spec.names.kind}`, schema);
      }
    }
  }
  return schemas;
}

function applyDefaults(value: unknown, schema: unknown): void {
  if (!isJson(schema)) return;
  if (Array.isArray(value)) {
    for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isJson(value)) return;
  if (isJson(schema.properties)) {
    for (const [key, property] of Object.entries(schema.properties)) {
      if (value[key] === undefined && isJson(property) && property.default !== undefined) {
        value[key] = clone(property.default);
      }
      if (value[key] !== undefined) applyDefaults(value[key], property);
    }
  }
  if (isJson(schema.additionalProperties)) {
    for (const item of Object.values(value)) applyDefaults(item, schema.additionalProperties);
  }
}

function withDefaults<T extends { apiVersion: string; kind: string; spec?: unknown }>(object: T): T {
  const schema = crdSchemas.get(`${object.apiVersion} ${object.kind}`);
  const specSchema = isJson(schema) && isJson(schema.properties) ? schema.properties.spec : undefined;
  if (object.spec !== undefined) applyDefaults(object.spec, specSchema);
  return object;
}

/** Every custom resource in a request must be valid for its CRD, statuses included. */
function assertValid(object: Obj): void {
  if (!Object.values(CHILD_KINDS).some((k) => sameKind(object, k))) return;
  const { name, namespace, labels, annotations, finalizers } = object.metadata;
  const result = validateAgainstCrd({
    ...object,
    metadata: {
      name,
      namespace,
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
      ...(finalizers ? { finalizers } : {}),
    },
  });
  if (!result.valid) {
    throw new Error(`${object.kind} ${object.metadata.name} is not valid: ${result.errors.join('; ')}`);
  }
}

// ---- the simulated namespace -----------------------------------------------------------------------------

const WANDB = RELATED_KINDS.WeightsAndBiases;
const SECRET = RELATED_KINDS.Secret;
const PVC = RELATED_KINDS.PersistentVolumeClaim;
const STATEFUL_SET = RELATED_KINDS.StatefulSet;
const CHILD_REFS: readonly KindRef[] = Object.values(CHILD_KINDS);
const KNOWN_KINDS: readonly KindRef[] = [...CHILD_REFS, ...Object.values(RELATED_KINDS)];
/** Kinds whose metadata.generation the API server tracks (custom resources and StatefulSets). */
const hasGeneration = (object: Typed) => object.apiVersion !== 'v1';

const objectKey = (ref: Typed, name: string) => `${ref.apiVersion} ${ref.kind} ${name}`;

class Cluster {
  now: string;
  /** The DecoratorController's randomness, seeded as testApp() seeds it. */
  readonly random = xorshiftRandom(1);
  private readonly objects = new Map<string, Obj>();
  private revision = 4_812_000;

  constructor(
    private readonly story: string,
    start: string,
  ) {
    this.now = start;
  }

  at(time: string): this {
    this.now = time;
    return this;
  }

  get(ref: Typed, name: string): Obj | undefined {
    return this.objects.get(objectKey(ref, name));
  }

  must(ref: Typed, name: string): Obj {
    const object = this.get(ref, name);
    if (!object) throw new Error(`${ref.kind} ${name} does not exist in story ${this.story}`);
    return object;
  }

  list(ref?: Typed): Obj[] {
    return [...this.objects.values()].filter((o) => !ref || sameKind(o, ref)).sort(compareObjects);
  }

  /** POST: false when the object already exists (Metacontroller swallows AlreadyExists). */
  create(object: Obj): boolean {
    const key = objectKey(object, object.metadata.name);
    if (this.objects.has(key)) return false;
    const created = withDefaults(clone(object));
    created.metadata = {
      ...created.metadata,
      namespace: NAMESPACE,
      uid: object.metadata.uid ?? uuid(`${this.story}/${object.kind}/${object.metadata.name}/${this.now}`),
      resourceVersion: this.nextRevision(),
      creationTimestamp: this.now,
      ...(hasGeneration(object) ? { generation: 1 } : {}),
    };
    this.objects.set(key, created);
    return true;
  }

  /** PUT: a new resourceVersion when anything changed, a new generation when more than metadata did. */
  update(object: Obj): void {
    const current = this.must(object, object.metadata.name);
    const next = withDefaults(clone(object));
    next.metadata = { ...next.metadata, resourceVersion: current.metadata.resourceVersion ?? '' };
    if (same(next, current)) return;
    const body = ({ metadata: _m, status: _s, ...rest }: Obj) => rest;
    if (current.metadata.generation !== undefined && !same(body(next), body(current))) {
      next.metadata.generation = current.metadata.generation + 1;
    }
    next.metadata.resourceVersion = this.nextRevision();
    this.objects.set(objectKey(next, next.metadata.name), next);
  }

  /** PUT /status. */
  setStatus(ref: Typed, name: string, status: Json | undefined): void {
    const current = this.must(ref, name);
    const next: Obj = { ...current, metadata: { ...current.metadata, resourceVersion: this.nextRevision() } };
    if (status === undefined) delete next.status;
    else next.status = status;
    this.objects.set(objectKey(ref, name), next);
  }

  mutate(ref: Typed, name: string, change: (object: Obj) => void): void {
    const next = clone(this.must(ref, name));
    change(next);
    this.update(next);
  }

  /** DELETE (background): an object with finalizers only gets its deletionTimestamp. */
  delete(ref: Typed, name: string): void {
    const current = this.get(ref, name);
    if (!current) return;
    if ((current.metadata.finalizers ?? []).length > 0) {
      if (current.metadata.deletionTimestamp === undefined) {
        current.metadata.deletionTimestamp = this.now;
        current.metadata.deletionGracePeriodSeconds = 0;
        current.metadata.resourceVersion = this.nextRevision();
      }
    } else {
      this.objects.delete(objectKey(ref, name));
    }
    this.collectGarbage();
  }

  removeFinalizers(ref: Typed, name: string, remove: (finalizer: string) => boolean): void {
    const current = this.must(ref, name);
    const finalizers = (current.metadata.finalizers ?? []).filter((f) => !remove(f));
    if (current.metadata.deletionTimestamp !== undefined && finalizers.length === 0) {
      this.objects.delete(objectKey(ref, name));
      this.collectGarbage();
      return;
    }
    current.metadata.finalizers = finalizers;
    current.metadata.resourceVersion = this.nextRevision();
  }

  /** The garbage collector: owners gone → dependents deleted, or the dangling references dropped. */
  private collectGarbage(): void {
    for (let changed = true; changed; ) {
      changed = false;
      const uids = new Set(this.list().map((o) => o.metadata.uid));
      for (const object of this.list()) {
        const owners = object.metadata.ownerReferences ?? [];
        if (owners.length === 0) continue;
        const alive = owners.filter((o) => uids.has(o.uid));
        if (alive.length === owners.length) continue;
        if (alive.length === 0) {
          if (object.metadata.deletionTimestamp !== undefined) continue;
          if ((object.metadata.finalizers ?? []).length > 0) {
            object.metadata.deletionTimestamp = this.now;
            object.metadata.resourceVersion = this.nextRevision();
          } else {
            this.objects.delete(objectKey(object, object.metadata.name));
          }
        } else {
          object.metadata.ownerReferences = alive;
          object.metadata.resourceVersion = this.nextRevision();
        }
        changed = true;
      }
    }
  }

  private nextRevision(): string {
    this.revision += 7;
    return String(this.revision);
  }
}

// ---- Metacontroller ------------------------------------------------------------------------------------

function controllerObject(file: string, uidSeed: string): Json {
  const object = parseYaml(readFileSync(path.join(REPO_ROOT, 'manifests', file), 'utf8')) as Obj & {
    spec: Json;
  };
  withDefaults(object);
  return sortKeys({
    ...object,
    metadata: {
      ...object.metadata,
      uid: uuid(uidSeed),
      resourceVersion: '1204',
      generation: 1,
      creationTimestamp: '2025-12-01T09:00:00Z',
    },
    status: {},
  }) as Json;
}

const COMPOSITE_CONTROLLER = controllerObject('composite-controller.yaml', 'controller/wandb-infra');
const DECORATOR_CONTROLLER = controllerObject('decorator-controller.yaml', 'controller/wandb-secrets');

const controlledBy = (object: Obj, parent: Obj) =>
  object.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === parent.metadata.uid) ??
  false;

/** Hook v2's object map, with keys in Go's order (Metacontroller marshals unstructured Go maps). */
function sortedObjectMap(kinds: readonly Typed[], objects: readonly Obj[]) {
  return objectMap(
    [...objects].sort(compareObjects).map((o) => sortKeys(o) as Obj),
    kinds,
  );
}

function kindOfResource(apiVersion: string, resource: string): KindRef {
  const ref = KNOWN_KINDS.find((k) => k.apiVersion === apiVersion && k.resource === resource);
  if (!ref) throw new Error(`no kind for ${apiVersion} ${resource}`);
  return ref;
}

/** What Metacontroller's customize manager returns for the rules: objects by name or all, per namespace. */
function relatedObjects(cluster: Cluster, rules: readonly RelatedResourceRule[]) {
  const kinds = rules.map((rule) => kindOfResource(rule.apiVersion, rule.resource));
  const objects = rules.flatMap((rule) =>
    cluster
      .list(kindOfResource(rule.apiVersion, rule.resource))
      .filter(
        (o) =>
          o.metadata.namespace === rule.namespace && (!rule.names || rule.names.includes(o.metadata.name)),
      ),
  );
  const unique = [...new Map(objects.map((o) => [objectKey(o, o.metadata.name), o])).values()];
  return sortedObjectMap(kinds, unique);
}

/** ManageChildren: delete what is not desired, create what is missing, apply the rest in place. */
function manageChildren(
  cluster: Cluster,
  parent: Obj,
  observed: readonly Obj[],
  desired: readonly Child[],
  prepare: (child: Obj) => Obj,
): void {
  for (const object of observed) {
    const wanted = desired.some((d) => sameKind(d, object) && d.metadata.name === object.metadata.name);
    if (!wanted && object.metadata.deletionTimestamp === undefined) {
      cluster.delete(object, object.metadata.name);
    }
  }
  for (const child of desired) {
    const applied = prepare(clone(child) as Obj);
    const current = cluster.get(applied, applied.metadata.name);
    if (current && observed.some((o) => o.metadata.uid === current.metadata.uid)) {
      if (current.metadata.deletionTimestamp !== undefined) continue;
      cluster.update(applyUpdate(current, applied));
    } else {
      cluster.create({
        ...applied,
        metadata: {
          ...applied.metadata,
          annotations: { ...applied.metadata.annotations, [LAST_APPLIED_ANNOTATION]: goJson(applied) },
          ownerReferences: [...(applied.metadata.ownerReferences ?? []), controllerRef(parent)],
        },
      });
    }
  }
}

// ---- the CompositeController -----------------------------------------------------------------------------

function compositeRequest(cluster: Cluster, parentName = PARENT_NAME): Json {
  const parent = cluster.must(WANDB, parentName);
  const rules = customizeHook({ controller: COMPOSITE_CONTROLLER, parent }).body.relatedResources;
  const children = cluster
    .list()
    .filter(
      (o) =>
        CHILD_REFS.some((k) => sameKind(o, k)) &&
        controlledBy(o, parent) &&
        o.metadata.labels?.[SELECTOR_LABEL] === parent.metadata.uid,
    );
  for (const object of cluster.list()) assertValid(object);
  return {
    controller: COMPOSITE_CONTROLLER,
    parent: sortKeys(parent),
    children: sortedObjectMap(CHILD_REFS, children),
    related: relatedObjects(cluster, rules),
    finalizing: parent.metadata.deletionTimestamp !== undefined,
  };
}

/** One composite sync (or finalize) pass, applied as Metacontroller applies it; returns the request. */
function compositeSync(cluster: Cluster, parentName = PARENT_NAME): Json {
  const request = compositeRequest(cluster, parentName);
  const { body: result } = compositeHook(request, { now: cluster.now });

  const parent = cluster.must(WANDB, parentName);
  const finalizers = parent.metadata.finalizers ?? [];
  const deleting = parent.metadata.deletionTimestamp !== undefined;
  const children = cluster
    .list()
    .filter((o) => CHILD_REFS.some((k) => sameKind(o, k)) && controlledBy(o, parent));
  if (deleting && result.finalized === true) {
    cluster.removeFinalizers(WANDB, parentName, (f) => f === PARENT_FINALIZER);
    return request;
  }
  const gcFinalizer = finalizers.includes('orphan') || finalizers.includes('foregroundDeletion');
  if (!deleting || (finalizers.includes(PARENT_FINALIZER) && !gcFinalizer)) {
    manageChildren(cluster, parent, children, result.children, (child) => ({
      ...child,
      metadata: {
        ...child.metadata,
        namespace: NAMESPACE,
        labels: { ...child.metadata.labels, [SELECTOR_LABEL]: parent.metadata.uid ?? '' },
      },
    }));
  }
  cluster.setStatus(WANDB, parentName, { ...result.status, observedGeneration: parent.metadata.generation });
  return request;
}

// ---- the DecoratorController --------------------------------------------------------------------------

/** The Secrets the DecoratorController attached to `parent`: controlled by it and marked as ours. */
const attachmentsOf = (cluster: Cluster, parent: Obj) =>
  cluster
    .list(SECRET)
    .filter(
      (o) => controlledBy(o, parent) && o.metadata.annotations?.[DECORATOR_ANNOTATION] === DECORATOR_NAME,
    );

function decoratorRequest(cluster: Cluster, parentName = PARENT_NAME): Json {
  const parent = cluster.must(WANDB, parentName);
  const rules = secretsCustomizeHook({ controller: DECORATOR_CONTROLLER, parent }).body.relatedResources;
  const attachments = attachmentsOf(cluster, parent);
  for (const object of cluster.list()) assertValid(object);
  return {
    controller: DECORATOR_CONTROLLER,
    object: sortKeys(parent),
    attachments: sortedObjectMap([SECRET], attachments),
    related: relatedObjects(cluster, rules),
    finalizing: false,
  };
}

function decoratorSync(cluster: Cluster, parentName = PARENT_NAME): Json {
  const request = decoratorRequest(cluster, parentName);
  const { body: result } = secretsSyncHook(request, { random: cluster.random });
  const parent = cluster.must(WANDB, parentName);
  const attached = attachmentsOf(cluster, parent);
  manageChildren(cluster, parent, attached, result.attachments, (child) => ({
    ...child,
    metadata: {
      ...child.metadata,
      annotations: { ...child.metadata.annotations, [DECORATOR_ANNOTATION]: DECORATOR_NAME },
    },
  }));
  return request;
}

// ---- the parent ------------------------------------------------------------------------------------------

/** `kubectl apply` of a parent manifest: created, or its spec replaced (a new generation). */
function applyParent(cluster: Cluster, spec: Json, options: { name?: string; uid?: string } = {}): void {
  const name = options.name ?? PARENT_NAME;
  const manifest = {
    apiVersion: WANDB.apiVersion,
    kind: WANDB.kind,
    metadata: { annotations: {}, name, namespace: NAMESPACE },
    spec,
  };
  const annotations = { [KUBECTL_LAST_APPLIED]: `${canonicalJson(manifest)}\n` };
  const existing = cluster.get(WANDB, name);
  if (existing) {
    cluster.update({ ...existing, metadata: { ...existing.metadata, annotations }, spec: clone(spec) });
    return;
  }
  cluster.create({
    ...manifest,
    metadata: { name, uid: options.uid ?? PARENT_UID, annotations },
    spec: clone(spec),
  });
  // Metacontroller adds its finalizer before the first hook call.
  cluster.mutate(WANDB, name, (parent) => {
    parent.metadata.finalizers = [PARENT_FINALIZER];
  });
}

// ---- the operators ---------------------------------------------------------------------------------------

const PXC = CHILD_KINDS.PerconaXtraDBCluster;
const KAFKA = CHILD_KINDS.Kafka;
const NODE_POOL = CHILD_KINDS.KafkaNodePool;
const TENANT = CHILD_KINDS.Tenant;
const CHI = CHILD_KINDS.ClickHouseInstallation;
const CHK = CHILD_KINDS.ClickHouseKeeperInstallation;
const REDIS_KINDS = [CHILD_KINDS.Redis, CHILD_KINDS.RedisReplication, CHILD_KINDS.RedisSentinel];

const OPSTREE_FINALIZERS: Record<string, string> = {
  Redis: 'redisFinalizer',
  RedisReplication: 'redisReplicationFinalizer',
  RedisSentinel: 'redisSentinelFinalizer',
};
const ALTINITY_FINALIZER = 'finalizer.clickhouseinstallation.altinity.com';
const CHOP = { 'chop-version': '0.25.4', 'chop-commit': '0cf33cf', 'chop-date': '2025-09-18T10:12:44' };

type Phase = 'starting' | 'ready';

const live = (cluster: Cluster, ref: Typed) =>
  cluster.list(ref).filter((o) => o.metadata.deletionTimestamp === undefined);
const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const spec = (object: Obj): Json => (isJson(object.spec) ? object.spec : {});

/** Operators add their finalizers as soon as they see their custom resources. */
function addOperatorFinalizers(cluster: Cluster): void {
  for (const ref of [...REDIS_KINDS, CHI]) {
    for (const object of live(cluster, ref)) {
      const finalizer = ref === CHI ? ALTINITY_FINALIZER : (OPSTREE_FINALIZERS[ref.kind] ?? '');
      const finalizers = object.metadata.finalizers ?? [];
      if (!finalizers.includes(finalizer)) {
        cluster.mutate(ref, object.metadata.name, (o) => {
          o.metadata.finalizers = [...finalizers, finalizer];
        });
      }
    }
  }
}

/** Strimzi: the initial status of a new Kafka (KafkaAssemblyOperator's "being deployed"). */
function strimziCreating(cluster: Cluster): void {
  for (const object of live(cluster, KAFKA)) {
    if (object.status !== undefined) continue;
    cluster.setStatus(KAFKA, object.metadata.name, {
      conditions: [
        {
          type: 'NotReady',
          status: 'True',
          reason: 'Creating',
          message: 'Kafka cluster is being deployed',
          lastTransitionTime: cluster.now,
        },
      ],
    });
  }
}

function percona(cluster: Cluster, phase: Phase): void {
  for (const pxc of live(cluster, PXC)) {
    const name = pxc.metadata.name;
    const pxcSpec = spec(pxc);
    const nodes = num((pxcSpec.pxc as Json | undefined)?.size);
    const proxysql = isJson(pxcSpec.proxysql) ? pxcSpec.proxysql : {};
    const proxy = proxysql.enabled === true;
    const proxies = proxy ? num(proxysql.size) : 0;
    const ready = phase === 'ready';
    const selector = (component: string) =>
      `app.kubernetes.io/component=${component},app.kubernetes.io/instance=${name},app.kubernetes.io/managed-by=percona-xtradb-cluster-operator,app.kubernetes.io/name=percona-xtradb-cluster,app.kubernetes.io/part-of=percona-xtradb-cluster`;
    const previous = isJson(pxc.status) && Array.isArray(pxc.status.conditions) ? pxc.status.conditions : [];
    const state = ready ? 'ready' : 'initializing';
    const conditions = previous.some((c) => isJson(c) && c.type === state)
      ? previous
      : [...previous, { type: state, status: 'True', lastTransitionTime: cluster.now }];
    cluster.setStatus(PXC, name, {
      state,
      ...(ready ? { host: proxy ? `${name}-proxysql.${NAMESPACE}` : `${name}-pxc.${NAMESPACE}` } : {}),
      observedGeneration: pxc.metadata.generation,
      size: nodes + proxies,
      ready: ready ? nodes + proxies : 0,
      conditions,
      pxc: {
        status: state,
        size: nodes,
        ready: ready ? nodes : 0,
        ...(ready ? { version: '8.0.42-33.1', image: str((pxcSpec.pxc as Json).image) } : {}),
        labelSelectorPath: selector('pxc'),
      },
      ...(proxy
        ? {
            proxysql: {
              status: state,
              size: proxies,
              ready: ready ? proxies : 0,
              labelSelectorPath: selector('proxysql'),
            },
          }
        : {}),
      haproxy: {},
      logcollector: {},
      pmm: {},
      backup: {},
    });
  }
}

/** Opstree: StatefulSets named after the CRs (`<sentinel>-sentinel`), carrying the CR's labels. */
function opstree(cluster: Cluster, phase: Phase): void {
  const statefulSets: Array<{ cr: Obj; name: string; replicas: number; setup: string; image: string }> = [];
  for (const cr of live(cluster, CHILD_KINDS.Redis)) {
    statefulSets.push({
      cr,
      name: cr.metadata.name,
      replicas: 1,
      setup: 'standalone',
      image: str((spec(cr).kubernetesConfig as Json | undefined)?.image),
    });
  }
  for (const cr of live(cluster, CHILD_KINDS.RedisReplication)) {
    statefulSets.push({
      cr,
      name: cr.metadata.name,
      replicas: num(spec(cr).clusterSize),
      setup: 'replication',
      image: str((spec(cr).kubernetesConfig as Json | undefined)?.image),
    });
    if (phase === 'ready')
      cluster.setStatus(CHILD_KINDS.RedisReplication, cr.metadata.name, {
        masterNode: `${cr.metadata.name}-0`,
      });
  }
  for (const cr of live(cluster, CHILD_KINDS.RedisSentinel)) {
    statefulSets.push({
      cr,
      name: `${cr.metadata.name}-sentinel`,
      replicas: num(spec(cr).clusterSize),
      setup: 'sentinel',
      image: str((spec(cr).kubernetesConfig as Json | undefined)?.image),
    });
  }
  for (const { cr, name, replicas, setup, image } of statefulSets) {
    const selector = { app: name, redis_setup_type: setup, role: setup };
    if (!cluster.get(STATEFUL_SET, name)) {
      cluster.create({
        apiVersion: STATEFUL_SET.apiVersion,
        kind: STATEFUL_SET.kind,
        metadata: {
          name,
          labels: { ...selector, ...cr.metadata.labels },
          annotations: { 'redis.opstreelabs.in': 'true', 'redis.opstreelabs.instance': cr.metadata.name },
          ownerReferences: [{ ...controllerRef(cr), apiVersion: cr.apiVersion }],
        },
        spec: {
          replicas,
          serviceName: `${name}-headless`,
          selector: { matchLabels: selector },
          podManagementPolicy: 'OrderedReady',
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
          template: {
            metadata: { labels: { ...selector, ...cr.metadata.labels } },
            spec: {
              containers: [
                {
                  name,
                  image,
                  ports: [
                    {
                      name: setup === 'sentinel' ? 'sentinel-client' : 'redis-client',
                      containerPort: setup === 'sentinel' ? 26379 : 6379,
                      protocol: 'TCP',
                    },
                  ],
                },
              ],
            },
          },
        },
      });
    }
    const statefulSet = cluster.must(STATEFUL_SET, name);
    const revision = `${name}-${stableHash(name).slice(0, 10)}`;
    const readyReplicas = phase === 'ready' ? replicas : 0;
    cluster.setStatus(STATEFUL_SET, name, {
      observedGeneration: statefulSet.metadata.generation,
      replicas,
      ...(readyReplicas > 0 ? { readyReplicas, availableReplicas: readyReplicas } : {}),
      currentReplicas: replicas,
      updatedReplicas: replicas,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    });
  }
}

/** Strimzi: Ready with the cluster ID, the pool reconciled, and the PVCs (owned by the Kafka under deleteClaim). */
function strimzi(cluster: Cluster, phase: Phase): void {
  for (const kafkaCr of live(cluster, KAFKA)) {
    const name = kafkaCr.metadata.name;
    if (kafkaCr.metadata.annotations?.['strimzi.io/pause-reconciliation'] === 'true') continue;
    const pools = live(cluster, NODE_POOL).filter((p) => p.metadata.labels?.['strimzi.io/cluster'] === name);
    // KRaft cluster IDs are 16 random bytes in URL-safe base64 (22 characters).
    const clusterId = Buffer.from(uuid(`${name}/${kafkaCr.metadata.uid}`).replaceAll('-', ''), 'hex')
      .toString('base64url')
      .slice(0, 22);
    for (const pool of pools) reconcilePool(cluster, kafkaCr, pool, clusterId, phase);
    if (phase === 'starting') continue;
    const bootstrap = `${name}-kafka-bootstrap.${NAMESPACE}.svc`;
    cluster.setStatus(KAFKA, name, {
      observedGeneration: kafkaCr.metadata.generation,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: cluster.now }],
      listeners: [
        {
          name: 'plain',
          bootstrapServers: `${bootstrap}:9092`,
          addresses: [{ host: bootstrap, port: 9092 }],
        },
        { name: 'tls', bootstrapServers: `${bootstrap}:9093`, addresses: [{ host: bootstrap, port: 9093 }] },
      ],
      kafkaNodePools: pools.map((p) => ({ name: p.metadata.name })),
      clusterId,
      operatorLastSuccessfulVersion: '0.49.1',
      kafkaVersion: '4.1.0',
      kafkaMetadataVersion: '4.1-IV0',
    });
  }
}

/** Strimzi reconciling a pool: its status, and PVCs owned by the Kafka exactly when deleteClaim is true. */
function reconcilePool(cluster: Cluster, kafkaCr: Obj, pool: Obj, clusterId: string, phase: Phase): void {
  const kafkaName = kafkaCr.metadata.name;
  const poolName = pool.metadata.name;
  const replicas = num(spec(pool).replicas);
  const volumes = ((spec(pool).storage as Json | undefined)?.volumes ?? []) as Json[];
  for (const volume of volumes) {
    for (let node = 0; node < replicas; node++) {
      const name = `data-${num(volume.id)}-${kafkaName}-${poolName}-${node}`;
      const owners = volume.deleteClaim === true ? [{ ...controllerRef(kafkaCr), controller: false }] : [];
      const existing = cluster.get(PVC, name);
      if (existing) {
        if (!same(existing.metadata.ownerReferences ?? [], owners)) {
          cluster.mutate(PVC, name, (pvc) => {
            if (owners.length > 0) pvc.metadata.ownerReferences = owners;
            else delete pvc.metadata.ownerReferences;
          });
        }
        continue;
      }
      createPvc(cluster, name, str(volume.size), {
        labels: {
          ...kafkaCr.metadata.labels,
          'strimzi.io/cluster': kafkaName,
          'strimzi.io/kind': 'Kafka',
          'strimzi.io/name': `${kafkaName}-kafka`,
          'strimzi.io/pool-name': poolName,
          'strimzi.io/component-type': 'kafka',
        },
        annotations: { 'strimzi.io/delete-claim': String(volume.deleteClaim === true) },
        ownerReferences: owners,
      });
    }
  }
  if (phase === 'starting') return;
  cluster.setStatus(NODE_POOL, poolName, {
    observedGeneration: pool.metadata.generation,
    nodeIds: Array.from({ length: replicas }, (_, i) => i),
    clusterId,
    roles: spec(pool).roles,
    replicas,
    labelSelector: `strimzi.io/cluster=${kafkaName},strimzi.io/name=${kafkaName}-kafka,strimzi.io/kind=Kafka,strimzi.io/pool-name=${poolName}`,
  });
}

function createPvc(
  cluster: Cluster,
  name: string,
  size: string,
  metadata: {
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  },
): void {
  cluster.create({
    apiVersion: PVC.apiVersion,
    kind: PVC.kind,
    metadata: {
      name,
      labels: metadata.labels,
      annotations: {
        ...metadata.annotations,
        'pv.kubernetes.io/bind-completed': 'yes',
        'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
      },
      ...(metadata.ownerReferences && metadata.ownerReferences.length > 0
        ? { ownerReferences: metadata.ownerReferences }
        : {}),
      finalizers: ['kubernetes.io/pvc-protection'],
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      storageClassName: 'local-path',
      volumeMode: 'Filesystem',
      volumeName: `pvc-${uuid(`pv/${name}/${cluster.now}`)}`,
    },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: size } },
  });
}

/** MinIO: TLS first, then Initialized and green; PVCs `<volume>-<tenant>-<pool>-<ordinal>`, never owned. */
function minioOperator(cluster: Cluster, phase: Phase): void {
  for (const tenant of live(cluster, TENANT)) {
    const name = tenant.metadata.name;
    const pool = ((spec(tenant).pools ?? []) as Json[])[0] ?? {};
    const servers = num(pool.servers);
    const volumes = num(pool.volumesPerServer);
    const statefulSet = `${name}-${str(pool.name)}`;
    const claim = pool.volumeClaimTemplate as { spec?: { resources?: { requests?: { storage?: unknown } } } };
    const size = str(claim.spec?.resources?.requests?.storage);
    for (let ordinal = 0; ordinal < servers; ordinal++) {
      for (let volume = 0; volume < volumes; volume++) {
        const pvc = `${volume}-${statefulSet}-${ordinal}`;
        if (!cluster.get(PVC, pvc)) {
          createPvc(cluster, pvc, size, {
            labels: {
              'v1.min.io/console': `${name}-console`,
              'v1.min.io/pool': str(pool.name),
              'v1.min.io/tenant': name,
            },
          });
        }
      }
    }
    const drives = servers * volumes;
    const ready = phase === 'ready';
    cluster.setStatus(TENANT, name, {
      availableReplicas: ready ? servers : 0,
      certificates: { autoCertEnabled: true, customCertificates: {} },
      currentState: ready ? 'Initialized' : 'Waiting for MinIO TLS Certificate',
      ...(ready
        ? {
            drivesHealing: 0,
            drivesOffline: 0,
            drivesOnline: drives,
            healthStatus: 'green',
            provisionedBuckets: true,
            usage: {
              capacity: drives * 10_737_418_240,
              rawCapacity: drives * 10_737_418_240,
              rawUsage: 0,
              usage: 0,
            },
            writeQuorum: Math.max(1, Math.floor(drives / 2) + 1),
          }
        : {}),
      pools: [{ ssName: statefulSet, state: ready ? 'PoolInitialized' : 'PoolCreated' }],
      revision: 0,
      syncVersion: 'v6.0.0',
    });
  }
}

/** Altinity: InProgress, then Completed with the spec's taskID (a Keeper reports no taskID in 0.25.4). */
function altinity(cluster: Cluster, phase: Phase): void {
  for (const chi of live(cluster, CHI)) {
    const name = chi.metadata.name;
    const configuration = (spec(chi).configuration ?? {}) as Json;
    const clusterSpec = ((configuration.clusters ?? []) as Json[])[0] ?? {};
    const clusterName = str(clusterSpec.name);
    const replicas = num((clusterSpec.layout as Json | undefined)?.replicasCount) || 1;
    const taskID = str(spec(chi).taskID);
    const pods = Array.from({ length: replicas }, (_, r) => `chi-${name}-${clusterName}-0-${r}-0`);
    const endpoint = `clickhouse-${name}.${NAMESPACE}.svc.cluster.local`;
    const previous = isJson(chi.status) ? chi.status : {};
    const started = Array.isArray(previous.taskIDsStarted) ? (previous.taskIDsStarted as string[]) : [];
    const completed = Array.isArray(previous.taskIDsCompleted) ? (previous.taskIDsCompleted as string[]) : [];
    const ready = phase === 'ready';
    cluster.setStatus(CHI, name, {
      ...CHOP,
      'chop-ip': '10.42.0.23',
      clusters: 1,
      shards: 1,
      replicas,
      hosts: replicas,
      status: ready ? 'Completed' : 'InProgress',
      taskID,
      taskIDsStarted: started.includes(taskID) ? started : [...started, taskID],
      ...(ready || completed.length > 0
        ? { taskIDsCompleted: ready && !completed.includes(taskID) ? [...completed, taskID] : completed }
        : {}),
      hostsCompleted: ready ? replicas : 0,
      pods,
      fqdns: pods.map((p) => `${p}.${NAMESPACE}.svc.cluster.local`),
      endpoint,
      endpoints: [endpoint],
    });
  }
  for (const chk of live(cluster, CHK)) {
    const name = chk.metadata.name;
    const clusterSpec = ((((spec(chk).configuration ?? {}) as Json).clusters ?? []) as Json[])[0] ?? {};
    const replicas = num((clusterSpec.layout as Json | undefined)?.replicasCount) || 1;
    const pods = Array.from({ length: replicas }, (_, r) => `chk-${name}-${str(clusterSpec.name)}-0-${r}-0`);
    cluster.setStatus(CHK, name, {
      ...CHOP,
      'chop-ip': '10.42.0.23',
      clusters: 1,
      shards: 1,
      replicas,
      hosts: replicas,
      status: phase === 'ready' ? 'Completed' : 'InProgress',
      hostsCompleted: phase === 'ready' ? replicas : 0,
      pods,
      fqdns: pods.map((p) => `${p}.${NAMESPACE}.svc.cluster.local`),
    });
  }
}

function operators(cluster: Cluster, phase: Phase): void {
  addOperatorFinalizers(cluster);
  percona(cluster, phase);
  opstree(cluster, phase);
  strimzi(cluster, phase);
  minioOperator(cluster, phase);
  altinity(cluster, phase);
}

/** Operators noticing their custom resources are being deleted: the states they report meanwhile. */
function operatorsStartDeleting(cluster: Cluster): void {
  for (const pxc of cluster.list(PXC).filter((o) => o.metadata.deletionTimestamp !== undefined)) {
    const status = isJson(pxc.status) ? pxc.status : {};
    cluster.setStatus(PXC, pxc.metadata.name, { ...status, state: 'stopping' });
  }
  for (const chi of cluster.list(CHI).filter((o) => o.metadata.deletionTimestamp !== undefined)) {
    const status = isJson(chi.status) ? chi.status : {};
    cluster.setStatus(CHI, chi.metadata.name, { ...status, status: 'Terminating' });
  }
}

/**
 * Operators done with deletion: they drop their finalizers (the PVCs they purge are not read here),
 * and with the pods gone the PVC protection of terminating claims is lifted.
 */
function operatorsFinishDeleting(cluster: Cluster): void {
  for (const ref of [PXC, ...REDIS_KINDS, CHI, PVC]) {
    for (const object of cluster.list(ref).filter((o) => o.metadata.deletionTimestamp !== undefined)) {
      cluster.removeFinalizers(ref, object.metadata.name, () => true);
    }
  }
}

// ---- specs and stories ------------------------------------------------------------------------------------

const ALL_ENABLED = {
  mysql: { enabled: true },
  redis: { enabled: true },
  kafka: { enabled: true },
  minio: { enabled: true },
  clickhouse: { enabled: true },
};
const DEV: Json = { size: 'dev', ...ALL_ENABLED };
const SMALL: Json = { size: 'small', ...ALL_ENABLED };
const SMALL_PURGE: Json = { size: 'small', retentionPolicy: { onDelete: 'purge' }, ...ALL_ENABLED };

type Stage = 'applied' | 'first-sync' | 'credentials' | 'created' | 'starting' | 'operators-ready' | 'ready';

/** The install, stage by stage, with each step's time in seconds after the parent was applied. */
const INSTALL: ReadonlyArray<{ stage: Stage; at: number; run: (c: Cluster, spec: Json) => unknown }> = [
  { stage: 'applied', at: 0, run: (c: Cluster, s: Json) => applyParent(c, s) },
  { stage: 'first-sync', at: 1, run: (c: Cluster) => compositeSync(c) },
  { stage: 'first-sync', at: 2, run: (c: Cluster) => strimziCreating(c) },
  { stage: 'credentials', at: 2, run: (c: Cluster) => decoratorSync(c) },
  { stage: 'created', at: 3, run: (c: Cluster) => compositeSync(c) },
  { stage: 'starting', at: 40, run: (c: Cluster) => operators(c, 'starting') },
  { stage: 'starting', at: 41, run: (c: Cluster) => decoratorSync(c) },
  { stage: 'starting', at: 42, run: (c: Cluster) => compositeSync(c) },
  { stage: 'operators-ready', at: 420, run: (c: Cluster) => operators(c, 'ready') },
  { stage: 'operators-ready', at: 421, run: (c: Cluster) => decoratorSync(c) },
  { stage: 'ready', at: 422, run: (c: Cluster) => compositeSync(c) },
];

/** Install `spec` through `stage`, timed so that the stage's last step happens at `end`. */
function install(story: string, spec: Json, stage: Stage, end: string): Cluster {
  const steps = INSTALL.slice(0, INSTALL.findLastIndex((s) => s.stage === stage) + 1);
  const last = steps[steps.length - 1]?.at ?? 0;
  const endMs = Date.parse(end);
  const time = (at: number) => new Date(endMs - (last - at) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const cluster = new Cluster(story, time(0));
  for (const step of steps) step.run(cluster.at(time(step.at)), spec);
  return cluster;
}

/** A user's edit of the running parent (`kubectl apply` of the changed manifest). */
function edit(cluster: Cluster, change: (spec: Json) => void): void {
  const next = clone(cluster.must(WANDB, PARENT_NAME).spec as Json);
  change(next);
  applyParent(cluster, next);
}

/** `kubectl delete wandb wandb` (with `--cascade=orphan` the API server adds the orphan finalizer). */
function deleteParent(cluster: Cluster, options: { orphan?: boolean } = {}): void {
  if (options.orphan) {
    cluster.mutate(WANDB, PARENT_NAME, (parent) => {
      parent.metadata.finalizers = [...(parent.metadata.finalizers ?? []), 'orphan'];
    });
  }
  cluster.delete(WANDB, PARENT_NAME);
}

// ---- scenarios ----------------------------------------------------------------------------------------------

type Route = 'sync' | 'finalize' | 'customize' | 'secrets-sync' | 'secrets-customize';
const scenarios = new Map<string, Json>();
const add = (route: Route, name: string, request: Json) => {
  const id = `${route}/${name}`;
  if (scenarios.has(id)) throw new Error(`scenario ${id} twice`);
  scenarios.set(id, request);
};

const HOUR = 3600;

// First sync of a new parent: only Kafka (no credentials) may be created.
add('sync', 'dev-fresh-install', compositeRequest(install('dev', DEV, 'applied', NOW)));
add('sync', 'small-fresh-install', compositeRequest(install('small', SMALL, 'applied', NOW)));

// Both controllers react to the new parent; here the DecoratorController answered first, so the
// composite's first sync already sees the credential Secrets and no custom resource yet.
{
  const cluster = install('dev', DEV, 'applied', before(1));
  decoratorSync(cluster);
  add('sync', 'dev-secrets-ready', compositeRequest(cluster.at(NOW)));
}

// The sync after the operators' last status updates: everything ready.
add('sync', 'dev-all-ready', compositeRequest(install('dev', DEV, 'operators-ready', before(1)).at(NOW)));
add(
  'sync',
  'small-all-ready',
  compositeRequest(install('small', SMALL, 'operators-ready', before(1)).at(NOW)),
);

// A resync of a converged parent: nothing changes, whatever the clock says.
add('sync', 'dev-steady-state', compositeRequest(install('dev', DEV, 'ready', before(HOUR)).at(NOW)));

// kafka.storageSize grown: Metacontroller updated the pool, Strimzi has not reconciled it yet.
{
  const cluster = install('small', SMALL, 'ready', before(HOUR));
  cluster.at(before(60));
  edit(cluster, (s) => {
    s.kafka = { enabled: true, storageSize: '10Gi' };
  });
  compositeSync(cluster.at(before(59)));
  add('sync', 'small-kafka-stale-pool-generation', compositeRequest(cluster.at(NOW)));
}

// An edit the hook must refuse while children carry operator finalizers and defaulted fields.
{
  const cluster = install('small', SMALL, 'ready', before(HOUR));
  edit(cluster.at(before(30)), (s) => {
    s.mysql = { enabled: true, namespace: 'databases' };
  });
  add('sync', 'invalid-spec-foreign-namespace', compositeRequest(cluster.at(NOW)));
}
{
  const cluster = install('dev', DEV, 'ready', before(HOUR));
  edit(cluster.at(before(30)), (s) => {
    s.kafka = { enabled: true, replicas: 3 };
  });
  add('sync', 'invalid-spec-kafka-scale', compositeRequest(cluster.at(NOW)));
}

// MinIO disabled under retain: the first sync that sees it keeps the Tenant (phase 1).
{
  const cluster = install('dev', DEV, 'ready', before(HOUR));
  edit(cluster.at(before(5)), (s) => {
    s.minio = { enabled: false };
  });
  add('sync', 'minio-disabled-retain-phase1', compositeRequest(cluster.at(NOW)));
}

/** Finalize calls until `finalized`, with the cluster's reactions between them; one request per step. */
function walk(cluster: Cluster, between: Array<(c: Cluster) => void>): Json[] {
  const requests: Json[] = [];
  for (let step = 0; cluster.get(WANDB, PARENT_NAME); step++) {
    if (step > 8) throw new Error('finalize does not finish');
    requests.push(compositeSync(cluster));
    between[step]?.(cluster);
  }
  return requests;
}

// Purge: knobs were in effect all along; phase 2 starts at the second call.
{
  const cluster = install('small-purge', SMALL_PURGE, 'ready', before(HOUR));
  deleteParent(cluster.at(NOW));
  const names = [
    '01-first-call-keeps-children-with-purge-knobs',
    '02-knobs-in-effect-children-omitted',
    '03-operators-still-deleting',
    '04-all-gone-finalized',
  ];
  const requests = walk(cluster, [() => {}, operatorsStartDeleting, operatorsFinishDeleting]);
  if (requests.length !== names.length) throw new Error(`purge walk took ${requests.length} steps`);
  for (const [i, request] of requests.entries()) add('finalize', `purge-walk-${names[i]}`, request);
}

/**
 * Retain: purge until the user switched to retain and deleted at once, so the first finalize call
 * must re-apply the knobs and wait for Strimzi to reconcile deleteClaim on the pool.
 */
function retainWalk(story: string, deletedAt: string): Json[] {
  const cluster = install(story, SMALL_PURGE, 'ready', before(HOUR));
  cluster.at(deletedAt);
  edit(cluster, (s) => {
    s.retentionPolicy = { onDelete: 'retain' };
  });
  deleteParent(cluster);
  const requests = walk(cluster, [
    (c) => {
      // Altinity starts on the CHI's new spec (a new taskID); Strimzi has not seen the pool yet.
      altinity(c, 'starting');
    },
    (c) => {
      operatorsStartDeleting(c);
      strimzi(c, 'ready');
    },
    operatorsFinishDeleting,
  ]);
  return requests;
}
{
  const requests = retainWalk('small-retain', NOW);
  const names = [
    '01-first-call-applies-retain-knobs',
    '02-waits-for-strimzi-to-apply-deleteclaim',
    '03-knobs-in-effect-kafka-omitted',
    '04-all-gone-finalized',
  ];
  if (requests.length !== names.length) throw new Error(`retain walk took ${requests.length} steps`);
  for (const [i, request] of requests.entries()) add('finalize', `retain-walk-${names[i]}`, request);
}

// The same manifest applied again after a retain deletion: a new parent over the old volumes, with
// the Secrets that outlived the old parent because the PVCs own them too.
{
  const cluster = install('small-recreated', SMALL, 'ready', before(2 * HOUR));
  deleteParent(cluster.at(before(HOUR)));
  walk(cluster, [() => {}, operatorsStartDeleting, operatorsFinishDeleting]);
  if (cluster.list(PVC).length === 0) throw new Error('no retained PVCs');
  applyParent(cluster.at(before(1)), SMALL, { uid: uuid('small-recreated/second-parent') });
  add('sync', 'kafka-recreated-over-retained-volumes', compositeRequest(cluster.at(NOW)));
}

// kubectl delete --cascade=orphan: let go at once.
{
  const cluster = install('dev', DEV, 'ready', before(HOUR));
  deleteParent(cluster.at(NOW), { orphan: true });
  add('finalize', 'orphan-cascade', compositeRequest(cluster));
}

// Customize hooks (called before every sync; they depend on the spec only).
{
  const cluster = install('small', SMALL, 'applied', NOW);
  const parent = sortKeys(cluster.must(WANDB, PARENT_NAME));
  add('customize', 'small-all-enabled', { controller: COMPOSITE_CONTROLLER, parent });
  add('secrets-customize', 'small-all-enabled', { controller: DECORATOR_CONTROLLER, parent });
}

// The decorator: its first call (nothing exists yet), and a steady state with its Secrets observed.
add('secrets-sync', 'small-first-sync', decoratorRequest(install('small', SMALL, 'applied', NOW)));
add(
  'secrets-sync',
  'small-steady-state',
  decoratorRequest(install('small', SMALL, 'ready', before(60)).at(NOW)),
);

// ---- write -----------------------------------------------------------------------------------------------------

const written = new Set<string>();
for (const [id, request] of scenarios) {
  const directory = path.join(FIXTURES, id);
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'request.json'), `${JSON.stringify(request, null, 2)}\n`);
  written.add(id);
}
// Scenario folders of our routes that this script no longer writes are stale: remove them with
// their responses. Other folders under test/fixtures/ belong to other tests and are never touched.
const ROUTES: readonly Route[] = ['sync', 'finalize', 'customize', 'secrets-sync', 'secrets-customize'];
for (const route of ROUTES) {
  const folder = path.join(FIXTURES, route);
  for (const scenario of readdirSync(folder, { withFileTypes: true })) {
    const id = `${route}/${scenario.name}`;
    if (scenario.isDirectory() && !written.has(id)) {
      rmSync(path.join(folder, scenario.name), { recursive: true });
      console.log(`removed stale fixture ${id}`);
    }
  }
}
let bytes = 0;
for (const id of written) bytes += statSync(path.join(FIXTURES, id, 'request.json')).size;
console.log(`wrote ${written.size} requests (${Math.round(bytes / 1024)} KB) under test/fixtures/`);
