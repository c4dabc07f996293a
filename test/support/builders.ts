// Builders for requests, parents and observed objects, so tests state only what matters.
import type { Component, ComponentContext, ResolvedCommon } from '../../compositions/component.js';
import { type KubeObject, ObservedObjects } from '../../compositions/kube.js';
import type { CompositeSyncRequest } from '../../compositions/metacontroller.js';
import { CompositeSyncRequest as CompositeSyncRequestSchema } from '../../compositions/metacontroller.js';
import { WeightsAndBiasesSpec } from '../../compositions/parent.js';
import { type ParentRef, parentRef, resolveSpec } from '../../compositions/presets.js';

import { PARENT_UID } from '../../sim/story.js';

export { NOW, PARENT_UID } from '../../sim/story.js';
export const LATER = '2026-01-01T01:00:00Z';

export interface ParentOptions {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  status?: unknown;
}

export function aParent(spec: unknown, options: ParentOptions = {}) {
  return {
    apiVersion: 'apps.wandb.com/v2',
    kind: 'WeightsAndBiases',
    metadata: {
      name: options.name ?? 'wandb',
      namespace: options.namespace ?? 'wandb',
      uid: options.uid ?? PARENT_UID,
      generation: options.generation ?? 1,
      creationTimestamp: options.creationTimestamp ?? '2025-12-31T00:00:00Z',
      ...(options.deletionTimestamp ? { deletionTimestamp: options.deletionTimestamp } : {}),
      finalizers: options.finalizers ?? ['metacontroller.io/compositecontroller-wandb-infra'],
    },
    spec,
    ...(options.status !== undefined ? { status: options.status } : {}),
  };
}

/** Metacontroller's `{ "<Kind>.<group>/<version>": { "<ns>/<name>": object } }` map (hook v2 keys). */
export function objectMap(objects: readonly KubeObject[]): Record<string, Record<string, KubeObject>> {
  const map: Record<string, Record<string, KubeObject>> = {};
  for (const object of objects) {
    const [group, version] = object.apiVersion.includes('/')
      ? object.apiVersion.split('/')
      : ['', object.apiVersion];
    const key = group ? `${object.kind}.${group}/${version}` : `${object.kind}.${version}`;
    map[key] ??= {};
    map[key][`${object.metadata.namespace ?? 'wandb'}/${object.metadata.name}`] = object;
  }
  return map;
}

export function syncRequest(
  parent: ReturnType<typeof aParent>,
  options: { children?: readonly KubeObject[]; related?: readonly KubeObject[]; finalizing?: boolean } = {},
) {
  return {
    controller: { metadata: { name: 'wandb-infra' } },
    parent,
    children: objectMap(options.children ?? []),
    related: objectMap(options.related ?? []),
    finalizing: options.finalizing ?? false,
  };
}

export const parsedRequest = (request: ReturnType<typeof syncRequest>): CompositeSyncRequest =>
  CompositeSyncRequestSchema.parse(request);

/** An observed object as the API server would return it: our desired child plus server fields. */
export function observedObject(
  desired: { apiVersion: string; kind: string; metadata: Record<string, unknown>; [key: string]: unknown },
  extra: { status?: unknown; generation?: number; namespace?: string; finalizers?: string[] } = {},
): KubeObject {
  const metadata = desired.metadata as { name: string; [key: string]: unknown };
  return {
    ...desired,
    metadata: {
      ...metadata,
      namespace: extra.namespace ?? 'wandb',
      uid: `uid-${desired.kind}-${metadata.name}`,
      generation: extra.generation ?? 1,
      ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
    },
    ...(extra.status !== undefined ? { status: extra.status } : {}),
  } as KubeObject;
}

export function aSecret(name: string, data: Record<string, string> = {}, namespace = 'wandb'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, uid: `uid-secret-${name}` },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

/** A component's context for a spec, with observed children and related objects. */
export function contextFor<S extends ResolvedCommon>(
  component: Component<S>,
  spec: unknown,
  options: { children?: readonly KubeObject[]; related?: readonly KubeObject[]; parent?: ParentOptions } = {},
): ComponentContext<S> {
  const parent: ParentRef = parentRef(parsedRequest(syncRequest(aParent(spec, options.parent ?? {}))).parent);
  const resolved = resolveSpec(WeightsAndBiasesSpec.parse(spec), parent);
  return {
    parent,
    spec: component.select(resolved.spec),
    observed: new ObservedObjects(options.children ?? []),
    related: new ObservedObjects(options.related ?? []),
  };
}
