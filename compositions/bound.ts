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
import type { Operation } from './operations.js';
import type { ParentRef, ResolvedSpec, RetentionMode } from './presets.js';
import type { ComponentOutcome } from './status.js';
import { type PinnedVersion, versionFinding, versionRefusals } from './versions.js';

/** The parts of a component that do not depend on its spec type. */
export type ComponentFacts = Pick<
  Component,
  | 'name'
  | 'title'
  | 'kinds'
  | 'conditions'
  | 'version'
  | 'withRetentionKnobs'
  | 'appliedRetention'
  | 'deletionProgress'
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
  operations(): Operation[];
  refusedEdits(): string[];
  /** A downgrade, or a version step the operator does not support, against what runs or was retained. */
  versionRefusals(): string[];
  /** `conditions.version`: the version, where it came from, whether a newer default exists. */
  versionFinding(): Finding;
  credentialSecrets(): string[];
  dataVolumes(): readonly string[];
  /** The command that discards the data on purpose, when the data needs the component's Secrets. */
  deleteVolumes(): string | undefined;
  knobsInEffect(observed: KubeObject): boolean;
  removalFindings(): Finding[];
  /** What removal does to the data under `policy` (the resolved one unless a deletion began under another). */
  retentionPlan(policy: RetentionMode): RetentionPlan;
}

/**
 * A component bound to one call. A class, not an object of closures: the pipeline binds every component
 * on every sync, and ten closures per component cost a third of the pure sync (bench/micro.ts).
 */
class BoundComponent<S extends ResolvedCommon> implements Bound {
  readonly parent: ParentRef;
  readonly observed: ObservedObjects;
  readonly related: ObservedObjects;
  private readonly context: ComponentContext<S>;
  private desiredChildren: Child[] | undefined;

  constructor(
    private readonly bound: Component<S>,
    readonly spec: S,
    call: CallInputs,
  ) {
    this.parent = call.parent;
    this.observed = call.observed;
    this.related = call.related;
    this.context = { parent: call.parent, observed: call.observed, related: call.related, spec };
  }

  get component(): ComponentFacts {
    return this.bound;
  }
  desired(): Child[] {
    this.desiredChildren ??= this.bound.desired(this.context);
    return this.desiredChildren;
  }
  observe(): Finding[] {
    return this.bound.observe(this.context);
  }
  operations(): Operation[] {
    return this.bound.operations?.(this.context) ?? [];
  }
  refusedEdits(): string[] {
    return this.bound.refusedEdits(this.context);
  }
  versionRefusals(): string[] {
    return versionRefusals(
      this.bound.version,
      `spec.${this.bound.name}.version`,
      this.spec.name,
      this.pinned,
      this,
    );
  }
  versionFinding(): Finding {
    const { conditions, title, name, version } = this.bound;
    return versionFinding(conditions.version, title, `spec.${name}.version`, version, this.pinned);
  }
  private get pinned(): PinnedVersion {
    return { version: this.spec.version, source: this.spec.versionSource };
  }
  credentialSecrets(): string[] {
    return credentialSecrets(this.bound, this.spec);
  }
  dataVolumes(): readonly string[] {
    return this.bound.dataVolumes(this.spec);
  }
  deleteVolumes(): string | undefined {
    return this.bound.dataNeedsSecrets?.deleteVolumes(this.spec, this.parent.namespace);
  }
  knobsInEffect(observed: KubeObject): boolean {
    return this.bound.knobsInEffect(this.context, observed);
  }
  removalFindings(): Finding[] {
    return this.bound.removalFindings?.(this.context) ?? [];
  }
  retentionPlan(policy: RetentionMode): RetentionPlan {
    return this.bound.retentionPlan({ ...this.spec, retention: policy }, this.parent.namespace);
  }
}

/** `component` with `spec` (the whole resolved spec) and the call's inputs. */
export function bind<S extends ResolvedCommon>(
  component: Component<S>,
  spec: ResolvedSpec,
  call: CallInputs,
): Bound {
  return new BoundComponent(component, component.select(spec), call);
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
