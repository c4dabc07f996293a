// Summarize: per-component status in the reference's shape, plus a top-level Ready condition
// that names what blocks it. A pure function of the findings, the previous status and `now`.
import {
  type ConditionType,
  compareStates,
  declareConditions,
  declareReasons,
  type Finding,
  isReadyState,
  Reasons,
  readConditions,
  resyncSeconds,
  stampConditions,
  worstState,
} from './conditions.js';
import {
  ComponentStatus,
  type Condition,
  type State,
  type WeightsAndBiasesSpec,
  type WeightsAndBiasesStatus,
} from './parent.js';

export interface ComponentOutcome {
  readonly name: string;
  readonly enabled: boolean;
  readonly findings: readonly Finding[];
  /** Set when the component has no findings of its own to judge by (disabled, or nothing left). */
  readonly fixedState?: State;
  /** The connection Secret, once observed: `status.<component>Status.connection.url` points at its `url`. */
  readonly connectionSecret?: string;
  /** A short account for the Ready condition, where the findings are too long to repeat (removal). */
  readonly summary?: string;
}

/** The parent's own condition types. */
export const ParentConditions = declareConditions({
  ready: 'Ready',
  invalidSpec: 'InvalidSpec',
  unknownChildren: 'UnknownChildren',
  inlineSecrets: 'InlineSecrets',
});

/** The reasons of the parent's own conditions (and `Reasons.Deleting` while it is deleted). */
export const ParentReasons = declareReasons(
  'ComponentsNotReady',
  'NoComponentsEnabled',
  'AllComponentsReady',
  'InvalidSpec',
  'Orphaned',
  'KindNotOwned',
  'AcceptedButUnused',
);

export type StatusKey = `${string}Status`;
export const statusKey = (name: string): StatusKey => `${name}Status`;

/** The previous status from the request, read defensively: it may come from another writer. */
export interface PreviousStatus {
  readonly conditions: ReturnType<typeof readConditions>;
  /** Each component's previous conditions (for lastTransitionTime), read cheaply on every sync. */
  readonly componentConditions: Partial<Record<string, ReturnType<typeof readConditions>>>;
  /** Each component's previous status when it is valid as a whole (kept as it is for an invalid spec). */
  readonly component: (name: string) => ComponentStatus | undefined;
}

export function readPreviousStatus(value: unknown, names: readonly string[]): PreviousStatus {
  const status = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const componentConditions: Partial<Record<string, ReturnType<typeof readConditions>>> = {};
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

/**
 * `conditions.hasBeenReady` remembers, in the component's own status, whether it has been ready since it
 * was enabled: True from the first sync that finds it ready (its lastTransitionTime says when), never
 * False again while the component stays enabled. Until then nothing that is down can have gone down,
 * so what would read `Unavailable` reads `Pending` (an install in progress). Without the memory (a lost
 * status, a parent re-created over retained data) the quieter `Pending` is chosen until the component is
 * ready once more. Removal drops the condition, so a component enabled again starts as a new install.
 */
export function rememberReadiness(
  type: ConditionType,
  title: string,
  findings: readonly Finding[],
  previous: readonly Condition[],
): Finding[] {
  const beenReady = previous.some((c) => c.type === type && c.status === 'True');
  const judged = beenReady
    ? [...findings]
    : findings.map((f): Finding => (f.implies === 'Unavailable' ? { ...f, implies: 'Pending' } : f));
  const readyNow = isReadyState(worstState(judged.map((f) => f.implies)) ?? 'Unknown');
  const memory: Finding =
    beenReady || readyNow
      ? {
          type,
          status: 'True',
          reason: Reasons.FirstReady,
          message: `${title} was first ready at this condition's lastTransitionTime: from then on, when it is down it reads Unavailable`,
          implies: 'Healthy',
        }
      : {
          type,
          status: 'False',
          reason: Reasons.NotYetReady,
          message: `${title} has not been ready yet: while it installs, what is not ready reads Pending, not Unavailable`,
          implies: 'Healthy',
        };
  return [...judged, memory];
}

/** `mysql is Pending: MySQLReportedReady: …`: the component, its state and the findings behind it. */
function explain(outcome: ComponentOutcome, state: State): string {
  if (outcome.summary) return `${outcome.name}: ${outcome.summary}`;
  const causes = outcome.findings.filter((f) => f.implies === state).map((f) => `${f.type}: ${f.message}`);
  return causes.length > 0
    ? `${outcome.name} is ${state}: ${causes.join(', ')}`
    : `${outcome.name} is ${state}`;
}

/**
 * Spec fields the reference operator accepted with a secret inline (its manifest phase passed them to
 * the W&B application; reference §8.12) and that these hooks accept for compatibility but never read.
 */
export function inlineSecretFields(spec: WeightsAndBiasesSpec): string[] {
  return [
    ...(spec.wandb?.license !== undefined ? ['spec.wandb.license'] : []),
    ...(spec.wandb?.oidc?.clientSecret !== undefined ? ['spec.wandb.oidc.clientSecret'] : []),
  ];
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
  context: {
    now: string;
    generation: number;
    finalizing: boolean;
    unowned?: readonly string[];
    /** Spec fields that hold a secret inline and that nothing here reads (`inlineSecretFields`). */
    inlineSecrets?: readonly string[];
  },
): Summary {
  const { now, generation } = context;
  const states = outcomes.map((outcome) => ({ outcome, state: componentState(outcome) }));
  const enabled = states.filter(({ outcome }) => outcome.enabled);
  // Worst first, so the Ready message leads with what matters most; ties keep the registry's order.
  const blocking = enabled
    .filter(({ state }) => !isReadyState(state))
    .sort((a, b) => compareStates(a.state, b.state));

  const ready = !context.finalizing && blocking.length === 0;
  let readyFinding: Omit<Finding, 'implies'>;
  if (context.finalizing) {
    const remaining = states
      .filter(({ state }) => state !== 'Disabled')
      .sort((a, b) => compareStates(a.state, b.state));
    readyFinding = {
      type: ParentConditions.ready,
      status: 'False',
      reason: Reasons.Deleting,
      message:
        remaining.length > 0
          ? `deleting: ${remaining.map(({ outcome, state }) => explain(outcome, state)).join('; ')}`
          : 'deleting: every component is gone',
    };
  } else if (blocking.length > 0) {
    readyFinding = {
      type: ParentConditions.ready,
      status: 'False',
      reason: ParentReasons.ComponentsNotReady,
      message: `waiting: ${blocking.map(({ outcome, state }) => explain(outcome, state)).join('; ')}`,
    };
  } else if (enabled.length === 0) {
    readyFinding = {
      type: ParentConditions.ready,
      status: 'True',
      reason: ParentReasons.NoComponentsEnabled,
      message: 'no component is enabled',
    };
  } else {
    readyFinding = {
      type: ParentConditions.ready,
      status: 'True',
      reason: ParentReasons.AllComponentsReady,
      message: `ready: ${enabled.map(({ outcome, state }) => (state === 'Healthy' ? outcome.name : `${outcome.name} (${state})`)).join(', ')}`,
    };
  }

  const unowned = context.unowned ?? [];
  const topLevel: Omit<Finding, 'implies'>[] = [
    readyFinding,
    ...(unowned.length > 0
      ? [
          {
            type: ParentConditions.unknownChildren,
            status: 'True' as const,
            reason: ParentReasons.KindNotOwned,
            message:
              `kept unchanged, since no component owns their kind: ${unowned.join(', ')}; ` +
              'the CompositeController manifest and the hook image are from different versions',
          },
        ]
      : []),
  ];
  const inlineSecrets = context.inlineSecrets ?? [];
  if (inlineSecrets.length > 0) {
    topLevel.push({
      type: ParentConditions.inlineSecrets,
      status: 'True',
      reason: ParentReasons.AcceptedButUnused,
      message:
        `${inlineSecrets.join(' and ')} ${inlineSecrets.length === 1 ? 'is' : 'are'} accepted for compatibility with the ` +
        'reference operator but unused by these hooks, and anyone who can read this WeightsAndBiases can read ' +
        `${inlineSecrets.length === 1 ? 'it' : 'them'}: remove ${inlineSecrets.length === 1 ? 'it' : 'them'} from the spec`,
    });
  }
  // Keyed by the registry's names (`<name>Status`), which the parent's status schema is built from.
  const status: WeightsAndBiasesStatus & { [key: StatusKey]: ComponentStatus | undefined } = {
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
  const byState = removing ? REMOVAL_RESYNC_SECONDS : resyncSeconds(worst);
  // A finding that time alone will change (a gap turning into an Error) must be judged again in time.
  const rechecks = enabled.flatMap(({ outcome }) =>
    outcome.findings.flatMap((f) => (f.recheckAfterSeconds === undefined ? [] : [f.recheckAfterSeconds])),
  );
  const resyncAfterSeconds = Math.min(byState, ...rechecks);
  return { status, resyncAfterSeconds };
}
