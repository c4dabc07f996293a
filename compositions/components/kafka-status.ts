// Kafka's condition vocabulary, and what Strimzi's status says about a Kafka: `KafkaReportedReady` from
// the Kafka's conditions and the freshness of both the Kafka and its node pool (kept apart from
// kafka.ts, which builds the objects).
import {
  declareConditions,
  declareReasons,
  type Finding,
  notReported,
  Reasons,
  reportedReason,
  staleFinding,
  staleGeneration,
  worstState,
} from '../conditions.js';
import { field, type KubeObject, numberField } from '../kube.js';

export const CONDITIONS = declareConditions({
  kafkaCustomResource: 'KafkaCustomResource',
  nodePoolCustomResource: 'NodePoolCustomResource',
  reportedReady: 'KafkaReportedReady',
  connectionInfo: 'KafkaConnectionInfo',
  hasBeenReady: 'KafkaHasBeenReady',
  credentials: 'KafkaCredentials',
  removal: 'KafkaRemoval',
  version: 'KafkaVersion',
  operation: 'KafkaOperation',
  /** Present while a Kafka is paused over volumes retained from an earlier cluster. */
  retainedVolumes: 'KafkaRetainedVolumes',
});

export const REASONS = declareReasons(
  'NotReady',
  'ReconciliationPaused',
  'Creating',
  'NodePoolMissing',
  'NodePoolScaling',
  'PausedOverRetainedVolumes',
  'PurgeWaitsForUser',
);

interface StrimziCondition {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
}

function trueCondition(object: KubeObject, type: string): StrimziCondition | undefined {
  const conditions = field(object, 'status', 'conditions');
  if (!Array.isArray(conditions)) return undefined;
  return conditions.find(
    (c): c is StrimziCondition =>
      c !== null &&
      typeof c === 'object' &&
      (c as StrimziCondition).type === type &&
      (c as StrimziCondition).status === 'True',
  );
}

const detailOf = (condition: StrimziCondition): string =>
  typeof condition.message === 'string' && condition.message ? `: ${condition.message.slice(0, 300)}` : '';

/**
 * `KafkaReportedReady` from the Kafka's `Ready`/`NotReady`/`ReconciliationPaused` conditions, fresh only
 * when both the Kafka and the pool were reconciled at their current generation (pool edits do not bump
 * the Kafka) and the pool runs the replicas it asks for (infra-crds §1.5, §7). What the Kafka reports
 * and what freshness says are judged apart and the worse one wins, so a worse report never reads better.
 */
/** A pool the Kafka is made of, observed or not yet. */
export interface PoolOf {
  readonly name: string;
  readonly observed: KubeObject | undefined;
}

export function reportedReady(kafka: KubeObject, pools: readonly PoolOf[]): Finding {
  const who = `Kafka ${kafka.metadata.name}`;
  const status = kafka.status;
  if (status === null || typeof status !== 'object' || Object.keys(status).length === 0) {
    return notReported(CONDITIONS.reportedReady, who);
  }
  const reported = reportedByKafka(kafka, who);
  const freshness = freshnessOf(kafka, pools);
  if (!freshness) return reported;
  const worst = worstState([reported.implies, freshness.implies]);
  return worst === reported.implies && reported.status !== 'True' ? reported : freshness;
}

function reportedByKafka(kafka: KubeObject, who: string): Finding {
  const type = CONDITIONS.reportedReady;
  const notReady = trueCondition(kafka, 'NotReady');
  if (notReady && notReady.reason !== 'Creating') {
    return {
      type,
      status: 'False',
      // Strimzi's reason is an exception's class name.
      reason: reportedReason(notReady.reason, REASONS.NotReady),
      message: `${who} is not ready${detailOf(notReady)}`,
      implies: 'Error',
    };
  }
  const paused = trueCondition(kafka, 'ReconciliationPaused');
  if (paused) {
    return {
      type,
      status: 'False',
      reason: REASONS.ReconciliationPaused,
      message: `${who}: reconciliation is paused (annotation strimzi.io/pause-reconciliation)${detailOf(paused)}`,
      implies: 'Unavailable',
    };
  }
  if (notReady) {
    return {
      type,
      status: 'False',
      reason: REASONS.Creating,
      message: `${who} is being created${detailOf(notReady)}`,
      implies: 'Pending',
    };
  }
  if (trueCondition(kafka, 'Ready')) {
    return {
      type,
      status: 'True',
      reason: Reasons.ReportedStatus,
      message: `${who} is ready`,
      implies: 'Healthy',
    };
  }
  return {
    type,
    status: 'Unknown',
    reason: Reasons.Unknown,
    message: `${who} reports neither Ready nor NotReady`,
    implies: 'Unknown',
  };
}

/** Why what the Kafka reports may not describe the current spec yet, or undefined when it does. */
function freshnessOf(kafka: KubeObject, pools: readonly PoolOf[]): Finding | undefined {
  const type = CONDITIONS.reportedReady;
  const stale =
    staleGeneration(kafka) ??
    pools.map(({ observed }) => observed && staleGeneration(observed)).find((s) => s !== undefined);
  if (stale) return staleFinding(type, stale);
  for (const { name, observed } of pools) {
    const pending = poolPending(observed, name);
    if (pending) return pending;
  }
  return undefined;
}

function poolPending(pool: KubeObject | undefined, poolName: string): Finding | undefined {
  const type = CONDITIONS.reportedReady;
  if (!pool) {
    return {
      type,
      status: 'False',
      reason: REASONS.NodePoolMissing,
      message: `KafkaNodePool ${poolName} does not exist yet`,
      implies: 'Pending',
    };
  }
  const wanted = numberField(pool, 'spec', 'replicas');
  const running = numberField(pool, 'status', 'replicas');
  // More nodes than asked: a scale-down Strimzi holds (Cruise Control empties the brokers) or reverts.
  // They keep serving, so the Kafka is not pending; KafkaOperation says what happens to them.
  if (running !== undefined && wanted !== undefined && running > wanted) return undefined;
  if (running !== wanted) {
    return {
      type,
      status: 'False',
      reason: REASONS.NodePoolScaling,
      message: `KafkaNodePool ${poolName} has ${running ?? 0} of ${wanted ?? 'unset'} replicas`,
      implies: 'Pending',
    };
  }
  return undefined;
}
