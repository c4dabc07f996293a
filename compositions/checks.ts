// Last checks on every response before it leaves: Metacontroller v2 decodes strictly, and a child
// of a kind it does not own, or in another namespace, would be created and never cleaned up.

import type { z } from 'zod';
import type { Component } from './component.js';
import { COMPONENTS } from './components/index.js';
import { getOrAdd, type KindRef, sameKind } from './kube.js';
import { CompositeSyncResponse, DecoratorSyncResponse, type DesiredObject } from './metacontroller.js';

const owned = new WeakMap<readonly Component[], readonly KindRef[]>();
/** The kinds a registry's components create (the CompositeController's childResources). */
function ownedKinds(registry: readonly Component[]): readonly KindRef[] {
  let kinds = owned.get(registry);
  if (!kinds) {
    kinds = registry.flatMap((component) => component.kinds.map(({ ref }) => ref));
    owned.set(registry, kinds);
  }
  return kinds;
}

/**
 * Problems with a composite response; empty when it may be sent. `observedKinds` are the kinds the
 * request carried: the controller declares them, so a child of one may be returned unchanged.
 */
export function checkCompositeResponse(
  response: unknown,
  parentNamespace: string,
  observedKinds: ReadonlyArray<{ apiVersion: string; kind: string }> = [],
  registry: readonly Component[] = COMPONENTS,
): string[] {
  const parsed = CompositeSyncResponse.safeParse(response);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  const declared = [...ownedKinds(registry), ...observedKinds];
  const problems = checkObjects(parsed.data.children, parentNamespace, (child) =>
    declared.some((k) => sameKind(child, k)),
  );
  if (typeof parsed.data.status.ready !== 'boolean') problems.push('status.ready must be a boolean');
  return problems;
}

export function checkObjects(
  objects: ReadonlyArray<z.infer<typeof DesiredObject>>,
  parentNamespace: string,
  allowedKind: (object: { apiVersion: string; kind: string }) => boolean,
): string[] {
  const problems: string[] = [];
  // Who was seen, by apiVersion, kind and name: the names are hashed already, an id string per object
  // would be built and hashed anew on every call.
  const seen = new Map<string, Map<string, Set<string>>>();
  for (const object of objects) {
    const id = () => `${object.apiVersion} ${object.kind} ${object.metadata.name}`;
    if (!allowedKind(object)) problems.push(`${id()}: kind is not declared by the controller`);
    if (object.metadata.namespace !== undefined && object.metadata.namespace !== parentNamespace) {
      problems.push(
        `${id()}: namespace ${object.metadata.namespace} is not the parent's (${parentNamespace})`,
      );
    }
    const names = getOrAdd(
      getOrAdd(seen, object.apiVersion, () => new Map<string, Set<string>>()),
      object.kind,
      () => new Set<string>(),
    );
    if (names.has(object.metadata.name)) problems.push(`${id()}: returned twice`);
    names.add(object.metadata.name);
  }
  return problems;
}

/** Problems with a decorator (Secrets) response; empty when it may be sent. */
export function checkDecoratorResponse(response: unknown, parentNamespace: string): string[] {
  const parsed = DecoratorSyncResponse.safeParse(response);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  return checkObjects(
    parsed.data.attachments,
    parentNamespace,
    (o) => o.apiVersion === 'v1' && o.kind === 'Secret',
  );
}

/** The kinds of the objects in a Metacontroller object map (`children` of a request). */
export function kindsIn(
  map: Readonly<Record<string, Readonly<Record<string, { apiVersion: string; kind: string }>>>>,
): Array<{ apiVersion: string; kind: string }> {
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const group of Object.values(map)) {
    for (const { apiVersion, kind } of Object.values(group))
      kinds.set(`${apiVersion} ${kind}`, { apiVersion, kind });
  }
  return [...kinds.values()];
}
