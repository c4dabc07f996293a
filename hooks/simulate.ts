// `wandb-hooks simulate`: the emulator end to end. An in-memory API server, Metacontroller's two
// controllers calling the production hooks, and scripted operators, run in rounds from an empty
// namespace until nothing changes; optionally followed by a deletion. Also the project's
// integration-test engine (test/simulate.test.ts drives the Simulation class directly).
import { RELATED_KINDS } from '../compositions/kube.js';
import {
  ApiError,
  Clock,
  Cluster,
  type ClusterEvent,
  clone,
  isWrite,
  type KindInfo,
  keyOf,
  kindByKubectlName,
  mergePatch,
  type Obj,
  type Propagation,
  seededRandom,
  uuidFrom,
} from './emulator/cluster.js';
import {
  CompositeControllerEmulator,
  type CompositeOutcome,
  DecoratorControllerEmulator,
  type DecoratorOutcome,
} from './emulator/metacontroller.js';
import { createOperators, type Operator } from './emulator/operators.js';
import {
  DEFAULT_SEED,
  type FlagSpec,
  InputError,
  type Io,
  loadParent,
  parseFlags,
  processIo,
  reportError,
  timeFlag,
  UsageError,
} from './render.js';

const PARENT = RELATED_KINDS.WeightsAndBiases;

export interface SimulationOptions {
  /** Start of the emulated clock (RFC 3339). */
  readonly now?: string;
  /** Seed of every generated uid, password and cluster ID. */
  readonly seed?: string;
  /** Child kinds of the CompositeController (tests add one to show adoption). */
  readonly childResources?: readonly KindInfo[];
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
    this.composite = new CompositeControllerEmulator(this.cluster, this.clock, {
      ...(options.childResources ? { childResources: options.childResources } : {}),
    });
    this.decorator = new DecoratorControllerEmulator(this.cluster, this.clock, seededRandom(seed, 'secrets'));
    this.operators = createOperators();
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
    this.cluster.collectGarbage();

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

// ---- output ------------------------------------------------------------------------------------

export function formatRound(record: RoundRecord): string {
  const lines = [`round ${record.round}  ${record.time}`];
  for (const event of record.events) {
    const what = `${event.kind} ${event.name}`;
    lines.push(
      `  ${event.actor.padEnd(30)} ${event.verb.padEnd(7)} ${what}${event.detail ? `  (${event.detail})` : ''}`,
    );
  }
  if (!record.changed) lines.push('  (nothing changed)');
  return lines.join('\n');
}

const summaryOf = (status: unknown): string => {
  const s = (status ?? {}) as Record<string, unknown>;
  const states = ['mysql', 'redis', 'kafka', 'minio', 'clickhouse']
    .map((c) => [c, (s[`${c}Status`] as { state?: unknown } | undefined)?.state] as const)
    .filter(([, state]) => typeof state === 'string')
    .map(([c, state]) => `${c}=${String(state)}`);
  return `ready=${String(s.ready)}${states.length > 0 ? ` (${states.join(' ')})` : ''}`;
};

/** What is left in a namespace, as `Kind name` lines. */
export function remaining(simulation: Simulation, namespace: string): string[] {
  return simulation.cluster
    .all()
    .filter((o) => o.metadata.namespace === namespace)
    .map((o) => `${o.kind} ${o.metadata.name}${o.metadata.deletionTimestamp ? ' (terminating)' : ''}`);
}

export const SIMULATE_USAGE = `usage: wandb-hooks simulate -f PARENT [--rounds N] [--delete] [--cascade background|foreground|orphan] [--now TIME] [--seed SEED] [-o text|json]

Runs PARENT (a WeightsAndBiases, YAML or JSON, "-" for stdin) from an empty namespace through an
emulated Metacontroller (CompositeController wandb-infra, DecoratorController wandb-secrets)
calling the real hooks, with scripted Percona, Strimzi, Altinity, MinIO and Opstree operators,
and prints a timeline until nothing changes. A round is: every operator step, the composite
sync or finalize, the decorator sync, garbage collection; the clock then moves by the
resyncAfterSeconds the hooks asked for.

  -f, --file PARENT     the parent
      --rounds N        give up after N rounds (default 40; per phase with --delete)
      --delete          once stable, delete the parent and run until it is gone
      --cascade MODE    deletion propagation for --delete (default background)
      --now TIME        start of the clock (RFC 3339; default: now)
      --seed SEED       seed for uids, passwords and cluster IDs (default: wandb-hooks)
  -o, --output FORMAT   text (default) or json
`;

const SIMULATE_FLAGS: FlagSpec[] = [
  { name: 'file', short: 'f', value: true },
  { name: 'rounds', value: true },
  { name: 'delete', value: false },
  { name: 'cascade', value: true },
  { name: 'now', value: true },
  { name: 'seed', value: true },
  { name: 'output', short: 'o', value: true },
  { name: 'help', short: 'h', value: false },
];

const CASCADES: Record<string, Propagation> = {
  background: 'Background',
  foreground: 'Foreground',
  orphan: 'Orphan',
};

export function runSimulate(argv: readonly string[], io: Io = processIo): number {
  try {
    const flags = parseFlags(argv, SIMULATE_FLAGS);
    if (flags.has('help')) {
      io.stdout(SIMULATE_USAGE);
      return 0;
    }
    const file = flags.get('file');
    if (file === undefined) throw new UsageError('-f PARENT is required');
    const roundsText = flags.get('rounds') ?? '40';
    const maxRounds = Number(roundsText);
    if (!Number.isInteger(maxRounds) || maxRounds < 1 || maxRounds > 10_000) {
      throw new UsageError(`--rounds must be a whole number from 1 to 10000, not "${roundsText}"`);
    }
    const output = flags.get('output') ?? 'text';
    if (output !== 'text' && output !== 'json')
      throw new UsageError(`-o must be text or json, not "${output}"`);
    const cascadeText = flags.get('cascade') ?? 'background';
    const cascade = CASCADES[cascadeText];
    if (!cascade)
      throw new UsageError(`--cascade must be background, foreground or orphan, not "${cascadeText}"`);
    if (flags.has('cascade') && !flags.has('delete')) throw new UsageError('--cascade needs --delete');

    const parent = loadParent(file, io);
    const namespace = parent.metadata.namespace ?? 'default';
    const name = parent.metadata.name;
    const simulation = new Simulation({
      now: timeFlag(flags.get('now')),
      seed: flags.get('seed') ?? DEFAULT_SEED,
    });
    const text = output === 'text';
    const print = (line: string) => {
      if (text) io.stdout(`${line}\n`);
    };
    const runPhase = (): RunResult => {
      const start = simulation.rounds.length;
      const result = simulation.run(maxRounds);
      for (const record of simulation.rounds.slice(start)) print(formatRound(record));
      return result;
    };

    simulation.apply(parent);
    const install = runPhase();
    const installed = simulation.parent(namespace, name);
    print(
      install.stable
        ? `stable after ${simulation.rounds.length} rounds: WeightsAndBiases ${namespace}/${name} ${summaryOf(installed?.status)}`
        : `not stable after ${maxRounds} rounds: WeightsAndBiases ${namespace}/${name} ${summaryOf(installed?.status)}`,
    );

    let deletion: RunResult | undefined;
    if (flags.has('delete') && install.stable) {
      print(`deleting WeightsAndBiases ${namespace}/${name} (--cascade=${cascadeText})`);
      simulation.delete(namespace, name, cascade);
      deletion = runPhase();
      const gone = simulation.parent(namespace, name) === undefined;
      print(
        `${deletion.stable ? `stable after ${simulation.rounds.length} rounds` : `not stable after ${maxRounds} more rounds`}: ` +
          `WeightsAndBiases ${namespace}/${name} ${gone ? 'is gone' : 'still exists'}`,
      );
      print(
        `left in namespace ${namespace}:${
          remaining(simulation, namespace)
            .map((l) => `\n  ${l}`)
            .join('') || ' nothing'
        }`,
      );
    }

    if (!text) {
      const body = {
        rounds: simulation.rounds.map((r) => ({
          round: r.round,
          time: r.time,
          changed: r.changed,
          events: r.events,
        })),
        install: { ...install, status: installed?.status ?? null },
        ...(deletion
          ? {
              deletion: { ...deletion, parentGone: simulation.parent(namespace, name) === undefined },
              remaining: remaining(simulation, namespace),
            }
          : {}),
      };
      io.stdout(`${JSON.stringify(body, null, 2)}\n`);
    }
    const stable = install.stable && (deletion?.stable ?? true);
    if (!stable)
      io.stderr(
        'wandb-hooks simulate: the simulation did not become stable; raise --rounds or read the timeline\n',
      );
    return stable ? 0 : 1;
  } catch (error) {
    return reportError('simulate', error, SIMULATE_USAGE, io);
  }
}
