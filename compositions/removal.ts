// Removal of a component (disabled, or the parent deleted) in two phases (decision 8).
import { type Bound, type ComponentResult, conditionFor, ownObserved } from './bound.js';
import { carriesPolicy, type RetentionPlan } from './component.js';
import { type Finding, Reasons } from './conditions.js';
import { isTerminating, terminating } from './deletion.js';
import { freeze } from './freeze.js';
import type { Child, KubeObject } from './kube.js';
import type { RetentionMode } from './presets.js';
import type { PreviousStatus } from './status.js';

/**
 * Removal (component disabled, or parent deleted), in two phases (decision 8): keep returning each
 * child as last applied with the retention knobs until they are in effect, then omit it and wait
 * until it is gone. Phase 2 never starts in the first call that sees the removal: the previous status
 * must already record it, which also covers a `--cascade=orphan` finalizer that was removed before we
 * saw it. Once phase 2 has started it is never undone: a policy switched later is reported, not applied.
 */
export function remove(b: Bound, previous: PreviousStatus): ComponentResult {
  const { component, spec } = b;
  const present = ownObserved(b);
  if (present.length === 0) {
    return {
      children: [],
      outcome: { name: component.name, enabled: false, findings: [], fixedState: 'Disabled' },
      remaining: 0,
    };
  }
  const policy = spec.retention;
  const removalType = component.conditions.removal;
  const earlier = previous.componentConditions[component.name]?.find((c) => c.type === removalType);
  // Knobs cannot change on an object being deleted: once phase 2 has omitted the children, or a child
  // is terminating, its deletion runs with the knobs it carries, whatever the policy says now.
  const omitted = earlier?.reason === Reasons.Deleting;
  const locked = (o: KubeObject) => omitted || isTerminating(o);
  const waiting = present.filter((o) => !locked(o) && !b.knobsInEffect(o));
  const overtaken = present.filter((o) => locked(o) && !carriesPolicy(component.appliedRetention(o), policy));
  const names = (objects: KubeObject[]) => objects.map((o) => `${o.kind} ${o.metadata.name}`).join(', ');
  const why = spec.enabled ? 'the parent is being deleted' : `spec.${component.name}.enabled is false`;

  const plan = b.retentionPlan(policy);
  const consequences =
    overtaken.length > 0 ? overtakenConsequences(b, policy, overtaken) : planConsequences(plan);
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
      reason: Reasons.ApplyingRetention,
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
      reason: Reasons.Deleting,
      message: `${why}; waiting until ${names(present)} ${present.length === 1 ? 'is' : 'are'} gone; ${consequences}`,
      implies: 'Unavailable',
    };
    summary = `waiting until ${names(present)} ${present.length === 1 ? 'is' : 'are'} gone`;
  }
  const pendingDelete = present.flatMap((o): Finding[] => {
    const type = conditionFor(component, o);
    if (!type) return [];
    if (isTerminating(o)) return [terminating(type, component, o)];
    return [
      {
        type,
        status: 'False',
        reason: Reasons.PendingDelete,
        message: `${o.kind} ${o.metadata.name} is being removed`,
        implies: 'Unavailable',
      },
    ];
  });
  const notes = b.removalFindings();
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

const planConsequences = (plan: RetentionPlan): string =>
  `volumes ${plan.volumes}${plan.manual ? `; to remove them run: ${plan.manual}` : ''}`;

/**
 * The policy changed after these children's deletion began (decision 8): say that it runs with the
 * knobs they carry, and what that keeps or deletes.
 */
function overtakenConsequences(b: Bound, policy: RetentionMode, overtaken: readonly KubeObject[]): string {
  const who = overtaken.map((o) => `${o.kind} ${o.metadata.name}`).join(', ');
  const applied = new Set(overtaken.map((o) => b.component.appliedRetention(o)));
  const [only] = applied;
  const runs =
    applied.size === 1 && (only === 'retain' || only === 'purge')
      ? `${only}: ${planConsequences(b.retentionPlan(only))}`
      : 'the knobs each carried when its deletion began, which disagree between its volumes';
  return (
    `the retention policy is now ${policy}, but ${who} ${overtaken.length === 1 ? 'was' : 'were'} already being deleted ` +
    `and knobs cannot change on an object being deleted, so the deletion runs with ${runs}`
  );
}
