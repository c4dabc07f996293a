// Conditions and states: the reference's vocabulary (common/condition.go, common/state.go), with
// deterministic bookkeeping: sorted by type, never expiring, lastTransitionTime kept unless the
// condition's status changes.
import { type KubeObject, numberField } from './kube.js';
import type { Condition, State } from './parent.js';

declare const declared: unique symbol;

/**
 * A condition type: declared once (`declareConditions`) by the component or module that reports it,
 * never built from a template or written inline, so every type the status can carry is listed.
 */
export type ConditionType = string & { readonly [declared]: 'type' };

/**
 * A condition reason: one of the fixed words a component or module declares (`declareReasons`), or an
 * operator's own reason that passed `reportedReason`.
 */
export type Reason = string & { readonly [declared]: 'reason' };

// The two places a string becomes a declared type or reason: a brand has no runtime form, so the
// declaration is a cast by nature.

/** Condition types by role, e.g. `declareConditions({ reportedReady: 'MySQLReportedReady' })`. */
export const declareConditions = <const T extends Record<string, string>>(
  types: T,
): { readonly [K in keyof T]: ConditionType } =>
  types as unknown as { readonly [K in keyof T]: ConditionType };

/** Fixed reasons, each named by itself: `declareReasons('ready', 'error').ready === 'ready'`. */
export const declareReasons = <const K extends string>(...reasons: K[]): { readonly [R in K]: Reason } =>
  Object.fromEntries(reasons.map((r) => [r, r])) as unknown as { readonly [R in K]: Reason };

/** A condition as a component reports it, with the state it implies for that component. */
export interface Finding {
  readonly type: ConditionType;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: Reason;
  readonly message: string;
  readonly implies: State;
  /**
   * Seconds until time alone may change what this finding implies (a gap that becomes an Error once
   * it has lasted long enough): the next sync must come no later than that.
   */
  readonly recheckAfterSeconds?: number;
}

/**
 * The reasons every component shares: the reference's write-condition reasons (`<X>CustomResource`)
 * and those of the conditions the pipeline reports for each component.
 */
export const Reasons = declareReasons(
  'ResourceExists',
  'PendingCreate',
  'PendingDelete',
  'NoResource',
  'ReportedStatus',
  'Unknown',
  /** The operator has not yet observed the child's current generation. */
  'StaleGeneration',
  'CredentialSecretMissing',
  'ConnectionSecretPending',
  'FirstReady',
  'NotYetReady',
  'ApplyingRetention',
  /** Removal phase 2: the children are omitted and Metacontroller deletes them. */
  'Deleting',
);

const CONDITION_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** An operator's own reason (Strimzi's is an exception's class name) when it is a valid condition reason. */
export const reportedReason = (value: unknown, fallback: Reason): Reason =>
  typeof value === 'string' && CONDITION_REASON.test(value) ? (value as Reason) : fallback;

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

/** A readiness condition while the operator's status is older than the spec: not judged yet. */
export const staleFinding = (type: ConditionType, message: string): Finding => ({
  type,
  status: 'False',
  reason: Reasons.StaleGeneration,
  message,
  implies: 'Pending',
});

/** A readiness condition of a child whose operator has written no status yet (`subject`: its word for it). */
export const notReported = (type: ConditionType, who: string, subject = 'status'): Finding => ({
  type,
  status: 'Unknown',
  reason: Reasons.Unknown,
  message: `${who} has not reported a ${subject} yet`,
  implies: 'Unknown',
});

/**
 * A readiness condition of a child that does not exist yet: declared from the first sync, `Unknown`
 * until its operator reports. It implies `Unknown`, which the child's own `PendingCreate` outranks.
 */
export const notCreated = (type: ConditionType, who: string): Finding => ({
  type,
  status: 'Unknown',
  reason: Reasons.NoResource,
  message: `${who} does not exist yet, so its operator has reported nothing`,
  implies: 'Unknown',
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
 * A condition time as Kubernetes writes one (metav1.Time, RFC 3339) and as our clock does. Checked on
 * every condition of every sync: a regular expression costs a quarter of Date.parse, which also took
 * other forms ("Jan 1 2026") that only another writer could have put in the status.
 */
const RFC3339 =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/**
 * Previous conditions from a parent status we did not write ourselves: trust nothing. A condition
 * whose lastTransitionTime is not an RFC 3339 time is dropped, so it is stamped anew: time-based
 * judgements (the connection gap) read that time, and one that never parses would never move on.
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
      RFC3339.test(c.lastTransitionTime),
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
