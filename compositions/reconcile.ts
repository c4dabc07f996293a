// The composite hooks as pure functions: sync and finalize share one pipeline,
// Resolve → (Finalize | Write → Read → Infer) → Summarize, as in the reference operator's v2 flow.
import { nameCollisions, parentsRule } from './collisions.js';
import {
  type Component,
  type ComponentContext,
  carriesPolicy,
  connectionSecretName,
  credentialSecrets,
  type RetentionPlan,
} from './component.js';
import { COMPONENTS } from './components/index.js';
import { type Finding, Reasons, stampConditions } from './conditions.js';
import { describeTermination, isTerminating } from './deletion.js';
import { appliedByMetacontroller, freeze } from './freeze.js';
import { formatIssues } from './issues.js';
import {
  type Child,
  compareObjects,
  type KubeObject,
  ObservedObjects,
  RELATED_KINDS,
  sameKind,
} from './kube.js';
import type { CompositeSyncRequest, CustomizeRequest, CustomizeResponse } from './metacontroller.js';
import { type Condition, parentSchemas, type WeightsAndBiasesStatus } from './parent.js';
import { type ParentRef, type RetentionMode, resolveSpec } from './presets.js';
import {
  type ComponentOutcome,
  inlineSecretFields,
  type PreviousStatus,
  readPreviousStatus,
  rememberReadiness,
  summarize,
} from './status.js';

/** What the edge passes in: the only clock a composition ever sees. */
export interface Environment {
  readonly now: string;
}

export const ORPHAN_FINALIZER = 'orphan';

export function parentRef(parent: CompositeSyncRequest['parent']): ParentRef {
  return {
    name: parent.metadata.name,
    namespace: parent.metadata.namespace,
    uid: parent.metadata.uid,
    generation: parent.metadata.generation ?? 0,
    creationTimestamp: parent.metadata.creationTimestamp ?? '',
  };
}

/** A composite hook response (checked against the wire schema at the edge). */
export interface SyncResult {
  readonly status: WeightsAndBiasesStatus;
  readonly children: Child[];
  readonly resyncAfterSeconds?: number;
  readonly finalized?: boolean;
}

interface Bound {
  readonly component: Component<unknown>;
  readonly context: ComponentContext<unknown>;
  readonly enabled: boolean;
  /** The component's desired children, computed once per call. */
  readonly desired: () => Child[];
}

/** The sync and finalize hooks (`request.finalizing` tells them apart). */
export function reconcile(
  request: CompositeSyncRequest,
  env: Environment,
  registry: readonly Component[] = COMPONENTS,
): SyncResult {
  const parent = parentRef(request.parent);
  const observed = ObservedObjects.fromMaps(request.children);
  const related = ObservedObjects.fromMaps(request.related);
  const previous = readPreviousStatus(
    request.parent.status,
    registry.map((c) => c.name),
  );
  const finalizing = request.finalizing;

  if (finalizing && request.parent.metadata.finalizers?.includes(ORPHAN_FINALIZER)) {
    return orphaned(observed, previous, parent, env, registry);
  }

  const parsed = parentSchemas(registry).spec.safeParse(request.parent.spec ?? {});
  if (!parsed.success)
    return invalid(formatIssues(parsed.error, 'spec'), observed, previous, parent, env, finalizing, registry);
  const { spec, problems } = resolveSpec(parsed.data, parent, registry);

  const bound: Bound[] = registry.map((component) => {
    const own = component.select(spec);
    const context: ComponentContext<unknown> = { parent, spec: own, observed, related };
    let desired: Child[] | undefined;
    return {
      component,
      enabled: own.enabled,
      context,
      desired: () => (desired ??= component.desired(context)),
    };
  });
  // Removal touches only observed children, which are ours whatever the names: never refused for them.
  const refused = finalizing
    ? []
    : [
        ...nameCollisions(
          spec,
          parent,
          related,
          bound.filter((b) => !b.enabled && ownObserved(b).length > 0).map((b) => b.component.name),
          registry,
        ),
        ...bound.filter((b) => b.enabled).flatMap(refusedEdits),
      ];
  if (problems.length > 0 || refused.length > 0) {
    return invalid([...problems, ...refused], observed, previous, parent, env, finalizing, registry);
  }

  const results = bound.map((b) =>
    finalizing || !b.enabled ? remove(b, previous) : write(b, previous, env.now),
  );
  // A child of a kind no component owns means the controller manifest and this code disagree (an
  // upgrade half done): keep it exactly as it is, since omitting it would delete it.
  const unowned = observed.all.filter((o) => !registry.some((c) => c.kinds.some((k) => sameKind(o, k.ref))));
  const children = [...results.flatMap((r) => r.children), ...unowned.map(freeze)].sort(compareObjects);
  const summary = summarize(
    results.map((r) => r.outcome),
    previous,
    {
      now: env.now,
      generation: parent.generation,
      finalizing,
      unowned: unowned.map((o) => `${o.kind} ${o.metadata.name}`),
      inlineSecrets: inlineSecretFields(parsed.data),
    },
  );
  return {
    status: summary.status,
    children,
    resyncAfterSeconds: summary.resyncAfterSeconds,
    ...(finalizing ? { finalized: results.every((r) => r.remaining === 0) } : {}),
  };
}

interface ComponentResult {
  readonly children: Child[];
  readonly outcome: ComponentOutcome;
  /** Observed children of this component that must still go before finalize may finish. */
  readonly remaining: number;
}

function ownObserved({ component, context }: Bound): KubeObject[] {
  return context.observed.all.filter((o) => component.kinds.some((k) => sameKind(o, k.ref)));
}

function conditionFor(component: Component<unknown>, object: { apiVersion: string; kind: string }): string {
  return (
    component.kinds.find((k) => sameKind(object, k.ref))?.condition ?? `${component.title}CustomResource`
  );
}

/** Write → Read → Infer for an enabled component. */
function write(b: Bound, previous: PreviousStatus, now: string): ComponentResult {
  const { component, context } = b;
  const before = previous.componentConditions[component.name] ?? [];
  const spec = context.spec as { name: string };
  // A custom resource that references a credential Secret is created only once that Secret is
  // observed; one that exists is always kept (decision 4).
  const missingSecrets = credentialSecrets(component, context.spec).filter(
    (name) => !context.related.has(RELATED_KINDS.Secret, name),
  );
  const children: Child[] = [];
  const findings: Finding[] = [];
  for (const child of b.desired()) {
    const type = conditionFor(component, child);
    const who = `${child.kind} ${child.metadata.name}`;
    const existing = context.observed.get(child, child.metadata.name);
    if (existing && isTerminating(existing)) {
      // Returned all the same: Metacontroller leaves a terminating child alone (neither applies nor
      // deletes it), and creates it anew from a later sync once it is gone.
      children.push(child);
      findings.push({
        type,
        status: 'False',
        reason: Reasons.PendingDelete,
        message: `${describeTermination(component, existing)}; it is created again once it is gone`,
        implies: 'Unavailable',
      });
    } else if (existing) {
      children.push(child);
      findings.push({
        type,
        status: 'True',
        reason: Reasons.ResourceExists,
        message: `${who} exists`,
        implies: 'Healthy',
      });
    } else if (missingSecrets.length > 0) {
      const secrets = missingSecrets.map((name) => `Secret ${name}`).join(', ');
      findings.push({
        type,
        status: 'False',
        reason: Reasons.PendingCreate,
        message: `${who} waits for ${secrets} (written by the wandb-secrets DecoratorController)`,
        implies: 'Pending',
      });
    } else {
      children.push(child);
      findings.push({
        type,
        status: 'False',
        reason: Reasons.PendingCreate,
        message: `${who} is being created`,
        implies: 'Pending',
      });
    }
  }
  const lost = lostCredentials(b, missingSecrets);
  if (lost) findings.push(lost);
  const reported = component.observe(context);
  const connection = connectionInfo(component, spec, context.related, reported, before, now);
  findings.push(...reported, connection);
  const outcome: ComponentOutcome = {
    name: component.name,
    enabled: true,
    findings: rememberReadiness(component.title, findings, before),
    ...(connection.status === 'True' ? { connectionSecret: connectionSecretName(spec) } : {}),
  };
  return { children, outcome, remaining: 0 };
}

/**
 * `<Title>Credentials`: credential Secrets missing although the component's custom resources, or the
 * volumes whose data needs them, still exist. The DecoratorController never generates them again
 * (decision 5: running servers and data keep the old value, and a new one would split them), so this
 * names them, says why, and how to restore them or to start over on purpose.
 */
function lostCredentials(b: Bound, missing: readonly string[]): Finding | undefined {
  if (missing.length === 0) return undefined;
  const { component, context } = b;
  const resources = ownObserved(b)
    .filter(appliedByMetacontroller)
    .map((o) => `${o.kind} ${o.metadata.name}`);
  const volumes = component.dataNeedsSecrets
    ? component
        .dataVolumes(context.spec)
        .filter((name) => context.related.has(RELATED_KINDS.PersistentVolumeClaim, name))
    : [];
  if (resources.length === 0 && volumes.length === 0) return undefined;
  const namespace = context.parent.namespace;
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
  const connection = connectionSecretName(context.spec as { name: string });
  const startOver = component.dataNeedsSecrets
    ? ` To start over with empty storage instead: set spec.${component.name}.enabled to false, wait until its ` +
      `custom resources are gone, run ${component.dataNeedsSecrets.deleteVolumes(context.spec, namespace)}, ` +
      'then enable it again: new credentials are made once nothing of it is left.'
    : '';
  return {
    type: `${component.title}Credentials`,
    status: 'False',
    reason: 'CredentialSecretMissing',
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
 * `<Title>ConnectionInfo`: whether the connection Secret exists. Missing while the operator still
 * works is `False`, Pending (the reference said Unavailable). Missing although the operator reports
 * ready is `Unknown`: Pending until the gap has lasted CONNECTION_GAP_SECONDS, then the reference's
 * special case, an Error. The status stays `Unknown` through both, so the condition's
 * lastTransitionTime is when the gap started; an unreadable or missing previous time starts it now.
 */
function connectionInfo(
  component: Component<unknown>,
  spec: { name: string },
  related: ObservedObjects,
  reported: readonly Finding[],
  previous: readonly Condition[],
  now: string,
): Finding {
  const type = `${component.title}ConnectionInfo`;
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
    (f) => f.type === `${component.title}ReportedReady` && f.status === 'True',
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
        reason: 'ConnectionSecretPending',
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

/**
 * An enabled component never omits an observed child of its kinds: that would delete it.
 * Components explain the edits they refuse; anything else that would drop a child is refused here.
 */
function refusedEdits(b: Bound): string[] {
  const specific = b.component.refusedEdits(b.context);
  if (specific.length > 0) return specific;
  const desired = b.desired();
  return ownObserved(b)
    .filter((o) => !desired.some((d) => sameKind(d, o) && d.metadata.name === o.metadata.name))
    .map(
      (o) =>
        `spec.${b.component.name} no longer yields the existing ${o.kind} ${o.metadata.name}; ` +
        'changing names or topology of a live component would delete it',
    );
}

/**
 * Removal (component disabled, or parent deleted), in two phases (decision 8): keep returning each
 * child as last applied with the retention knobs until they are in effect, then omit it and wait
 * until it is gone. Phase 2 never starts in the first call that sees the removal: the previous status
 * must already record it, which also covers a `--cascade=orphan` finalizer that was removed before we
 * saw it. Once phase 2 has started it is never undone: a policy switched later is reported, not applied.
 */
function remove(b: Bound, previous: PreviousStatus): ComponentResult {
  const { component, context, enabled } = b;
  const present = ownObserved(b);
  if (present.length === 0) {
    return {
      children: [],
      outcome: { name: component.name, enabled: false, findings: [], fixedState: 'Disabled' },
      remaining: 0,
    };
  }
  const policy = (context.spec as { readonly retention: RetentionMode }).retention;
  const removalType = `${component.title}Removal`;
  const earlier = previous.componentConditions[component.name]?.find((c) => c.type === removalType);
  // Knobs cannot change on an object being deleted: once phase 2 has omitted the children, or a child
  // is terminating, its deletion runs with the knobs it carries, whatever the policy says now.
  const omitted = earlier?.reason === REMOVAL_DELETING;
  const locked = (o: KubeObject) => omitted || isTerminating(o);
  const waiting = present.filter((o) => !locked(o) && !component.knobsInEffect(context, o));
  const overtaken = present.filter((o) => locked(o) && !carriesPolicy(component.appliedRetention(o), policy));
  const names = (objects: KubeObject[]) => objects.map((o) => `${o.kind} ${o.metadata.name}`).join(', ');
  const why = enabled ? 'the parent is being deleted' : `spec.${component.name}.enabled is false`;

  const plan = component.retentionPlan(context.spec, context.parent.namespace);
  const consequences =
    overtaken.length > 0
      ? overtakenConsequences(component, context, policy, overtaken)
      : planConsequences(plan);
  let children: Child[];
  let finding: Finding;
  let summary: string;
  if (!omitted && (waiting.length > 0 || earlier === undefined)) {
    // Phase 1 returns each child as last applied with only its retention knobs changed: a spec edit
    // that sync would refuse (or any other) never reaches a database on its way out (decision 7).
    children = present.map((o) => component.withRetentionKnobs(freeze(o), o, policy));
    finding = {
      type: removalType,
      status: 'False',
      reason: 'ApplyingRetention',
      message:
        waiting.length > 0
          ? `${why}; waiting until the ${plan.policy} knobs are in effect on ${names(waiting)}; ${consequences}`
          : `${why}; the ${plan.policy} knobs are in effect; ${names(present)} will be deleted on the next sync; ${consequences}`,
      implies: 'Unavailable',
    };
    summary =
      waiting.length > 0
        ? `waiting for the ${plan.policy} knobs on ${names(waiting)}`
        : `${plan.policy} knobs in effect`;
  } else {
    children = [];
    finding = {
      type: removalType,
      status: 'False',
      reason: REMOVAL_DELETING,
      message: `${why}; waiting until ${names(present)} ${present.length === 1 ? 'is' : 'are'} gone; ${consequences}`,
      implies: 'Unavailable',
    };
    summary = `waiting until ${names(present)} ${present.length === 1 ? 'is' : 'are'} gone`;
  }
  const pendingDelete: Finding[] = present.map((o) => ({
    type: conditionFor(component, o),
    status: 'False',
    reason: Reasons.PendingDelete,
    message: isTerminating(o)
      ? describeTermination(component, o)
      : `${o.kind} ${o.metadata.name} is being removed`,
    implies: 'Unavailable',
  }));
  const notes = component.removalFindings?.(context) ?? [];
  return {
    children,
    outcome: {
      name: component.name,
      enabled: false,
      findings: [...pendingDelete, ...notes, finding],
      summary,
    },
    remaining: present.length,
  };
}

/** Phase 2's reason: the children are omitted and Metacontroller deletes them. */
const REMOVAL_DELETING = 'Deleting';

const planConsequences = (plan: RetentionPlan): string =>
  `volumes ${plan.volumes}${plan.manual ? `; to remove them run: ${plan.manual}` : ''}`;

/**
 * The policy changed after these children's deletion began (decision 8): say that it runs with the
 * knobs they carry, and what that keeps or deletes.
 */
function overtakenConsequences(
  component: Component<unknown>,
  context: ComponentContext<unknown>,
  policy: RetentionMode,
  overtaken: readonly KubeObject[],
): string {
  const who = overtaken.map((o) => `${o.kind} ${o.metadata.name}`).join(', ');
  const applied = new Set(overtaken.map((o) => component.appliedRetention(o)));
  const [only] = applied;
  const runs =
    applied.size === 1 && (only === 'retain' || only === 'purge')
      ? `${only}: ${planConsequences(component.retentionPlan({ ...(context.spec as object), retention: only }, context.parent.namespace))}`
      : 'the knobs each carried when its deletion began, which disagree between its volumes';
  return (
    `the retention policy is now ${policy}, but ${who} ${overtaken.length === 1 ? 'was' : 'were'} already being deleted ` +
    `and knobs cannot change on an object being deleted, so the deletion runs with ${runs}`
  );
}

/** Invalid spec: freeze every observed child, keep per-component statuses, say why (decision 7). */
function invalid(
  problems: readonly string[],
  observed: ObservedObjects,
  previous: PreviousStatus,
  parent: ParentRef,
  env: Environment,
  finalizing: boolean,
  registry: readonly Component[],
): SyncResult {
  const message = problems.join('; ');
  const conditions = stampConditions(
    [
      { type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message },
      {
        type: 'Ready',
        status: 'False',
        reason: 'InvalidSpec',
        message: `spec is invalid, nothing was changed${finalizing ? ' and deletion waits until it is fixed' : ''}: ${message}`,
      },
    ],
    previous.conditions,
    env.now,
    parent.generation,
  );
  return {
    status: { ready: false, conditions, ...keptComponentStatuses(previous, registry) },
    children: observed.all.map(freeze),
    // An invalid spec does not heal by itself; the edit that fixes it triggers a sync at once.
    resyncAfterSeconds: 180,
    ...(finalizing ? { finalized: false } : {}),
  };
}

/** `kubectl delete --cascade=orphan`: Metacontroller no longer manages children; let go. */
function orphaned(
  observed: ObservedObjects,
  previous: PreviousStatus,
  parent: ParentRef,
  env: Environment,
  registry: readonly Component[],
): SyncResult {
  const conditions = stampConditions(
    [
      {
        type: 'Ready',
        status: 'False',
        reason: 'Orphaned',
        message: 'deleted with --cascade=orphan: the infrastructure keeps running without this parent',
      },
    ],
    previous.conditions,
    env.now,
    parent.generation,
  );
  return {
    status: { ready: false, conditions, ...keptComponentStatuses(previous, registry) },
    children: observed.all.map(freeze),
    finalized: true,
  };
}

function keptComponentStatuses(previous: PreviousStatus, registry: readonly Component[]) {
  return Object.fromEntries(
    registry.flatMap(({ name }) => {
      const status = previous.component(name);
      return status ? [[`${name}Status`, status]] : [];
    }),
  );
}

/** The customize hook: related objects readiness needs, always in the parent's namespace. */
export function customize(
  request: CustomizeRequest,
  registry: readonly Component[] = COMPONENTS,
): CustomizeResponse {
  const parent = parentRef(request.parent);
  const parsed = parentSchemas(registry).spec.safeParse(request.parent.spec ?? {});
  if (!parsed.success) return { relatedResources: [] };
  const { spec } = resolveSpec(parsed.data, parent, registry);
  const enabled = registry
    .map((component) => ({ component, own: component.select(spec) }))
    .filter(({ own }) => own.enabled);
  // Our Secrets, by name: credentials gate the custom resources, connection Secrets feed ConnectionInfo.
  const secretNames = enabled.flatMap(({ component, own }) => [
    ...credentialSecrets(component, own),
    connectionSecretName(own),
  ]);
  return {
    relatedResources: [
      ...(secretNames.length > 0
        ? [
            {
              apiVersion: RELATED_KINDS.Secret.apiVersion,
              resource: RELATED_KINDS.Secret.resource,
              namespace: parent.namespace,
              names: secretNames,
            },
          ]
        : []),
      ...enabled.flatMap(({ component, own }) => component.relatedRules(own, parent.namespace)),
      ...(enabled.length > 0 ? [parentsRule(parent.namespace)] : []),
    ],
  };
}
