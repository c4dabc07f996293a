// Conditions and states: the reference's vocabulary (common/condition.go, common/state.go), with
// deterministic bookkeeping: sorted by type, never expiring, lastTransitionTime kept unless the
// condition's status changes.
import { type KubeObject, numberField } from './kube.js';
import type { Condition, State } from './parent.js';

/** A condition as a component reports it, with the state it implies for that component. */
export interface Finding {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly implies: State;
  /**
   * Seconds until time alone may change what this finding implies (a gap that becomes an Error once
   * it has lasted long enough): the next sync must come no later than that.
   */
  readonly recheckAfterSeconds?: number;
}

/** Reasons of the reference's write conditions (`<X>CustomResource`). */
export const Reasons = {
  ResourceExists: 'ResourceExists',
  PendingCreate: 'PendingCreate',
  PendingDelete: 'PendingDelete',
  NoResource: 'NoResource',
  ReportedStatus: 'ReportedStatus',
  Unknown: 'Unknown',
  /** The operator has not yet observed the child's current generation. */
  StaleGeneration: 'StaleGeneration',
} as const;

/** Why an object's status may describe an older spec, or undefined when it is current. */
export function staleGeneration(object: KubeObject): string | undefined {
  const generation = object.metadata.generation;
  const observedGeneration = numberField(object, 'status', 'observedGeneration');
  if (generation === undefined || observedGeneration === generation) return undefined;
  return (
    `${object.kind} ${object.metadata.name}: the operator has not yet observed generation ${generation} ` +
    `(observedGeneration ${observedGeneration ?? 'unset'})`
  );
}

/** `<Title>ReportedReady` while the operator's status is older than the spec: not judged yet. */
export const staleFinding = (type: string, message: string): Finding => ({
  type,
  status: 'False',
  reason: Reasons.StaleGeneration,
  message,
  implies: 'Pending',
});

/**
 * Worst first. The reference's order is Error > Unavailable > Pending > Degraded > Healthy with
 * Unknown never outranking anything, which let an unknown readiness read as Healthy; here Unknown
 * outranks Degraded and Healthy and is not ready (docs/decisions.md).
 */
const SIGNIFICANCE: readonly State[] = ['Error', 'Unavailable', 'Pending', 'Unknown', 'Degraded', 'Healthy'];

const rank = (state: State): number => {
  const index = SIGNIFICANCE.indexOf(state);
  return index < 0 ? SIGNIFICANCE.length : index;
};

/** Orders states worst first (for messages that list blockers); `Disabled` comes last. */
export const compareStates = (a: State, b: State): number => rank(a) - rank(b);

export function worstState(states: Iterable<State>): State | undefined {
  let worst: number | undefined;
  for (const state of states) {
    const rank = SIGNIFICANCE.indexOf(state);
    if (rank >= 0 && (worst === undefined || rank < worst)) worst = rank;
  }
  return worst === undefined ? undefined : SIGNIFICANCE[worst];
}

export const isReadyState = (state: State): boolean =>
  state === 'Healthy' || state === 'Degraded' || state === 'Disabled';

/** Seconds until the next sync, by the worst state (reference: Error 15 s … Healthy 600 s). */
export function resyncSeconds(state: State | undefined): number {
  switch (state) {
    case 'Error':
      return 15;
    case 'Pending':
      return 120;
    case 'Degraded':
      return 300;
    case 'Healthy':
    case 'Disabled':
    case undefined:
      return 600;
    case 'Unknown':
    case 'Unavailable':
      return 180;
  }
}

/**
 * Previous conditions from a parent status we did not write ourselves: trust nothing. A condition
 * whose lastTransitionTime is not a time is dropped, so it is stamped anew: time-based judgements
 * (the connection gap) read that time, and one that never parses would never move on.
 */
export function readConditions(value: unknown): Condition[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (c): c is Condition =>
      c !== null &&
      typeof c === 'object' &&
      typeof c.type === 'string' &&
      typeof c.status === 'string' &&
      typeof c.lastTransitionTime === 'string' &&
      !Number.isNaN(Date.parse(c.lastTransitionTime)),
  );
}

/** metav1.Condition's message limit; a longer one would make the API server reject the status. */
export const MAX_CONDITION_MESSAGE = 32768;

export function capMessage(message: string): string {
  if (message.length <= MAX_CONDITION_MESSAGE) return message;
  const note = ' … (truncated)';
  return message.slice(0, MAX_CONDITION_MESSAGE - note.length) + note;
}

/**
 * Stamp findings into conditions: sorted by type, one per type (the last finding of a type wins),
 * lastTransitionTime carried over from `previous` while the status is unchanged.
 */
export function stampConditions(
  findings: readonly Omit<Finding, 'implies'>[],
  previous: readonly Condition[],
  now: string,
  generation: number,
): Condition[] {
  const latest = new Map<string, Omit<Finding, 'implies'>>();
  for (const finding of findings) latest.set(finding.type, finding);
  return [...latest.values()]
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
    .map((finding) => {
      const before = previous.find((c) => c.type === finding.type);
      return {
        type: finding.type,
        status: finding.status,
        reason: finding.reason,
        message: capMessage(finding.message),
        lastTransitionTime: before && before.status === finding.status ? before.lastTransitionTime : now,
        observedGeneration: generation,
      };
    });
}
