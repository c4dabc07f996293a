// The composite hooks as pure functions: sync and finalize share one pipeline,
// Resolve → (Finalize | Write → Read → Infer) → Summarize, as in the reference operator's v2 flow.
import { type Bound, bind, ownObserved } from './bound.js';
import { nameCollisions, parentsRule } from './collisions.js';
import { type Component, connectionSecretName, credentialSecrets } from './component.js';
import { COMPONENTS } from './components/index.js';
import { stampConditions } from './conditions.js';
import { freeze } from './freeze.js';
import { formatIssues } from './issues.js';
import { type Child, compareObjects, ObservedObjects, RELATED_KINDS, sameKind } from './kube.js';
import type { CompositeSyncRequest, CustomizeRequest, CustomizeResponse } from './metacontroller.js';
import type { WeightsAndBiasesStatus } from './parent.js';
import { parentSpec } from './parent-spec.js';
import { type ParentRef, parentRef } from './presets.js';
import { remove } from './removal.js';
import {
  inlineSecretFields,
  ParentConditions,
  ParentReasons,
  type PreviousStatus,
  readPreviousStatus,
  summarize,
} from './status.js';
import { versionRecordName } from './versions.js';
import { write } from './write.js';

/** What the edge passes in: the only clock a composition ever sees. */
export interface Environment {
  readonly now: string;
}

export const ORPHAN_FINALIZER = 'orphan';

/** A composite hook response (checked against the wire schema at the edge). */
export interface SyncResult {
  readonly status: WeightsAndBiasesStatus;
  readonly children: Child[];
  readonly resyncAfterSeconds?: number;
  readonly finalized?: boolean;
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

  const ofParent = parentSpec(parent, request.parent.spec, registry);
  const { parsed } = ofParent;
  if (!parsed.success)
    return invalid(formatIssues(parsed.error, 'spec'), observed, previous, parent, env, finalizing, registry);
  const { spec, problems } = ofParent.resolved({ observed, related });

  const bound = registry.map((component) => bind(component, spec, { parent, observed, related }));
  // Removal touches only observed children, which are ours whatever the names: never refused for them.
  const refused = finalizing
    ? []
    : [
        ...nameCollisions(
          spec,
          parent,
          related,
          bound.filter((b) => !b.spec.enabled && ownObserved(b).length > 0).map((b) => b.component.name),
          registry,
        ),
        ...bound.filter((b) => b.spec.enabled).flatMap(refusedEdits),
      ];
  if (problems.length > 0 || refused.length > 0) {
    return invalid([...problems, ...refused], observed, previous, parent, env, finalizing, registry);
  }

  const results = bound.map((b) =>
    finalizing || !b.spec.enabled ? remove(b, previous) : write(b, previous, env.now),
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

/**
 * An enabled component never omits an observed child of its kinds: that would delete it.
 * Components explain the edits they refuse; anything else that would drop a child is refused here.
 */
function refusedEdits(b: Bound): string[] {
  const specific = [...b.versionRefusals(), ...b.refusedEdits()];
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
      { type: ParentConditions.invalidSpec, status: 'True', reason: ParentReasons.InvalidSpec, message },
      {
        type: ParentConditions.ready,
        status: 'False',
        reason: ParentReasons.InvalidSpec,
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
        type: ParentConditions.ready,
        status: 'False',
        reason: ParentReasons.Orphaned,
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
  const ofParent = parentSpec(parent, request.parent.spec, registry);
  if (!ofParent.parsed.success) return { relatedResources: [] };
  const { spec } = ofParent.resolved();
  const enabled = registry
    .map((component) => ({ component, own: component.select(spec) }))
    .filter(({ own }) => own.enabled);
  // Our Secrets, by name: credentials gate the custom resources, connection Secrets feed ConnectionInfo.
  const secretNames = enabled.flatMap(({ component, own }) => [
    ...credentialSecrets(component, own),
    connectionSecretName(own),
    versionRecordName(own.name),
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
