// ClickHouse's condition vocabulary, and what Altinity's status says about an installation: readiness
// (`ClickHouseReportedReady`, `ClickHouseKeeperReportedReady`) and the day-2 operations still in flight
// (kept apart from clickhouse.ts, which builds the objects).
import {
  type ConditionType,
  declareConditions,
  declareReasons,
  type Finding,
  notReported,
  Reasons,
} from '../conditions.js';
import { field, type KubeObject, numberField, stringField } from '../kube.js';
import type { Operation } from '../operations.js';
import { claimCapacity, claimsBelow } from '../quantity.js';

/** `: <the newest error>` from Altinity's capped `status.errors`, or nothing. */
const newestError = (object: KubeObject): string => {
  const errors = field(object, 'status', 'errors');
  const newest = Array.isArray(errors) ? errors.find((e) => typeof e === 'string' && e) : undefined;
  return typeof newest === 'string' ? `: ${newest.slice(0, 300)}` : '';
};

export const CONDITIONS = declareConditions({
  installationCustomResource: 'ClickHouseCustomResource',
  keeperCustomResource: 'ClickHouseKeeperCustomResource',
  reportedReady: 'ClickHouseReportedReady',
  keeperReportedReady: 'ClickHouseKeeperReportedReady',
  connectionInfo: 'ClickHouseConnectionInfo',
  hasBeenReady: 'ClickHouseHasBeenReady',
  credentials: 'ClickHouseCredentials',
  removal: 'ClickHouseRemoval',
  version: 'ClickHouseVersion',
  operation: 'ClickHouseOperation',
});

/** Besides the shared reasons; the others are Altinity's `status.status` words. */
const REASONS = declareReasons(
  'StaleTask',
  'NotReported',
  'Completed',
  'InProgress',
  'Aborted',
  'Terminating',
);

/**
 * `ClickHouseReportedReady` from `status.status`, fresh only when the operator finished the task of the
 * CR's current spec (`status.taskID == spec.taskID`; Altinity has no observedGeneration, infra-crds §2.4).
 * `status.errors` is a capped history the operator never clears, so it only explains an abort.
 */
export function reportedReady(chi: KubeObject): Finding {
  const type = CONDITIONS.reportedReady;
  const who = `ClickHouseInstallation ${chi.metadata.name}`;
  const state = stringField(chi, 'status', 'status') ?? '';
  const wanted = stringField(chi, 'spec', 'taskID');
  const reported = stringField(chi, 'status', 'taskID');
  const stale = (state === 'Completed' || state === 'Aborted') && wanted !== undefined && reported !== wanted;
  if (stale) {
    const last = state === 'Completed' ? 'completed' : 'aborted';
    return {
      type,
      status: 'False',
      reason: REASONS.StaleTask,
      message: `${who}: the operator last ${last} task ${reported ?? '(unset)'}, not yet task ${wanted} of the current spec`,
      implies: 'Pending',
    };
  }
  const task = `task ${reported ?? '(unset)'}`;
  return altinityStatus(chi, type, who, {
    completed: `completed ${task}`,
    reconciling: `the operator is reconciling ${task}`,
    aborted: `the operator aborted ${task}`,
    unreported: notReported,
  });
}

/** `ClickHouseKeeperReportedReady`: operator 0.25.4 never fills a Keeper's `status.taskID`, so no freshness. */
export function keeperReportedReady(chk: KubeObject): Finding {
  return altinityStatus(
    chk,
    CONDITIONS.keeperReportedReady,
    `ClickHouseKeeperInstallation ${chk.metadata.name}`,
    {
      completed: 'is reconciled',
      reconciling: 'the operator is reconciling it',
      aborted: 'the operator aborted its reconcile',
      unreported: (type, who) => ({
        type,
        status: 'False',
        reason: REASONS.NotReported,
        message: `${who} has not reported a status yet`,
        implies: 'Pending',
      }),
    },
  );
}

/** Altinity's `status.status` words, the same for installations and keepers (type_status.go). */
function altinityStatus(
  object: KubeObject,
  type: ConditionType,
  who: string,
  words: {
    readonly completed: string;
    readonly reconciling: string;
    readonly aborted: string;
    readonly unreported: (type: ConditionType, who: string) => Finding;
  },
): Finding {
  const state = stringField(object, 'status', 'status') ?? '';
  switch (state) {
    case 'Completed':
      return {
        type,
        status: 'True',
        reason: REASONS.Completed,
        message: `${who} ${words.completed}`,
        implies: 'Healthy',
      };
    case 'InProgress':
      return {
        type,
        status: 'False',
        reason: REASONS.InProgress,
        message: `${who}: ${words.reconciling}`,
        implies: 'Pending',
      };
    case 'Aborted':
      return {
        type,
        status: 'False',
        reason: REASONS.Aborted,
        message: `${who}: ${words.aborted}${newestError(object)}`,
        implies: 'Error',
      };
    case 'Terminating':
      return {
        type,
        status: 'False',
        reason: REASONS.Terminating,
        message: `${who} is being deleted`,
        implies: 'Unavailable',
      };
    case '':
      return words.unreported(type, who);
    default:
      return {
        type,
        status: 'Unknown',
        reason: Reasons.Unknown,
        message: `${who} reports the unknown status "${state}"`,
        implies: 'Unknown',
      };
  }
}

// ---- operations in flight --------------------------------------------------------------------------

/** What scaling out cannot give the new hosts (docs/day2-operators.md §3.3). */
export const NEW_REPLICA_CAVEAT =
  'non-replicated tables (plain MergeTree) are created empty on the new replicas and never receive the existing rows';

export interface InstallationView {
  readonly chi: KubeObject;
  /** The replica count the hooks want, and the one the installation's spec carries so far. */
  readonly replicas: number;
  readonly appliedReplicas: number;
  /** The hosts' data PVCs in host order, undefined where none exists yet. */
  readonly volumes: readonly (KubeObject | undefined)[];
  /** The data volume claim template's request and provisioner in the installation's spec. */
  readonly storage: string | undefined;
  readonly provisioner: string | undefined;
  /** The Keeper the hooks wait for before adding replicas (clickhouse.ts `waitingForKeeper`). */
  readonly waitingFor?: {
    readonly keeper: string;
    readonly status: string | undefined;
    readonly replicas: number;
  };
}

export const PROVISIONER_OPERATOR = 'Operator';

/** Where the operator is with the installation's current task (`spec.taskID`). */
function task(chi: KubeObject) {
  const wanted = stringField(chi, 'spec', 'taskID') ?? '(unset)';
  const current = stringField(chi, 'status', 'taskID') === wanted;
  const state = current ? (stringField(chi, 'status', 'status') ?? '') : '';
  const hosts = numberField(chi, 'status', 'hosts');
  const progress = !current
    ? `the operator has not started task ${wanted} yet`
    : state === 'InProgress'
      ? `task ${wanted}: ${numberField(chi, 'status', 'hostsCompleted') ?? 0} of ${hosts ?? '?'} hosts reconciled`
      : `task ${wanted} ${state.toLowerCase() || 'started'}`;
  return {
    progress,
    finished: state === 'Completed' || state === 'Aborted',
    aborted: state === 'Aborted' ? `the operator aborted task ${wanted}${newestError(chi)}` : undefined,
  };
}

/** A PVC the resize controller or kubelet is still growing (its conditions say so). */
function resizing(pvc: KubeObject): boolean {
  const conditions = field(pvc, 'status', 'conditions');
  return (
    Array.isArray(conditions) &&
    conditions.some((c) => ['Resizing', 'FileSystemResizePending'].includes(String(field(c, 'type'))))
  );
}

/**
 * The scale-out and storage growth Altinity is carrying out, read from the installation's task and host
 * counters and from the data PVCs' capacity. A scale-out is told only on an installation that completed
 * a task before (a first install is not a scale-out).
 */
export function installationOperations(view: InstallationView): Operation[] {
  const { chi, replicas, appliedReplicas, volumes, storage, waitingFor } = view;
  const operations: Operation[] = [];
  const now = task(chi);
  if (waitingFor) {
    operations.push({
      kind: 'ScalingOut',
      change: `to ${waitingFor.replicas} replicas`,
      progress:
        `waiting for ClickHouseKeeperInstallation ${waitingFor.keeper} to complete (status ${waitingFor.status ?? 'not reported'}) ` +
        `before the hosts are added; ${NEW_REPLICA_CAVEAT}`,
    });
  }
  const hosts = volumes.slice(0, replicas);
  const present = hosts.filter((v) => v !== undefined).length;
  const completedBefore = (field(chi, 'status', 'taskIDsCompleted') as unknown[] | undefined)?.length ?? 0;
  const running = !now.finished || now.aborted !== undefined || appliedReplicas < replicas;
  if (!waitingFor && completedBefore > 0 && running && present < replicas) {
    operations.push({
      kind: 'ScalingOut',
      change: `to ${replicas} replicas`,
      progress: `${present} of ${replicas} hosts have their data volume; ${now.progress}; ${NEW_REPLICA_CAVEAT}`,
      ...(now.aborted ? { failed: now.aborted } : {}),
    });
  }
  const behind = claimsBelow(
    hosts.filter((v) => v !== undefined),
    storage,
  );
  const first = behind[0];
  if (first && storage) {
    const how =
      view.provisioner === PROVISIONER_OPERATOR
        ? 'the operator patches each PVC, no restart'
        : "the operator recreates each host's StatefulSet, one restart per host";
    const stuck = now.finished ? behind.find((v) => !resizing(v)) : undefined;
    operations.push({
      kind: 'Resizing',
      change: `storage ${claimCapacity(first)} → ${storage}`,
      progress: `${present - behind.length} of ${present} volumes at ${storage} (${how}); ${now.progress}`,
      ...(now.aborted
        ? { failed: now.aborted }
        : stuck
          ? {
              failed:
                `the operator finished its task, but PVC ${stuck.metadata.name} is still at ${claimCapacity(stuck)}: ` +
                'Altinity logs a refused resize (a StorageClass without allowVolumeExpansion) and goes on',
            }
          : {}),
    });
  }
  return operations;
}
