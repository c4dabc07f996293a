// Every name we make is unique in its namespace. Two objects of one kind cannot share a name: the
// second create fails with AlreadyExists, which Metacontroller swallows, so the second owner never sees
// its object, and a component may be wired to another's Secret. A spec whose names meet another
// component's, or an older parent's, is refused (InvalidSpec) before anything is created.
import {
  type Component,
  connectionSecretName,
  credentialSecrets,
  type OwnedName,
  type ResolvedCommon,
} from './component.js';
import { COMPONENTS } from './components/index.js';
import {
  getOrAdd,
  isOlder,
  type KubeObject,
  type ObservedObjects,
  RELATED_KINDS,
  seniorityOf,
} from './kube.js';
import { perObject } from './memo.js';
import type { RelatedResourceRule } from './metacontroller.js';
import { parentSpec } from './parent-spec.js';
import { type ParentRef, parentRef, type ResolvedSpec, resolvedByName } from './presets.js';
import { versionRecordName } from './versions.js';

/** Every name a component's objects take in the namespace, its own list plus what all components share. */
export function namesOf<S extends ResolvedCommon>(component: Component<S>, spec: ResolvedSpec): OwnedName[] {
  const own = component.select(spec);
  return [
    ...component.ownedNames(own),
    ...credentialSecrets(component, own).map((name) => ({ kind: 'Secret', name })),
    { kind: 'Secret', name: connectionSecretName(own) },
    { kind: 'Secret', name: versionRecordName(own.name) },
    ...component.dataVolumes(own).map((name) => ({ kind: 'PersistentVolumeClaim', name })),
  ];
}

/**
 * Every parent of the namespace (a rule with a namespace and neither names nor a selector returns
 * all of them): the older one keeps a name two parents want, and MinIO's one Tenant goes to the oldest.
 * Both controllers ask for it, so both refuse the younger parent alike.
 */
export const parentsRule = (namespace: string): RelatedResourceRule => ({
  apiVersion: RELATED_KINDS.WeightsAndBiases.apiVersion,
  resource: RELATED_KINDS.WeightsAndBiases.resource,
  namespace,
});

interface Claim {
  readonly component: string;
  readonly name: OwnedName;
}

/**
 * Names by kind, then by name. A key string per name (`kind/name`) was built and hashed anew at every
 * lookup, and made this check a third of a sync on the full parent; each name now hashes once.
 */
class NameIndex<T> {
  private readonly byKind = new Map<string, Map<string, T>>();
  get(name: OwnedName): T | undefined {
    return this.byKind.get(name.kind)?.get(name.name);
  }
  set(name: OwnedName, value: T): void {
    getOrAdd(this.byKind, name.kind, () => new Map<string, T>()).set(name.name, value);
  }
}
const describe = (names: readonly OwnedName[]) => {
  const shown = names.slice(0, 4).map((n) => `${n.kind} ${n.name}`);
  return names.length > shown.length
    ? `${shown.join(', ')} and ${names.length - shown.length} more`
    : shown.join(', ');
};

/** The names one parent's components take, and the names two of its components both take (shared: read only). */
interface Claims {
  /** Each name once per component, in registry order. */
  readonly list: readonly Claim[];
  /** The first component to take each name. */
  readonly index: NameIndex<Claim>;
  /** `"<component> <component>"` → the names both take. */
  readonly shared: ReadonlyMap<string, readonly OwnedName[]>;
}

/**
 * The names of every enabled component, and of every disabled one whose objects are still being
 * removed (they hold their names until they are gone), in one pass and one index.
 */
function claims(spec: ResolvedSpec, removing: readonly string[], registry: readonly Component[]): Claims {
  const list: Claim[] = [];
  const index = new NameIndex<Claim>();
  const shared = new Map<string, OwnedName[]>();
  for (const component of registry) {
    if (!component.select(spec).enabled && !removing.includes(component.name)) continue;
    for (const name of namesOf(component, spec)) {
      const earlier = index.get(name);
      if (earlier?.component === component.name) continue;
      if (!earlier) index.set(name, { component: component.name, name });
      else {
        const pair = `${earlier.component} ${component.name}`;
        const names = shared.get(pair) ?? [];
        if (names.some((n) => n.kind === name.kind && n.name === name.name)) continue;
        shared.set(pair, [...names, name]);
      }
      list.push({ component: component.name, name });
    }
  }
  return { list, index, shared };
}

// Building every name a parent takes and indexing them was a quarter of a sync on the full parent,
// though the names change only when the resolved spec does: remembered per resolved spec (a frozen
// one, from parentSpec), registry and set of components being removed.
const claimsBySpec = perObject(
  (_spec: ResolvedSpec) => new WeakMap<readonly Component[], Map<string, Claims>>(),
);
function claimsOf(spec: ResolvedSpec, removing: readonly string[], registry: readonly Component[]): Claims {
  const byRegistry = claimsBySpec(spec);
  let byRemoving = byRegistry.get(registry);
  if (!byRemoving) {
    byRemoving = new Map<string, Claims>();
    byRegistry.set(registry, byRemoving);
  }
  return getOrAdd(byRemoving, removing.join(' '), () => claims(spec, removing, registry));
}

/**
 * Why the names of `spec` cannot be used, one sentence per pair of components that meet, and per
 * component that meets an older parent; empty when every name is free. Pure: the other parents come
 * from the related objects of `parentsRule`. `removing` are the disabled components whose objects
 * still exist: a component enabled under one of their names would share their Secrets.
 */
export function nameCollisions(
  spec: ResolvedSpec,
  parent: ParentRef,
  related: ObservedObjects,
  removing: readonly string[] = [],
  registry: readonly Component[] = COMPONENTS,
): string[] {
  const ours = claimsOf(spec, removing, registry);
  const field = (component: string) =>
    `spec.${component}.name "${resolvedByName(spec, component).name}"${resolvedByName(spec, component).enabled ? '' : ' (disabled, still being removed)'}`;
  const problems: string[] = [];

  for (const [pair, names] of ours.shared) {
    const [a, b] = pair.split(' ') as [string, string];
    // Two components on their way out change nothing: refusing them would only stop their removal.
    if (!resolvedByName(spec, a).enabled && !resolvedByName(spec, b).enabled) continue;
    problems.push(`${field(a)} and ${field(b)} both make ${describe(names)}; give one of them another name`);
  }

  for (const other of olderParents(parent, related)) {
    const theirSpec = parentSpec(parentRef(other), other.spec, registry);
    // A spec that does not parse creates nothing new.
    const theirs = theirSpec.parsed.success ? claimsOf(theirSpec.resolved().spec, [], registry) : undefined;
    const met = new Map<string, OwnedName[]>();
    for (const claim of ours.list.filter((c) => resolvedByName(spec, c.component).enabled)) {
      const their = theirs?.index.get(claim.name);
      // One instance per namespace by the operator's design: that component's own rule decides.
      if (!their || (claim.name.perNamespace && their.component === claim.component)) continue;
      met.set(claim.component, [...(met.get(claim.component) ?? []), claim.name]);
    }
    const leaving = other.metadata.deletionTimestamp
      ? ' (it is being deleted; this clears once it is gone)'
      : '';
    for (const [component, names] of met) {
      problems.push(
        `${field(component)} makes ${describe(names)}, which the older WeightsAndBiases ${other.metadata.name} ` +
          `in namespace ${parent.namespace} also makes${leaving}; give spec.${component}.name another value`,
      );
    }
  }
  return problems;
}

/** Other parents of the namespace created before this one, oldest first. */
function olderParents(parent: ParentRef, related: ObservedObjects): KubeObject[] {
  return related
    .ofKind(RELATED_KINDS.WeightsAndBiases)
    .filter(
      (p) =>
        (p.metadata.namespace ?? parent.namespace) === parent.namespace &&
        p.metadata.uid !== parent.uid &&
        isOlder(seniorityOf(p), parent),
    )
    .sort((a, b) => (isOlder(seniorityOf(a), seniorityOf(b)) ? -1 : 1));
}
