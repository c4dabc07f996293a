// One component bound to one hook call: its resolved spec and the call's observed objects, and what
// the component's part of the call yields.
import type { Component, ComponentContext } from './component.js';
import type { Child, KubeObject } from './kube.js';
import { sameKind } from './kube.js';
import type { ComponentOutcome } from './status.js';

export interface Bound {
  readonly component: Component<unknown>;
  readonly context: ComponentContext<unknown>;
  readonly enabled: boolean;
  /** The component's desired children, computed once per call. */
  readonly desired: () => Child[];
}

export interface ComponentResult {
  readonly children: Child[];
  readonly outcome: ComponentOutcome;
  /** Observed children of this component that must still go before finalize may finish. */
  readonly remaining: number;
}

export function ownObserved({ component, context }: Bound): KubeObject[] {
  return context.observed.all.filter((o) => component.kinds.some((k) => sameKind(o, k.ref)));
}

export function conditionFor(
  component: Component<unknown>,
  object: { apiVersion: string; kind: string },
): string {
  return (
    component.kinds.find((k) => sameKind(object, k.ref))?.condition ?? `${component.title}CustomResource`
  );
}
