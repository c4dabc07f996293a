// Size presets (reference §2, internal/defaults/*.go) and the resolution of a parent spec into one
// fully filled spec per component. Resolved on every sync, so nothing is frozen into the parent;
// edits that would reshape running data are refused instead (admission.ts CEL rules, component checks).
import type { Component, Preset, ResolvedCommon, UserSpec } from './component.js';
import { COMPONENTS, type RegisteredComponent } from './components/index.js';
import type { KubeObject } from './kube.js';
import { baseNameProblem, fitName } from './names.js';
import type { WeightsAndBiasesSpec } from './parent.js';
import { isQuantity } from './quantity.js';
import { mergeResources } from './resources.js';
import { DEFAULT_SIZE, type Size } from './schema.js';
import { type PinnedVersion, pinVersion, type VersionInputs } from './versions.js';

export type RetentionMode = 'retain' | 'purge';

export interface ParentRef {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly generation: number;
  readonly creationTimestamp: string;
}

/** A request's parent, or another parent of its namespace, as the compositions refer to it. */
export const parentRef = ({ metadata }: Pick<KubeObject, 'metadata'>): ParentRef => ({
  name: metadata.name,
  namespace: metadata.namespace ?? '',
  uid: metadata.uid ?? '',
  generation: metadata.generation ?? 0,
  creationTimestamp: metadata.creationTimestamp ?? '',
});

/** The resolved spec: the size, and each registered component's own resolved spec by name. */
export type ResolvedSpec = { readonly size: Size } & {
  readonly [C in RegisteredComponent as C['name']]: C extends Component<infer S> ? S : never;
};

/** What of the parent a resolution reads: the name (default base names) and the namespace (problems). */
export type ResolutionParent = Pick<ParentRef, 'name' | 'namespace'>;

export interface Resolution {
  readonly spec: ResolvedSpec;
  /** Why the spec cannot be carried out; empty when it can. One readable sentence each. */
  readonly problems: readonly string[];
}

/** The common fields of a component's resolved spec, by the component's name. */
export const resolvedByName = (spec: ResolvedSpec, name: string): ResolvedCommon =>
  (spec as unknown as Readonly<Record<string, ResolvedCommon>>)[name] as ResolvedCommon;

/**
 * Resolve presets and policies for every component, enabled or not (finalize needs the names). With
 * the `cluster` a sync observed, each version is pinned to what runs (versions.ts); without it (the
 * customize hooks, render) a version the spec leaves unset is this release's default.
 */
export function resolveSpec(
  spec: WeightsAndBiasesSpec,
  parent: ResolutionParent,
  components: readonly Component[] = COMPONENTS,
  cluster?: VersionInputs,
): Resolution {
  const defaults = resolvePinned(spec, parent, components);
  return cluster
    ? resolvePinned(spec, parent, components, pinsIn(defaults.spec, components, cluster))
    : defaults;
}

/** Each component's version by component name, as `pinVersion` reads it from what a sync observed. */
export type Pins = ReadonlyMap<string, PinnedVersion>;

/** The pins of a spec resolved with this release's defaults (`resolvePinned` without pins). */
export function pinsIn(
  defaults: ResolvedSpec,
  components: readonly Component[],
  cluster: VersionInputs,
): Pins {
  return new Map(
    components.map((component) => {
      const own = component.select(defaults);
      const user = own.versionSource === 'spec' ? own.version : undefined;
      return [component.name, pinVersion(component.version, own.name, user, cluster)];
    }),
  );
}

/**
 * The resolution with each version as `pins` say (a component without a pin takes the spec's version,
 * else this release's default): everything from the cluster comes in through the pins.
 */
export function resolvePinned(
  spec: WeightsAndBiasesSpec,
  parent: ResolutionParent,
  components: readonly Component[],
  pins?: Pins,
): Resolution {
  const size: Size = spec.size ?? DEFAULT_SIZE;
  const problems: string[] = [];
  const resolved: Record<string, unknown> = { size };
  for (const component of components) {
    const user = (spec as Readonly<Record<string, UserSpec | undefined>>)[component.name];
    const preset = component.presets[size];
    const common = resolveCommon(component, user, preset, spec, parent, problems, pins?.get(component.name));
    resolved[component.name] = component.resolve({ user, preset, common, problems });
  }
  // The registry's components resolved by name: exactly the keys ResolvedSpec derives from it.
  return { spec: resolved as ResolvedSpec, problems };
}

/** The fields every component resolves alike: name, storage, replicas, resources, telemetry, retention. */
function resolveCommon(
  component: Component,
  user: UserSpec | undefined,
  defaults: Preset,
  spec: WeightsAndBiasesSpec,
  parent: ResolutionParent,
  problems: string[],
  pin: PinnedVersion | undefined,
): ResolvedCommon {
  const enabled = user?.enabled === true;
  const name = user?.name ?? fitName(`${parent.name}-${component.naming.suffix}`, component.naming.maxLength);
  const storageSize = user?.storageSize || defaults.storageSize;
  if (enabled) {
    if (user?.namespace && user.namespace !== parent.namespace) {
      problems.push(
        `spec.${component.name}.namespace "${user.namespace}" differs from the parent's namespace "${parent.namespace}": ` +
          'Metacontroller creates children only in the parent namespace; leave it empty',
      );
    }
    if (user?.name !== undefined) {
      const problem = baseNameProblem(component, user.name);
      if (problem) problems.push(problem);
    }
    if (!isQuantity(storageSize)) {
      problems.push(
        `spec.${component.name}.storageSize "${storageSize}" is not a Kubernetes quantity (e.g. 10Gi)`,
      );
    }
  }
  const pinned = pin ?? pinVersion(component.version, name, user?.version, undefined);
  return {
    enabled,
    name,
    storageSize,
    replicas: user?.replicas || defaults.replicas,
    resources: mergeResources(user?.config?.resources, defaults.resources),
    telemetry: user?.telemetry?.enabled ?? false,
    retention:
      user?.retentionPolicy?.onDelete ??
      spec.retentionPolicy?.onDelete ??
      (spec.autoCleanupEnabled === true ? 'purge' : 'retain'),
    version: pinned.version,
    versionSource: pinned.source,
  };
}
