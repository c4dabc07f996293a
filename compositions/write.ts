// Write → Read → Infer for an enabled component: its children, whether each exists, and what its
// operator, its credential Secrets and its connection Secret say.
import { type Bound, type ComponentResult, conditionFor, ownObserved } from './bound.js';
import { connectionSecretName } from './component.js';
import { type Finding, notCreated, Reasons } from './conditions.js';
import { isTerminating, terminating } from './deletion.js';
import { appliedByMetacontroller } from './freeze.js';
import { type Child, RELATED_KINDS, sameKind } from './kube.js';
import { operationFinding } from './operations.js';
import type { Condition } from './parent.js';
import { type ComponentOutcome, type PreviousStatus, rememberReadiness } from './status.js';

/** Write → Read → Infer for an enabled component. */
export function write(b: Bound, previous: PreviousStatus, now: string): ComponentResult {
  const { component, observed, related } = b;
  const before = previous.componentConditions[component.name] ?? [];
  // A custom resource that references a credential Secret is created only once that Secret is
  // observed; one that exists is always kept (decision 4).
  const missingSecrets = b.credentialSecrets().filter((name) => !related.has(RELATED_KINDS.Secret, name));
  const children: Child[] = [];
  const findings: Finding[] = [];
  for (const child of b.desired()) {
    // A child of a kind the component does not own is refused by the response check (checks.ts).
    const type = conditionFor(component, child);
    const who = `${child.kind} ${child.metadata.name}`;
    const existing = observed.get(child, child.metadata.name);
    if (existing && isTerminating(existing)) {
      // Returned all the same: Metacontroller leaves a terminating child alone (neither applies nor
      // deletes it), and creates it anew from a later sync once it is gone.
      children.push(child);
      if (type)
        findings.push(terminating(type, component, existing, '; it is created again once it is gone'));
    } else if (existing) {
      children.push(child);
      if (type) {
        findings.push({
          type,
          status: 'True',
          reason: Reasons.ResourceExists,
          message: `${who} exists`,
          implies: 'Healthy',
        });
      }
    } else {
      const secrets = missingSecrets.map((name) => `Secret ${name}`).join(', ');
      if (missingSecrets.length === 0) children.push(child);
      if (type) {
        findings.push({
          type,
          status: 'False',
          reason: Reasons.PendingCreate,
          message:
            missingSecrets.length > 0
              ? `${who} waits for ${secrets} (written by the wandb-secrets DecoratorController)`
              : `${who} is being created`,
          implies: 'Pending',
        });
      }
    }
  }
  const lost = lostCredentials(b, missingSecrets);
  if (lost) findings.push(lost);
  const reported = withUnreported(b, b.observe());
  const connection = connectionInfo(b, reported, before, now);
  findings.push(...reported, connection, b.versionFinding());
  const operation = operationFinding(
    component.conditions.operation,
    component.title,
    b.operations(),
    before,
    now,
  );
  if (operation) findings.push(operation);
  const outcome: ComponentOutcome = {
    name: component.name,
    enabled: true,
    findings: rememberReadiness(component.conditions.hasBeenReady, component.title, findings, before),
    ...(connection.status === 'True' ? { connectionSecret: connectionSecretName(b.spec) } : {}),
  };
  return { children, outcome, remaining: 0 };
}

/**
 * Every declared readiness condition from the first sync: a desired child whose kind declares one
 * that `observe` did not report does not exist yet, so that condition is `Unknown` (`notCreated`).
 */
function withUnreported(b: Bound, reported: readonly Finding[]): Finding[] {
  const missing = new Map<string, Finding>();
  for (const child of b.desired()) {
    const type = b.component.kinds.find((k) => sameKind(child, k.ref))?.reported;
    if (type && !reported.some((f) => f.type === type) && !missing.has(type)) {
      missing.set(type, notCreated(type, `${child.kind} ${child.metadata.name}`));
    }
  }
  return [...reported, ...missing.values()];
}

/**
 * `conditions.credentials`: credential Secrets missing although the component's custom resources, or the
 * volumes whose data needs them, still exist. The DecoratorController never generates them again
 * (decision 5: running servers and data keep the old value, and a new one would split them), so this
 * names them, says why, and how to restore them or to start over on purpose.
 */
function lostCredentials(b: Bound, missing: readonly string[]): Finding | undefined {
  if (missing.length === 0) return undefined;
  const { component, related } = b;
  const resources = ownObserved(b)
    .filter(appliedByMetacontroller)
    .map((o) => `${o.kind} ${o.metadata.name}`);
  const deleteVolumes = b.deleteVolumes();
  const volumes = deleteVolumes
    ? b.dataVolumes().filter((name) => related.has(RELATED_KINDS.PersistentVolumeClaim, name))
    : [];
  if (resources.length === 0 && volumes.length === 0) return undefined;
  const namespace = b.parent.namespace;
  const still = [
    ...(resources.length > 0
      ? [`${resources.join(', ')} still ${resources.length === 1 ? 'exists' : 'exist'}`]
      : []),
    ...(volumes.length > 0
      ? [
          `its data volumes still exist (PVC ${volumes.slice(0, 3).join(', ')}${volumes.length > 3 ? ', …' : ''})`,
        ]
      : []),
  ].join(' and ');
  const connection = connectionSecretName(b.spec);
  const startOver = deleteVolumes
    ? ` To start over with empty storage instead: set spec.${component.name}.enabled to false, wait until its ` +
      `custom resources are gone, run ${deleteVolumes}, ` +
      'then enable it again: new credentials are made once nothing of it is left.'
    : '';
  return {
    type: component.conditions.credentials,
    status: 'False',
    reason: Reasons.CredentialSecretMissing,
    message:
      `${missing.map((name) => `Secret ${name}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing although ${still}; ` +
      'the wandb-secrets DecoratorController does not generate credentials again while the servers or their data ' +
      `may use the old ones. Restore the Secret with its old values: from a backup, or from Secret ${connection} ` +
      `if it still exists (it holds the same password: kubectl get secret ${connection} -n ${namespace} -o yaml).${startOver}`,
    implies: 'Error',
  };
}

/**
 * How long a connection Secret may be missing while the operator reports ready before that is an
 * Error. The DecoratorController writes the Secret from the same operator status the composite reads,
 * so the composite can see "ready" a sync before the Secret: a gap is normal for seconds, not minutes.
 */
export const CONNECTION_GAP_SECONDS = 120;

/**
 * `conditions.connectionInfo`: whether the connection Secret exists. Missing while the operator still
 * works is `False`, Pending (the reference said Unavailable). Missing although the operator reports
 * ready is `Unknown`: Pending until the gap has lasted CONNECTION_GAP_SECONDS, then the reference's
 * special case, an Error. The status stays `Unknown` through both, so the condition's
 * lastTransitionTime is when the gap started; an unreadable or missing previous time starts it now.
 */
function connectionInfo(
  { component, spec, related }: Bound,
  reported: readonly Finding[],
  previous: readonly Condition[],
  now: string,
): Finding {
  const type = component.conditions.connectionInfo;
  const name = connectionSecretName(spec);
  if (related.has(RELATED_KINDS.Secret, name)) {
    return {
      type,
      status: 'True',
      reason: Reasons.ResourceExists,
      message: `Secret ${name} holds the connection details`,
      implies: 'Healthy',
    };
  }
  const readyReported = reported.some(
    (f) => f.type === component.conditions.reportedReady && f.status === 'True',
  );
  if (!readyReported) {
    return {
      type,
      status: 'False',
      reason: Reasons.NoResource,
      message: `Secret ${name} is not written yet`,
      implies: 'Pending',
    };
  }
  const before = previous.find((c) => c.type === type && c.status === 'Unknown');
  const since = before?.lastTransitionTime ?? now;
  const elapsed = secondsBetween(since, now);
  const left = CONNECTION_GAP_SECONDS - elapsed;
  return left > 0
    ? {
        type,
        status: 'Unknown',
        reason: Reasons.ConnectionSecretPending,
        message: `${component.title} is reported as ready and Secret ${name} is not observed yet (since ${since}); the wandb-secrets DecoratorController writes it from the same status, and ${CONNECTION_GAP_SECONDS} s without it is an Error`,
        implies: 'Pending',
        recheckAfterSeconds: left,
      }
    : {
        type,
        status: 'Unknown',
        reason: Reasons.NoResource,
        message: `${component.title} connection info is unavailable, but ${component.title} is reported as ready (Secret ${name} missing since ${since}): check that the wandb-secrets DecoratorController runs`,
        implies: 'Error',
      };
}

/**
 * Whole seconds from `since` to `now`, both RFC 3339. A time that does not parse, or one later than
 * `now` (another writer's clock), counts as `now`: the gap is judged from its quietest reading.
 */
function secondsBetween(since: string, now: string): number {
  const elapsed = (Date.parse(now) - Date.parse(since)) / 1000;
  return Number.isFinite(elapsed) && elapsed > 0 ? Math.floor(elapsed) : 0;
}
