// Stories told through the simulator, step by step: a parent applied and edited by a user, the
// two Metacontroller controllers calling the hook pipeline, the scripted operators moving when the
// story says so, and the request each hook call received. The golden fixtures
// (scripts/fixtures.ts), the benchmark's requests and the property tests' worlds are such stories.
// Everything is reproducible: a fixed clock, uids derived from the story, and seeded credentials.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { COMPONENT_NAMES } from '../compositions/components/index.js';
import type { RandomSource } from '../compositions/credentials.js';
import { canonicalJson, stableHash } from '../compositions/hash.js';
import { CHILD_KINDS, RELATED_KINDS } from '../compositions/kube.js';
import { Clock, formatTime, seededRandom } from './clock.js';
import { Cluster, clone, isWrite, keyOf, type Obj } from './cluster.js';
import { validateAgainstCrd } from './crd-validator.js';
import { applyCrdDefaults } from './defaults.js';
import { collectGarbage } from './gc.js';
import { CompositeControllerEmulator, DecoratorControllerEmulator } from './metacontroller.js';
import { createOperators, type Operator } from './operators.js';
import { REPO_ROOT } from './shared.js';

export const NOW = '2026-01-01T00:00:00Z';

export const PARENT_UID = '5f0c2b1e-8d2a-4c43-9a7e-1b2c3d4e5f60';

/** Deterministic bytes (xorshift32), so generated credentials are reproducible. */
export function xorshiftRandom(seed = 1): RandomSource {
  let state = seed >>> 0 || 1;
  return (length) => {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      bytes[i] = state & 0xff;
    }
    return bytes;
  };
}

export const NAMESPACE = 'wandb';
export const PARENT_NAME = 'wandb';
const PARENT = RELATED_KINDS.WeightsAndBiases;
const KUBECTL_LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = Record<string, unknown>;
const isJson = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Keys sorted at every level: Metacontroller marshals unstructured objects (Go maps) that way. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isJson(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/** A stable UUID-shaped identifier for a seed. */
export function uuid(seed: string): string {
  const hex = stableHash(seed) + stableHash(`${seed}#`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `seconds` before the stories' fixed clock. */
export const before = (seconds: number): string => formatTime(Date.parse(NOW) - seconds * 1000);

/** A controller object as installed from manifests/: CRD defaults and the server's metadata. */
function installedController(file: string): Obj {
  const object = parseYaml(readFileSync(path.join(REPO_ROOT, 'manifests', file), 'utf8')) as Obj;
  applyCrdDefaults(object);
  return {
    ...object,
    metadata: {
      ...object.metadata,
      uid: uuid(`controller/${object.metadata.name}`),
      resourceVersion: '1204',
      generation: 1,
      creationTimestamp: '2025-12-01T09:00:00Z',
    },
    status: {},
  };
}

const COMPOSITE_CONTROLLER = installedController('composite-controller.yaml');
const DECORATOR_CONTROLLER = installedController('decorator-controller.yaml');

/** Every custom resource in a request must be valid for its CRD, statuses included. */
function assertValid(object: Obj): void {
  if (!Object.values(CHILD_KINDS).some((k) => k.apiVersion === object.apiVersion && k.kind === object.kind))
    return;
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

export class Story {
  readonly clock: Clock;
  readonly cluster: Cluster;
  readonly composite: CompositeControllerEmulator;
  readonly decorator: DecoratorControllerEmulator;
  readonly operators: readonly Operator[] = createOperators();
  private readonly operatorRandom: RandomSource;
  /** The uid the next parent created gets. */
  private parentUid = PARENT_UID;

  constructor(
    readonly name: string,
    start: string,
  ) {
    this.clock = new Clock(start);
    this.cluster = new Cluster({
      clock: this.clock,
      uid: (object) =>
        object.kind === PARENT.kind
          ? this.parentUid
          : uuid(`${name}/${object.kind}/${object.metadata.name}/${this.clock.now()}`),
      defaults: applyCrdDefaults,
    });
    this.composite = new CompositeControllerEmulator(this.cluster, this.clock, {
      controller: COMPOSITE_CONTROLLER,
    });
    // The DecoratorController's randomness, seeded as testApp() seeds it.
    this.decorator = new DecoratorControllerEmulator(
      this.cluster,
      this.clock,
      xorshiftRandom(1),
      DECORATOR_CONTROLLER,
    );
    this.operatorRandom = seededRandom(name, 'operators');
  }

  now(): string {
    return this.clock.now();
  }

  /** Moves the clock to `time` (forward only). */
  at(time: string): this {
    const seconds = (Date.parse(time) - Date.parse(this.clock.now())) / 1000;
    if (seconds < 0) throw new Error(`story ${this.name}: ${time} is before ${this.clock.now()}`);
    this.clock.advance(seconds);
    return this;
  }

  parent(): Obj | undefined {
    return this.cluster.get(PARENT.apiVersion, PARENT.kind, NAMESPACE, PARENT_NAME);
  }

  /** `kubectl apply` of the parent manifest: created (with `uid`, if given), or its spec replaced. */
  applyParent(spec: Json, options: { uid?: string } = {}): void {
    const manifest = {
      apiVersion: PARENT.apiVersion,
      kind: PARENT.kind,
      metadata: { annotations: {}, name: PARENT_NAME, namespace: NAMESPACE },
      spec,
    };
    const annotations = { [KUBECTL_LAST_APPLIED]: `${canonicalJson(manifest)}\n` };
    const existing = this.parent();
    this.cluster.as('user', () => {
      if (existing) {
        this.cluster.update({
          ...existing,
          metadata: { ...existing.metadata, annotations },
          spec: clone(spec),
        });
        return;
      }
      this.parentUid = options.uid ?? PARENT_UID;
      this.cluster.create({
        ...manifest,
        metadata: { ...manifest.metadata, annotations },
        spec: clone(spec),
      });
    });
  }

  /** A user's edit of the running parent (`kubectl apply` of the changed manifest). */
  editParent(change: (spec: Json) => void): void {
    const spec = clone(this.parent()?.spec as Json);
    change(spec);
    this.applyParent(spec);
  }

  /** `kubectl delete wandb wandb`, optionally `--cascade=orphan`. */
  deleteParent(options: { orphan?: boolean } = {}): void {
    const parent = this.parent();
    if (!parent) throw new Error(`story ${this.name}: no parent to delete`);
    // The garbage collector runs after Metacontroller's next call: with `orphan`, that call still
    // sees the children as its own.
    this.cluster.as('user', () =>
      this.cluster.delete(keyOf(parent), { propagation: options.orphan ? 'Orphan' : 'Background' }),
    );
  }

  /** One CompositeController sync (or finalize) of the parent; returns the request it sent. */
  compositeSync(): Json {
    this.assertValid();
    const outcome = this.composite.sync(NAMESPACE, PARENT_NAME);
    if (!outcome) throw new Error(`story ${this.name}: no parent to sync`);
    collectGarbage(this.cluster);
    return sortKeys(outcome.request) as Json;
  }

  /** One DecoratorController sync of the parent; returns the request it sent. */
  decoratorSync(): Json {
    this.assertValid();
    const outcome = this.decorator.sync(NAMESPACE, PARENT_NAME);
    if (!outcome) throw new Error(`story ${this.name}: no parent to sync`);
    collectGarbage(this.cluster);
    return sortKeys(outcome.request) as Json;
  }

  /** The customize requests both controllers send: the controller and the parent as synced. */
  customizeRequests(syncRequest: Json): { composite: Json; decorator: Json } {
    const parent = syncRequest.parent;
    return {
      composite: sortKeys({ controller: this.composite.controllerObject(), parent }) as Json,
      decorator: sortKeys({ controller: this.decorator.controllerObject(), parent }) as Json,
    };
  }

  /**
   * One step of the named operators (every operator when none is named), in the simulation's
   * order; the others stay paused. Returns whether anything was written.
   */
  step(...names: string[]): boolean {
    const unknown = names.filter((n) => !this.operators.some((o) => o.name === n));
    if (unknown.length > 0) throw new Error(`story ${this.name}: no operator ${unknown.join(', ')}`);
    const seen = this.cluster.events.length;
    for (const operator of this.operators) {
      if (names.length > 0 && !names.includes(operator.name)) continue;
      this.cluster.as(operator.name, () =>
        operator.step({ cluster: this.cluster, now: this.clock.now(), random: this.operatorRandom }),
      );
    }
    collectGarbage(this.cluster);
    return this.cluster.events.slice(seen).some(isWrite);
  }

  /** Operator steps until they write nothing more (no hook is called meanwhile). */
  settle(...names: string[]): void {
    for (let i = 0; i < 20; i++) if (!this.step(...names)) return;
    throw new Error(`story ${this.name}: operators did not settle`);
  }

  private assertValid(): void {
    for (const object of this.cluster.all()) assertValid(object);
  }
}

// ---- the install ------------------------------------------------------------------------------------

export type Stage =
  | 'applied'
  | 'first-sync'
  | 'credentials'
  | 'created'
  | 'starting'
  | 'operators-ready'
  | 'ready';

/** The install, stage by stage, with each step's time in seconds after the parent was applied. */
const INSTALL: ReadonlyArray<{ stage: Stage; at: number; run: (s: Story, spec: Json) => unknown }> = [
  { stage: 'applied', at: 0, run: (s, spec) => s.applyParent(spec) },
  { stage: 'first-sync', at: 1, run: (s) => s.compositeSync() },
  // Strimzi answers a new Kafka at once with its "being deployed" status.
  { stage: 'first-sync', at: 2, run: (s) => s.step('strimzi') },
  { stage: 'credentials', at: 2, run: (s) => s.decoratorSync() },
  { stage: 'created', at: 3, run: (s) => s.compositeSync() },
  { stage: 'starting', at: 40, run: (s) => s.step() },
  { stage: 'starting', at: 41, run: (s) => s.decoratorSync() },
  { stage: 'starting', at: 42, run: (s) => s.compositeSync() },
  { stage: 'operators-ready', at: 420, run: (s) => s.settle() },
  { stage: 'operators-ready', at: 421, run: (s) => s.decoratorSync() },
  { stage: 'ready', at: 422, run: (s) => s.compositeSync() },
];

/** Installs `spec` through `stage`, timed so that the stage's last step happens at `end`. */
export function install(story: string, spec: Json, stage: Stage, end: string): Story {
  const steps = INSTALL.slice(0, INSTALL.findLastIndex((s) => s.stage === stage) + 1);
  const last = steps[steps.length - 1]?.at ?? 0;
  const time = (at: number) => formatTime(Date.parse(end) - (last - at) * 1000);
  const result = new Story(story, time(0));
  for (const step of steps) step.run(result.at(time(step.at)), spec);
  return result;
}

/** Every registered component enabled, as the golden stories and the bench install them. */
export const ALL_ENABLED: Json = Object.fromEntries(COMPONENT_NAMES.map((name) => [name, { enabled: true }]));
