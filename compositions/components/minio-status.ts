// MinIO's condition vocabulary, and what the operator's Tenant status says: `MinioReportedReady` from
// `healthStatus` and `currentState` (kept apart from minio.ts, which builds the Tenant).
import { declareConditions, declareReasons, type Finding, notReported, Reasons } from '../conditions.js';
import { field, type KubeObject, stringField } from '../kube.js';

export const CONDITIONS = declareConditions({
  customResource: 'MinioCustomResource',
  reportedReady: 'MinioReportedReady',
  connectionInfo: 'MinioConnectionInfo',
  hasBeenReady: 'MinioHasBeenReady',
  credentials: 'MinioCredentials',
  removal: 'MinioRemoval',
  version: 'MinioVersion',
  operation: 'MinioOperation',
  /** Present while an older parent's Tenant holds the namespace. */
  namespaceConflict: 'MinioNamespaceConflict',
});

/** Besides the shared reasons; `red`, `yellow` and `green` are the Tenant's `healthStatus` words. */
const REASONS = declareReasons(
  'AnotherTenantInNamespace',
  'TenantError',
  'InProgress',
  'red',
  'yellow',
  'green',
);

export function conflictFinding(message: string): Finding {
  return {
    type: CONDITIONS.namespaceConflict,
    status: 'True',
    reason: REASONS.AnotherTenantInNamespace,
    message,
    implies: 'Error',
  };
}

// ---- readiness ---------------------------------------------------------------------------------------

// `status.currentState` values of operator v7.1.1 (pkg/controller/main-controller.go).
const INITIALIZED = 'Initialized';
export const UPDATING_VERSION = 'Updating MinIO Version';
/** Set while a new pool joins: every server restarts (pkg/controller/main-controller.go:1040-1095). */
export const RESTARTING = 'Restarting MinIO';
const PROGRESS_STATES = new Set([
  'Provisioning MinIO Cluster IP Service',
  'Provisioning MinIO Headless Service',
  'Provisioning MinIO Statefulset',
  'Provisioning Console Service',
  'Provisioning KES StatefulSet',
  'Provisioning initial users',
  'Provisioning default buckets',
  'Waiting for Tenant to be healthy',
  'Waiting for MinIO TLS Certificate',
  'Waiting for MinIO TLS Client Certificate',
  'Waiting for KES TLS Certificate',
  UPDATING_VERSION,
  'Updating KES',
  RESTARTING,
]);
// The named error states, plus ErrEmptyRootCredentials' text (pkg/controller/tenants.go). Any other
// text is an `err.Error()` the operator stored, so it is an error too.
const ERROR_STATES = new Set([
  'Statefulset not controlled by operator',
  'Another MinIO Tenant already exists in the namespace',
  'Tenant credentials are not set properly',
  'Different versions across MinIO Pools',
  'Pool Decommissioning Not Allowed',
  'empty tenant credentials',
]);

/** Whether `currentState` names an error: a named error state, or any text that is no known state. */
export const isErrorState = (state: string) =>
  ERROR_STATES.has(state) || (state !== '' && state !== INITIALIZED && !PROGRESS_STATES.has(state));

/**
 * `MinioReportedReady` from `status.healthStatus` and `status.currentState` (infra-crds §3.4). The
 * Tenant has no `observedGeneration`, so freshness cannot be checked; its pool shape is immutable and
 * `currentState` leaves `Initialized` while the operator rolls out a change.
 */
export function reportedReady(tenant: KubeObject): Finding {
  const type = CONDITIONS.reportedReady;
  const who = `Tenant ${tenant.metadata.name}`;
  const state = stringField(tenant, 'status', 'currentState') ?? '';
  const health = stringField(tenant, 'status', 'healthStatus') ?? '';
  const healthNote = health ? ` (health ${health})` : '';
  if (!state && !health) return notReported(type, who, 'state');
  if (isErrorState(state)) {
    return {
      type,
      status: 'False',
      reason: REASONS.TenantError,
      message: `${who} reports an error: ${state.slice(0, 300)}${healthNote}`,
      implies: 'Error',
    };
  }
  if (health === 'red') {
    return {
      type,
      status: 'False',
      reason: REASONS.red,
      message: `${who} is offline or has lost write quorum${healthMessage(tenant)}`,
      implies: 'Error',
    };
  }
  if (PROGRESS_STATES.has(state) || !state) {
    return {
      type,
      status: 'False',
      reason: REASONS.InProgress,
      message: `${who}: ${state || 'no state yet'}${healthNote}`,
      implies: 'Pending',
    };
  }
  // currentState is Initialized from here on.
  switch (health) {
    case 'yellow':
      return {
        type,
        status: 'False',
        reason: REASONS.yellow,
        message: `${who} has drives offline${healthMessage(tenant)}`,
        implies: 'Degraded',
      };
    case 'green': {
      const pending = poolsNotInitialized(tenant);
      if (pending.length > 0) {
        return {
          type,
          status: 'False',
          reason: REASONS.InProgress,
          message: `${who}: pools not initialized yet: ${pending.join(', ')}`,
          implies: 'Pending',
        };
      }
      return {
        type,
        status: 'True',
        reason: REASONS.green,
        message: `${who} is initialized and healthy`,
        implies: 'Healthy',
      };
    }
    case '':
      return {
        type,
        status: 'False',
        reason: REASONS.InProgress,
        message: `${who} is initialized; waiting for its first health check`,
        implies: 'Pending',
      };
    default:
      return {
        type,
        status: 'Unknown',
        reason: Reasons.Unknown,
        message: `${who} reports the unknown health "${health.slice(0, 100)}"`,
        implies: 'Unknown',
      };
  }
}

function healthMessage(tenant: KubeObject): string {
  const message = stringField(tenant, 'status', 'healthMessage');
  return message ? `: ${message.slice(0, 300)}` : '';
}

function poolsNotInitialized(tenant: KubeObject): string[] {
  const pools = field(tenant, 'status', 'pools');
  if (!Array.isArray(pools)) return [];
  return pools
    .filter((pool) => field(pool, 'state') !== 'PoolInitialized')
    .map((pool) => `${stringField(pool, 'ssName') ?? '?'} (${stringField(pool, 'state') ?? 'no state'})`);
}
