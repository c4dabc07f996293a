// One component bound to one hook call: its resolved spec and the call's observed objects. Binding is
// where a component's spec type is known and used; what the pipeline calls afterwards needs no spec,
// so the pipeline holds components of different spec types in one list without a cast.
import {
  type Component,
  type ComponentContext,
  credentialSecrets,
  type ResolvedCommon,
  type RetentionPlan,
} from './component.js';
import type { ConditionType, Finding } from './conditions.js';
import { type Child, type KubeObject, type ObservedObjects, sameKind } from './kube.js';
import type { ParentRef, ResolvedSpec, RetentionMode } from './presets.js';
import type { ComponentOutcome } from './status.js';

/** The parts of a component that do not depend on its spec type. */
export type ComponentFacts = Pick<
  Component,
  'name' | 'title' | 'kinds' | 'conditions' | 'withRetentionKnobs' | 'appliedRetention' | 'deletionProgress'
>;

/** What one hook call gives every component. */
export interface CallInputs {
  readonly parent: ParentRef;
  readonly observed: ObservedObjects;
  readonly related: ObservedObjects;
}

export interface Bound extends CallInputs {
  readonly component: ComponentFacts;
  /** The common fields of the component's resolved spec. */
  readonly spec: ResolvedCommon;
  /** The component's desired children, computed once per call. */
  desired(): Child[];
  observe(): Finding[];
  refusedEdits(): string[];
  credentialSecrets(): string[];
  dataVolumes(): string[];
  /** The command that discards the data on purpose, when the data needs the component's Secrets. */
  deleteVolumes(): string | undefined;
  knobsInEffect(observed: KubeObject): boolean;
  removalFindings(): Finding[];
  /** What removal does to the data under `policy` (the resolved one unless a deletion began under another). */
  retentionPlan(policy: RetentionMode): RetentionPlan;
}

/** `component` with `spec` (the whole resolved spec) and the call's inputs. */
export function bind<S extends ResolvedCommon>(
  component: Component<S>,
  spec: ResolvedSpec,
  call: CallInputs,
): Bound {
  const own = component.select(spec);
  const context: ComponentContext<S> = { ...call, spec: own };
  let desired: Child[] | undefined;
  return {
    ...call,
    component,
    spec: own,
    desired: () => (desired ??= component.desired(context)),
    observe: () => component.observe(context),
    refusedEdits: () => component.refusedEdits(context),
    credentialSecrets: () => credentialSecrets(component, own),
    dataVolumes: () => component.dataVolumes(own),
    deleteVolumes: () => component.dataNeedsSecrets?.deleteVolumes(own, call.parent.namespace),
    knobsInEffect: (observed) => component.knobsInEffect(context, observed),
    removalFindings: () => component.removalFindings?.(context) ?? [],
    retentionPlan: (policy) => component.retentionPlan({ ...own, retention: policy }, call.parent.namespace),
  };
}

export interface ComponentResult {
  readonly children: Child[];
  readonly outcome: ComponentOutcome;
  /** Observed children of this component that must still go before finalize may finish. */
  readonly remaining: number;
}

export function ownObserved({ component, observed }: Bound): KubeObject[] {
  return observed.all.filter((o) => component.kinds.some((k) => sameKind(o, k.ref)));
}

/** The write condition of a child of one of the component's kinds. */
export function conditionFor(
  component: ComponentFacts,
  object: { apiVersion: string; kind: string },
): ConditionType | undefined {
  return component.kinds.find((k) => sameKind(object, k.ref))?.condition;
}
