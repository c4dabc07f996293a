// The deletion plan: what removing each component deletes, keeps, and by which operator knob,
// readable before anything is deleted (render, status). Pure: a function of the resolved spec.
import type { Component, RetentionPlan } from './component.js';
import { COMPONENTS } from './components/index.js';
import { ObservedObjects } from './kube.js';
import type { ParentRef, ResolvedSpec } from './presets.js';

export interface DeletionPlanEntry extends RetentionPlan {
  readonly component: string;
  /** The custom resources removal deletes, as `Kind name`. */
  readonly removes: readonly string[];
}

export interface DeletionPlan {
  readonly order: string;
  readonly components: readonly DeletionPlanEntry[];
}

export const REMOVAL_ORDER =
  'components are removed in parallel; each keeps its custom resources until their retention knobs are in ' +
  'effect, then deletes them and waits until they are gone; the parent is finalized when nothing remains';

/** The plan for every enabled component (and, with `include`, for named disabled ones). */
export function deletionPlan(
  spec: ResolvedSpec,
  parent: ParentRef,
  include: readonly string[] = [],
  registry: readonly Component[] = COMPONENTS,
): DeletionPlan {
  const none = new ObservedObjects([]);
  const components = registry.flatMap((component) => {
    const own = component.select(spec);
    if (!own.enabled && !include.includes(component.name)) return [];
    const desired = component.desired({ parent, spec: own, observed: none, related: none });
    return [
      {
        component: component.name,
        removes: desired.map((child) => `${child.kind} ${child.metadata.name}`),
        ...component.retentionPlan(own, parent.namespace),
      },
    ];
  });
  return { order: REMOVAL_ORDER, components };
}
