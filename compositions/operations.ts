// Day-2 operations in flight (issue 15): an upgrade, a resize or a scaling that the operator is still
// carrying out. A component reports each from the operator's own status (or the StatefulSets and PVCs
// where the operator keeps none); the pipeline turns them into one `<Title>Operation` condition, present
// only while something runs, since its presence is the signal (like `<Title>Removal`).
import type { ConditionType, Finding } from './conditions.js';
import { declareReasons } from './conditions.js';
import type { Condition } from './parent.js';

/** What kind of change is being carried out. The order is the order the message lists them in. */
export const OperationReasons = declareReasons(
  'Upgrading',
  'Resizing',
  'ScalingOut',
  'ScalingIn',
  'AddingPool',
  'Rebalancing',
  /** A step failed: the operator said why (`Operation.failed`). */
  'OperationFailed',
);

export type OperationKind = Exclude<keyof typeof OperationReasons, 'OperationFailed'>;

export interface Operation {
  readonly kind: OperationKind;
  /** What changes, e.g. `image percona/percona-xtradb-cluster:8.0.42-33.1 → …:8.0.43-34.1`. */
  readonly change: string;
  /** How far it has got, from the operator's own status, e.g. `2 of 3 nodes updated`. */
  readonly progress: string;
  /** What the operator said when a step failed; the component is then in `Error`. */
  readonly failed?: string;
}

const ORDER = Object.keys(OperationReasons) as OperationKind[];

/**
 * The `<Title>Operation` condition for the operations in flight, or undefined when none runs. In flight
 * is `Degraded`: the database serves, but it is not Healthy until the operator has caught up. A failed
 * step is an `Error`. "Since" is when the condition took its present reason (the previous condition's
 * lastTransitionTime, which stampConditions keeps while the status holds), else now.
 */
export function operationFinding(
  type: ConditionType,
  title: string,
  operations: readonly Operation[],
  previous: readonly Condition[],
  now: string,
): Finding | undefined {
  if (operations.length === 0) return undefined;
  const sorted = [...operations].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
  const failed = sorted.filter((o) => o.failed !== undefined);
  const first = failed[0] ?? sorted[0];
  if (!first) return undefined;
  const reason = failed.length > 0 ? OperationReasons.OperationFailed : OperationReasons[first.kind];
  const status = failed.length > 0 ? 'False' : 'True';
  const before = previous.find((c) => c.type === type && c.reason === reason && c.status === status);
  const since = before?.lastTransitionTime ?? now;
  const parts = sorted.map(
    (o) =>
      `${describe(o.kind)} ${o.change}: ${o.progress}${o.failed !== undefined ? `; failed: ${o.failed}` : ''}`,
  );
  return {
    type,
    status,
    reason,
    message: `${title} ${parts.join('; ')} (since ${since})`,
    implies: failed.length > 0 ? 'Error' : 'Degraded',
  };
}

function describe(kind: OperationKind): string {
  switch (kind) {
    case 'Upgrading':
      return 'upgrade';
    case 'Resizing':
      return 'storage growth';
    case 'ScalingOut':
      return 'scale-out';
    case 'ScalingIn':
      return 'scale-in';
    case 'AddingPool':
      return 'new pool';
    case 'Rebalancing':
      return 'rebalance';
  }
}
