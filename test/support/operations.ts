// Day-2 scenarios (issue 15) told through the simulator, as `wandb-hooks simulate -f BASE --then EDITS`
// tells them: a parent from an example installed until stable, then each edit in docs/operations/
// applied and run until stable, with the parent's status after every round kept for the assertions.
import path from 'node:path';
import { loadParent, processIo, readObjects } from '../../cli/io.js';
import type { Obj } from '../../sim/cluster.js';
import type { Operator } from '../../sim/operators.js';
import { Simulation } from '../../sim/simulation.js';
import { REPO_ROOT } from './shared.js';

export const SCENARIO_NOW = '2026-01-01T00:00:00Z';
export const exampleFile = (name: string) => path.join(REPO_ROOT, 'manifests', 'examples', `${name}.yaml`);
export const scenarioFile = (name: string) => path.join(REPO_ROOT, 'docs', 'operations', `${name}.yaml`);

export interface ComponentStatusView {
  readonly state?: string;
  readonly conditions?: ReadonlyArray<{ type: string; status: string; reason: string; message: string }>;
}
export type ParentStatusView = { readonly ready?: boolean } & Readonly<
  Record<string, ComponentStatusView | undefined>
>;

export interface Phase {
  readonly stable: boolean;
  /** The parent's status after each round of the phase, the quiet last one included. */
  readonly statuses: readonly ParentStatusView[];
  /** What `snapshot` (runScenario's option) read from the cluster at the end of the phase. */
  readonly snapshot?: unknown;
}

export interface Scenario {
  readonly simulation: Simulation;
  readonly install: Phase;
  /** One phase per edit, in order. */
  readonly edits: readonly Phase[];
}

export interface ScenarioOptions {
  readonly maxRounds?: number;
  /** Read at the end of every phase (e.g. what a custom resource is set to), kept as `Phase.snapshot`. */
  readonly snapshot?: (simulation: Simulation) => unknown;
  /** The scripted operators (default: the simulation's), e.g. one told to refuse what the default allows. */
  readonly operators?: readonly Operator[];
}

function runPhase(simulation: Simulation, namespace: string, name: string, options: ScenarioOptions): Phase {
  const statuses: ParentStatusView[] = [];
  let stable = false;
  for (let i = 0; i < (options.maxRounds ?? 40) && !stable; i++) {
    stable = !simulation.round().changed;
    statuses.push((simulation.parent(namespace, name)?.status ?? {}) as ParentStatusView);
  }
  return { stable, statuses, ...(options.snapshot ? { snapshot: options.snapshot(simulation) } : {}) };
}

/**
 * `base` (an example's name, a parent, or a file in docs/operations/ as `operations/<name>`) installed, then the edits of `edits` (a file in
 * docs/operations/, without `.yaml`, or parents), each run until stable. Stops after an unstable phase.
 */
export function runScenario(
  base: string | Obj,
  edits: string | readonly Obj[],
  options: ScenarioOptions = {},
): Scenario {
  const parent =
    typeof base !== 'string'
      ? base
      : loadParent(
          base.startsWith('operations/') ? scenarioFile(base.slice('operations/'.length)) : exampleFile(base),
          processIo,
        );
  const changes = typeof edits === 'string' ? readObjects(scenarioFile(edits), processIo) : edits;
  const namespace = parent.metadata.namespace ?? 'default';
  const name = parent.metadata.name;
  const simulation = new Simulation({
    now: SCENARIO_NOW,
    ...(options.operators ? { operators: options.operators } : {}),
  });
  simulation.apply(parent);
  const install = runPhase(simulation, namespace, name, options);
  const phases: Phase[] = [];
  for (const edit of changes) {
    if (!(phases.at(-1) ?? install).stable) break;
    simulation.apply({ ...edit, metadata: { ...edit.metadata, namespace } });
    phases.push(runPhase(simulation, namespace, name, options));
  }
  return { simulation, install, edits: phases };
}

/** A component's condition of `type` in each status of the phase (undefined where absent). */
export const conditionTimeline = (phase: Phase, component: string, type: string) =>
  phase.statuses.map((s) => s[`${component}Status`]?.conditions?.find((c) => c.type === type));

/** The component's state in each status of the phase. */
export const stateTimeline = (phase: Phase, component: string) =>
  phase.statuses.map((s) => s[`${component}Status`]?.state);
