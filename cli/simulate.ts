// `wandb-hooks simulate`: a parent run through the simulator (sim/) until it is stable, printed
// round by round or as JSON; optionally followed by a deletion.
import { InputError, type Obj, type Propagation } from '../sim/cluster.js';
import { componentStates } from '../sim/metacontroller.js';
import { DEFAULT_SEED, type RoundRecord, type RunResult, remaining, Simulation } from '../sim/simulation.js';
import {
  type FlagSpec,
  type Io,
  loadParent,
  parseFlags,
  processIo,
  readObjects,
  reportError,
  timeFlag,
  UsageError,
} from './io.js';

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

/** `ready=true (mysql=Healthy …)`, the states of the simulation's registry. */
const summaryOf = (simulation: Simulation, status: unknown): string => {
  const states = componentStates(
    status,
    simulation.composite.registry.map((c) => c.name),
  );
  const ready = (status as { ready?: unknown } | undefined)?.ready;
  return `ready=${String(ready)}${states.length > 0 ? ` (${states.join(' ')})` : ''}`;
};

export const SIMULATE_USAGE = `usage: wandb-hooks simulate -f PARENT [--then EDITS] [--rounds N] [--delete] [--cascade background|foreground|orphan] [--now TIME] [--seed SEED] [-o text|json]

Runs PARENT (a WeightsAndBiases, YAML or JSON, "-" for stdin) from an empty namespace through an
emulated Metacontroller (CompositeController wandb-infra, DecoratorController wandb-secrets)
calling the real hooks, with scripted Percona, Strimzi, Altinity, MinIO and Opstree operators,
and prints a timeline until nothing changes. A round is: every operator step, the composite
sync or finalize, the decorator sync, garbage collection; the clock then moves by the
resyncAfterSeconds the hooks asked for.

  -f, --file PARENT     the parent
      --then EDITS      once stable, apply each WeightsAndBiases in EDITS (the same parent
                        edited: a day-2 operation) in turn, each run until stable
      --rounds N        give up after N rounds (default 40; per phase with --delete)
      --delete          once stable, delete the parent and run until it is gone
      --cascade MODE    deletion propagation for --delete (default background)
      --now TIME        start of the clock (RFC 3339; default: now)
      --seed SEED       seed for uids, passwords and cluster IDs (default: wandb-hooks)
  -o, --output FORMAT   text (default) or json
`;

const SIMULATE_FLAGS: FlagSpec[] = [
  { name: 'file', short: 'f', value: true },
  { name: 'then', value: true },
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

/** The edits of `--then`: every object a WeightsAndBiases of the same name and namespace as `parent`. */
function loadEdits(path: string, parent: Obj, io: Io): Obj[] {
  const objects = readObjects(path, io);
  const source = path === '-' ? 'stdin' : path;
  if (objects.length === 0) throw new InputError(`${source}: no WeightsAndBiases to apply`);
  return objects.map((object, index) => {
    const namespace = object.metadata.namespace || 'default';
    if (
      object.kind !== parent.kind ||
      object.apiVersion !== parent.apiVersion ||
      object.metadata.name !== parent.metadata.name ||
      namespace !== parent.metadata.namespace
    ) {
      throw new InputError(
        `${source}: document ${index + 1} is ${object.apiVersion} ${object.kind} ${namespace}/${object.metadata.name}; ` +
          `--then edits the parent of -f, ${parent.apiVersion} ${parent.kind} ${parent.metadata.namespace}/${parent.metadata.name}`,
      );
    }
    return { ...object, metadata: { ...object.metadata, namespace } };
  });
}

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
    const thenFile = flags.get('then');
    const edits = thenFile === undefined ? [] : loadEdits(thenFile, parent, io);
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
        ? `stable after ${simulation.rounds.length} rounds: WeightsAndBiases ${namespace}/${name} ${summaryOf(simulation, installed?.status)}`
        : `not stable after ${maxRounds} rounds: WeightsAndBiases ${namespace}/${name} ${summaryOf(simulation, installed?.status)}`,
    );

    const edited: Array<RunResult & { status: unknown }> = [];
    for (const [index, edit] of edits.entries()) {
      if (!(edited.at(-1) ?? install).stable) break;
      print(`applying edit ${index + 1} of ${edits.length} from ${thenFile}`);
      simulation.apply(edit);
      const result = runPhase();
      const status = simulation.parent(namespace, name)?.status;
      edited.push({ ...result, status: status ?? null });
      print(
        `${result.stable ? `stable after ${simulation.rounds.length} rounds` : `not stable after ${maxRounds} more rounds`}: ` +
          `WeightsAndBiases ${namespace}/${name} ${summaryOf(simulation, status)}`,
      );
    }
    const settled = edited.every((e) => e.stable) && edited.length === edits.length;

    let deletion: RunResult | undefined;
    if (flags.has('delete') && install.stable && settled) {
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
        ...(edits.length > 0 ? { edits: edited } : {}),
        ...(deletion
          ? {
              deletion: { ...deletion, parentGone: simulation.parent(namespace, name) === undefined },
              remaining: remaining(simulation, namespace),
            }
          : {}),
      };
      io.stdout(`${JSON.stringify(body, null, 2)}\n`);
    }
    const stable = install.stable && settled && (deletion?.stable ?? true);
    if (!stable)
      io.stderr(
        'wandb-hooks simulate: the simulation did not become stable; raise --rounds or read the timeline\n',
      );
    return stable ? 0 : 1;
  } catch (error) {
    return reportError('simulate', error, SIMULATE_USAGE, io);
  }
}
