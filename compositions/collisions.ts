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
import { isOlder, type KubeObject, type ObservedObjects, RELATED_KINDS, seniorityOf } from './kube.js';
import type { RelatedResourceRule } from './metacontroller.js';
import { parentSchemas } from './parent.js';
import { type ParentRef, type ResolvedSpec, resolvedByName, resolveSpec } from './presets.js';
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

const keyOf = (name: OwnedName) => `${name.kind}/${name.name}`;
const describe = (names: readonly OwnedName[]) => {
  const shown = names.slice(0, 4).map((n) => `${n.kind} ${n.name}`);
  return names.length > shown.length
    ? `${shown.join(', ')} and ${names.length - shown.length} more`
    : shown.join(', ');
};

/**
 * The names of every enabled component, and of every disabled one whose objects are still being
 * removed (they hold their names until they are gone), each once per component.
 */
function claims(spec: ResolvedSpec, removing: readonly string[], registry: readonly Component[]): Claim[] {
  const claiming = (component: Component) =>
    component.select(spec).enabled || removing.includes(component.name);
  return registry.filter(claiming).flatMap((component) => {
    const unique = new Map(namesOf(component, spec).map((name) => [keyOf(name), name]));
    return [...unique.values()].map((name) => ({ component: component.name, name }));
  });
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
  const ours = claims(spec, removing, registry);
  const field = (component: string) =>
    `spec.${component}.name "${resolvedByName(spec, component).name}"${resolvedByName(spec, component).enabled ? '' : ' (disabled, still being removed)'}`;
  const problems: string[] = [];

  const first = new Map<string, Claim>();
  const pairs = new Map<string, OwnedName[]>();
  for (const claim of ours) {
    const earlier = first.get(keyOf(claim.name));
    if (!earlier) first.set(keyOf(claim.name), claim);
    else {
      const pair = `${earlier.component} ${claim.component}`;
      pairs.set(pair, [...(pairs.get(pair) ?? []), claim.name]);
    }
  }
  for (const [pair, names] of pairs) {
    const [a, b] = pair.split(' ') as [string, string];
    // Two components on their way out change nothing: refusing them would only stop their removal.
    if (!resolvedByName(spec, a).enabled && !resolvedByName(spec, b).enabled) continue;
    problems.push(`${field(a)} and ${field(b)} both make ${describe(names)}; give one of them another name`);
  }

  for (const other of olderParents(parent, related)) {
    const theirs = new Map(claimsOf(other, registry).map((claim) => [keyOf(claim.name), claim]));
    const met = new Map<string, OwnedName[]>();
    for (const claim of ours.filter((c) => resolvedByName(spec, c.component).enabled)) {
      const their = theirs.get(keyOf(claim.name));
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

/** The names another parent takes; none when its spec does not parse (it creates nothing new then). */
function claimsOf(other: KubeObject, registry: readonly Component[]): Claim[] {
  const parsed = parentSchemas(registry).spec.safeParse(other.spec ?? {});
  if (!parsed.success) return [];
  const ref: ParentRef = {
    name: other.metadata.name,
    namespace: other.metadata.namespace ?? '',
    uid: other.metadata.uid ?? '',
    generation: other.metadata.generation ?? 0,
    creationTimestamp: other.metadata.creationTimestamp ?? '',
  };
  return claims(resolveSpec(parsed.data, ref, registry).spec, [], registry);
}
