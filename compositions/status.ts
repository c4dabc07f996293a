// Summarize: per-component status in the reference's shape, plus a top-level Ready condition
// that names what blocks it. A pure function of the findings, the previous status and `now`.
import {
  type Finding,
  isReadyState,
  readConditions,
  resyncSeconds,
  stampConditions,
  worstState,
} from './conditions.js';
import { type ComponentName, ComponentStatus, type State, type WeightsAndBiasesStatus } from './parent.js';

export interface ComponentOutcome {
  readonly name: ComponentName;
  readonly enabled: boolean;
  readonly findings: readonly Finding[];
  /** Set when the component has no findings of its own to judge by (disabled, or nothing left). */
  readonly fixedState?: State;
  /** The connection Secret, once observed: `status.<component>Status.connection.url` points at its `url`. */
  readonly connectionSecret?: string;
  /** A short account for the Ready condition, where the findings are too long to repeat (removal). */
  readonly summary?: string;
}

export type StatusKey = `${ComponentName}Status`;
export const statusKey = (name: ComponentName): StatusKey => `${name}Status`;

/** The previous status from the request, read defensively: it may come from another writer. */
export interface PreviousStatus {
  readonly conditions: ReturnType<typeof readConditions>;
  /** Each component's previous conditions (for lastTransitionTime), read cheaply on every sync. */
  readonly componentConditions: Partial<Record<ComponentName, ReturnType<typeof readConditions>>>;
  /** Each component's previous status when it is valid as a whole (kept as it is for an invalid spec). */
  readonly component: (name: ComponentName) => ComponentStatus | undefined;
}

export function readPreviousStatus(value: unknown, names: readonly ComponentName[]): PreviousStatus {
  const status = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const componentConditions: Partial<Record<ComponentName, ReturnType<typeof readConditions>>> = {};
  for (const name of names) {
    const own = status[statusKey(name)];
    if (own !== null && typeof own === 'object') {
      componentConditions[name] = readConditions((own as Record<string, unknown>).conditions);
    }
  }
  return {
    conditions: readConditions(status.conditions),
    componentConditions,
    component: (name) => {
      const parsed = ComponentStatus.safeParse(status[statusKey(name)]);
      return parsed.success ? parsed.data : undefined;
    },
  };
}

export function componentState(outcome: ComponentOutcome): State {
  return outcome.fixedState ?? worstState(outcome.findings.map((f) => f.implies)) ?? 'Unknown';
}

/** `mysql is Pending: MySQLReportedReady: …`: the component, its state and the findings behind it. */
function explain(outcome: ComponentOutcome, state: State): string {
  if (outcome.summary) return `${outcome.name}: ${outcome.summary}`;
  const causes = outcome.findings.filter((f) => f.implies === state).map((f) => `${f.type}: ${f.message}`);
  return causes.length > 0
    ? `${outcome.name} is ${state}: ${causes.join(', ')}`
    : `${outcome.name} is ${state}`;
}

/** Resync while a component is being removed (phases wait on our next call). */
export const REMOVAL_RESYNC_SECONDS = 15;

export interface Summary {
  readonly status: WeightsAndBiasesStatus;
  readonly resyncAfterSeconds: number;
}

export function summarize(
  outcomes: readonly ComponentOutcome[],
  previous: PreviousStatus,
  context: { now: string; generation: number; finalizing: boolean; unowned?: readonly string[] },
): Summary {
  const { now, generation } = context;
  const states = outcomes.map((outcome) => ({ outcome, state: componentState(outcome) }));
  const enabled = states.filter(({ outcome }) => outcome.enabled);
  const blocking = enabled.filter(({ state }) => !isReadyState(state));

  const ready = !context.finalizing && blocking.length === 0;
  let readyFinding: Omit<Finding, 'implies'>;
  if (context.finalizing) {
    const remaining = states.filter(({ state }) => state !== 'Disabled');
    readyFinding = {
      type: 'Ready',
      status: 'False',
      reason: 'Deleting',
      message:
        remaining.length > 0
          ? `deleting: ${remaining.map(({ outcome, state }) => explain(outcome, state)).join('; ')}`
          : 'deleting: every component is gone',
    };
  } else if (blocking.length > 0) {
    readyFinding = {
      type: 'Ready',
      status: 'False',
      reason: 'ComponentsNotReady',
      message: `waiting: ${blocking.map(({ outcome, state }) => explain(outcome, state)).join('; ')}`,
    };
  } else if (enabled.length === 0) {
    readyFinding = {
      type: 'Ready',
      status: 'True',
      reason: 'NoComponentsEnabled',
      message: 'no component is enabled',
    };
  } else {
    readyFinding = {
      type: 'Ready',
      status: 'True',
      reason: 'AllComponentsReady',
      message: `ready: ${enabled.map(({ outcome, state }) => (state === 'Healthy' ? outcome.name : `${outcome.name} (${state})`)).join(', ')}`,
    };
  }

  const unowned = context.unowned ?? [];
  const topLevel = [
    readyFinding,
    ...(unowned.length > 0
      ? [
          {
            type: 'UnknownChildren',
            status: 'True' as const,
            reason: 'KindNotOwned',
            message:
              `kept unchanged, since no component owns their kind: ${unowned.join(', ')}; ` +
              'the CompositeController manifest and the hook image are from different versions',
          },
        ]
      : []),
  ];
  const status: WeightsAndBiasesStatus = {
    ready,
    conditions: stampConditions(topLevel, previous.conditions, now, generation),
  };
  for (const { outcome, state } of states) {
    status[statusKey(outcome.name)] = {
      ready: isReadyState(state),
      state,
      conditions: stampConditions(
        outcome.findings,
        previous.componentConditions[outcome.name] ?? [],
        now,
        generation,
      ),
      ...(outcome.connectionSecret
        ? { connection: { url: { name: outcome.connectionSecret, key: 'url' } } }
        : {}),
    };
  }

  const worst = worstState(enabled.map(({ state }) => state));
  // A removal moves on only when we are called again, and nothing else may call us soon (our own
  // status writes are ignored): come back quickly while one is under way.
  const removing =
    context.finalizing || states.some(({ outcome }) => !outcome.enabled && outcome.fixedState !== 'Disabled');
  const resyncAfterSeconds = removing ? REMOVAL_RESYNC_SECONDS : resyncSeconds(worst);
  return { status, resyncAfterSeconds };
}
