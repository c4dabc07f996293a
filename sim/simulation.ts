// The simulator end to end: an in-memory API server, Metacontroller's two controllers calling the
// hook pipeline (hooks/handlers.ts), and scripted operators, run in rounds from an empty namespace
// until nothing changes; optionally followed by a deletion. `wandb-hooks simulate` (cli/simulate.ts)
// prints it; the integration tests (test/simulate.test.ts) drive the Simulation class directly.
import type { Component } from '../compositions/component.js';
import { COMPONENTS } from '../compositions/components/index.js';
import { RELATED_KINDS } from '../compositions/kube.js';
import { Clock, seededRandom, uuidFrom } from './clock.js';
import {
  ApiError,
  Cluster,
  type ClusterEvent,
  clone,
  InputError,
  isWrite,
  keyOf,
  mergePatch,
  type Obj,
  type Propagation,
} from './cluster.js';
import { collectGarbage } from './gc.js';
import { type KindInfo, kindByKubectlName } from './kinds.js';
import {
  CompositeControllerEmulator,
  type CompositeOutcome,
  DecoratorControllerEmulator,
  type DecoratorOutcome,
} from './metacontroller.js';
import { createOperators, type Operator } from './operators.js';

const PARENT = RELATED_KINDS.WeightsAndBiases;

/** Seed of generated uids and credentials unless one is given (render and simulate share it). */
export const DEFAULT_SEED = 'wandb-hooks';

export interface SimulationOptions {
  /** Start of the emulated clock (RFC 3339). */
  readonly now?: string;
  /** Seed of every generated uid, password and cluster ID. */
  readonly seed?: string;
  /** Child kinds of the CompositeController (default: the registry's; tests add one to show adoption). */
  readonly childResources?: readonly KindInfo[];
  /** The components the hooks compose (default: the registry), as the hook pipeline takes it. */
  readonly registry?: readonly Component[];
  /** The scripted operators a round runs, in order (default: createOperators()). */
  readonly operators?: readonly Operator[];
}

export interface RoundRecord {
  readonly round: number;
  readonly time: string;
  /** Everything recorded in the round, user actions since the previous round first. */
  readonly events: readonly ClusterEvent[];
  readonly composite: readonly CompositeOutcome[];
  readonly decorator: readonly DecoratorOutcome[];
  /** Whether anything was written; a round that writes nothing is a fixed point. */
  readonly changed: boolean;
}

export interface RunResult {
  readonly stable: boolean;
  /** Rounds run, the quiet one that shows stability included. */
  readonly rounds: number;
}

/** Seconds the clock moves after a round with no parent left to ask. */
const IDLE_SECONDS = 60;

export class Simulation {
  readonly clock: Clock;
  readonly cluster: Cluster;
  readonly composite: CompositeControllerEmulator;
  readonly decorator: DecoratorControllerEmulator;
  readonly operators: readonly Operator[];
  readonly rounds: RoundRecord[] = [];
  private readonly operatorRandom;
  private eventsSeen = 0;

  constructor(options: SimulationOptions = {}) {
    const seed = options.seed ?? DEFAULT_SEED;
    this.clock = new Clock(options.now ?? '2026-01-01T00:00:00Z');
    this.cluster = new Cluster({ clock: this.clock, uid: uuidFrom(seededRandom(seed, 'uid')) });
    const registry = options.registry ?? COMPONENTS;
    this.composite = new CompositeControllerEmulator(this.cluster, this.clock, {
      registry,
      ...(options.childResources ? { childResources: options.childResources } : {}),
    });
    this.decorator = new DecoratorControllerEmulator(
      this.cluster,
      this.clock,
      seededRandom(seed, 'secrets'),
      undefined,
      registry,
    );
    this.operators = options.operators ?? createOperators();
    this.operatorRandom = seededRandom(seed, 'operators');
  }

  /** `kubectl apply` of a parent: created, or its spec, labels and annotations replaced. */
  apply(input: Obj): Obj {
    const parent = clone(input);
    parent.metadata.namespace ||= 'default';
    const existing = this.cluster.get(
      PARENT.apiVersion,
      PARENT.kind,
      parent.metadata.namespace,
      parent.metadata.name,
    );
    return this.cluster.as('user', () => {
      if (!existing) {
        // The status subresource cannot be written on create.
        const { status: _status, ...fresh } = parent;
        return this.cluster.create(fresh as Obj, 'kubectl apply');
      }
      const next = clone(existing);
      next.spec = clone(parent.spec);
      next.metadata.labels = { ...(existing.metadata.labels ?? {}), ...(parent.metadata.labels ?? {}) };
      next.metadata.annotations = {
        ...(existing.metadata.annotations ?? {}),
        ...(parent.metadata.annotations ?? {}),
      };
      return this.cluster.update(next, 'kubectl apply');
    });
  }

  /** `kubectl delete wandb <name> --cascade=<background|foreground|orphan>`. */
  delete(namespace: string, name: string, cascade: Propagation = 'Background'): void {
    this.cluster.as('user', () =>
      this.cluster.delete(
        { apiVersion: PARENT.apiVersion, kind: PARENT.kind, namespace, name },
        { propagation: cascade, detail: `kubectl delete --cascade=${cascade.toLowerCase()}` },
      ),
    );
  }

  parent(namespace: string, name: string): Obj | undefined {
    return this.cluster.get(PARENT.apiVersion, PARENT.kind, namespace, name);
  }

  /** One round: every operator step, then composite sync/finalize, then decorator sync, then GC. */
  round(): RoundRecord {
    const time = this.clock.now();
    for (const operator of this.operators) {
      this.cluster.as(operator.name, () =>
        operator.step({ cluster: this.cluster, now: time, random: this.operatorRandom }),
      );
    }
    const parents = () => this.cluster.list(PARENT.apiVersion, PARENT.kind).map((p) => keyOf(p));
    const composite = parents().flatMap((p) => this.composite.sync(p.namespace, p.name) ?? []);
    const decorator = parents().flatMap((p) => this.decorator.sync(p.namespace, p.name) ?? []);
    collectGarbage(this.cluster);

    const events = this.cluster.events.slice(this.eventsSeen);
    this.eventsSeen = this.cluster.events.length;
    const record: RoundRecord = {
      round: this.rounds.length + 1,
      time,
      events,
      composite,
      decorator,
      changed: events.some(isWrite),
    };
    this.rounds.push(record);
    const resync = composite
      .map((o) => o.response.resyncAfterSeconds ?? 0)
      .filter((s) => s > 0)
      .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
    this.clock.advance(Number.isFinite(resync) ? resync : IDLE_SECONDS);
    return record;
  }

  /** Rounds until one changes nothing, or `maxRounds` ran. */
  run(maxRounds: number): RunResult {
    for (let i = 1; i <= maxRounds; i++) {
      if (!this.round().changed) return { stable: true, rounds: i };
    }
    return { stable: false, rounds: maxRounds };
  }

  /**
   * A user's kubectl command: `patch` (merge or JSON patch, optionally `--subresource=status`)
   * and `delete` (names or `-l key=value`). Enough to run the commands the status prints.
   */
  kubectl(command: string): void {
    const words = shellWords(command);
    if (words[0] !== 'kubectl') throw new InputError(`not a kubectl command: ${command}`);
    const args: string[] = [];
    const options = new Map<string, string>();
    for (let i = 1; i < words.length; i++) {
      const word = words[i] ?? '';
      const option = /^(-n|--namespace|-p|--patch|--type|--subresource|-l|--selector)(?:=(.*))?$/.exec(word);
      if (option) {
        const name =
          ({ '-n': 'namespace', '-p': 'patch', '-l': 'selector' } as Record<string, string>)[
            option[1] ?? ''
          ] ?? (option[1] ?? '').slice(2);
        options.set(name, option[2] ?? words[++i] ?? '');
      } else if (word.startsWith('-')) {
        throw new InputError(`kubectl option ${word} is not supported by the emulator`);
      } else {
        args.push(word);
      }
    }
    const [verb, resource, ...names] = args;
    const kind = kindByKubectlName(resource ?? '');
    if (!kind) throw new InputError(`kubectl: unknown resource type "${resource}"`);
    const namespace = options.get('namespace') ?? 'default';
    this.cluster.as('user', () => {
      if (verb === 'delete') {
        const selector = options.get('selector');
        const targets = selector
          ? this.cluster
              .list(kind.apiVersion, kind.kind, { namespace, labels: parseSelector(selector) })
              .map((o) => o.metadata.name)
          : names;
        for (const name of targets) {
          this.cluster.delete(
            { apiVersion: kind.apiVersion, kind: kind.kind, namespace, name },
            { detail: 'kubectl delete' },
          );
        }
        return;
      }
      if (verb !== 'patch' || names.length !== 1)
        throw new InputError(`kubectl: only "patch <type> <name>" and "delete" are emulated: ${command}`);
      const key = { apiVersion: kind.apiVersion, kind: kind.kind, namespace, name: names[0] ?? '' };
      const type = options.get('type') ?? 'strategic';
      if (type !== 'merge')
        throw new InputError(`kubectl patch --type=${type} is not emulated; use --type=merge`);
      let patch: unknown;
      try {
        patch = JSON.parse(options.get('patch') ?? '');
      } catch {
        throw new InputError(`kubectl patch: -p is not JSON: ${options.get('patch')}`);
      }
      if (options.get('subresource') === 'status') {
        this.cluster.patchStatus(key, patch, 'kubectl patch --subresource=status');
        return;
      }
      const current = this.cluster.get(key.apiVersion, key.kind, key.namespace, key.name);
      if (!current)
        throw new ApiError('NotFound', `${key.kind} ${key.name} not found in namespace ${namespace}`);
      this.cluster.update(mergePatch(current, patch) as Obj, 'kubectl patch');
    });
  }
}

function parseSelector(selector: string): Record<string, string> {
  return Object.fromEntries(
    selector.split(',').map((term) => {
      const [key, value] = term.split('=');
      if (!key || value === undefined)
        throw new InputError(`kubectl: only key=value selectors are emulated: ${selector}`);
      return [key, value];
    }),
  );
}

/** Splits a command line as a POSIX shell would for plain words and single or double quotes. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inWord = false;
  for (const char of command.trim()) {
    if (quote) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new InputError(`unbalanced quote in: ${command}`);
  if (inWord) words.push(current);
  return words;
}

/** What is left in a namespace, as `Kind name` lines. */
export function remaining(simulation: Simulation, namespace: string): string[] {
  return simulation.cluster
    .all()
    .filter((o) => o.metadata.namespace === namespace)
    .map((o) => `${o.kind} ${o.metadata.name}${o.metadata.deletionTimestamp ? ' (terminating)' : ''}`);
}
