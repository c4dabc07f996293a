// What Metacontroller sends a hook, and how: hook v2 object maps, the related objects that customize
// rules select (behind Metacontroller's customize cache), and the calls through the hook pipeline
// (hooks/handlers.ts) with the wire's JSON round trip.
import type { Component } from '../compositions/component.js';
import { COMPONENTS } from '../compositions/components/index.js';
import type { RandomSource } from '../compositions/credentials.js';
import type {
  CompositeSyncRequest,
  CompositeSyncResponse,
  DecoratorSyncRequest,
  DecoratorSyncResponse,
  RelatedResourceRule,
} from '../compositions/metacontroller.js';
import { compositeHook, customizeHook, secretsCustomizeHook, secretsSyncHook } from '../hooks/handlers.js';
import type { Clock } from './clock.js';
import { byKey, ControllerError, matchesLabels, type Obj } from './cluster.js';
import { isKind, KINDS, type KindInfo, kindByResource } from './kinds.js';

/** Metacontroller caches a customize answer per parent UID and generation for 20 minutes. */
const CUSTOMIZE_CACHE_SECONDS = 20 * 60;

export type ObjectMap = Record<string, Record<string, Obj>>;

/** Metacontroller's group key: `<Kind>.<group>/<version>`, or `<Kind>.<version>` for the core group. */
export const groupKey = (o: { apiVersion: string; kind: string }): string => `${o.kind}.${o.apiVersion}`;

/** A hook v2 object map: `namespace/name` keys, and a (possibly empty) group for every listed kind. */
export function objectMap(
  objects: readonly Obj[],
  groups: ReadonlyArray<{ apiVersion: string; kind: string }> = [],
): ObjectMap {
  const map: ObjectMap = {};
  for (const group of groups) map[groupKey(group)] ??= {};
  for (const object of objects) insert(map, object);
  return map;
}

function insert(map: ObjectMap, object: Obj): void {
  const key = groupKey(object);
  map[key] = { ...(map[key] ?? {}), [`${object.metadata.namespace ?? ''}/${object.metadata.name}`]: object };
}

/** What went over the wire: JSON, as Metacontroller sends requests and Express sends responses. */
const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A hook as the installed controllers declare it (manifests/), for the `controller` field of requests. */
export function webhook(path: string) {
  return {
    version: 'v2',
    webhook: {
      service: { name: 'wandb-infra-hooks', namespace: 'wandb-system', port: 8080 },
      path,
      timeout: '10s',
    },
  };
}

// ---- hook calls: the HTTP handlers' pipeline (hooks/handlers.ts), with the wire's JSON round trip

export function callCompositeHook(
  request: unknown,
  now: string,
  registry: readonly Component[] = COMPONENTS,
): { request: CompositeSyncRequest; response: CompositeSyncResponse } {
  const answer = compositeHook(wire(request), { now, registry });
  return { request: answer.request, response: wire(answer.body) as CompositeSyncResponse };
}

export function callDecoratorHook(
  request: unknown,
  random: RandomSource,
  registry: readonly Component[] = COMPONENTS,
): { request: DecoratorSyncRequest; response: DecoratorSyncResponse } {
  const answer = secretsSyncHook(wire(request), { random, registry });
  return { request: answer.request, response: wire(answer.body) as DecoratorSyncResponse };
}

export function callCustomizeHook(
  request: unknown,
  which: 'customize' | 'secrets-customize',
  registry: readonly Component[] = COMPONENTS,
): RelatedResourceRule[] {
  const hook = which === 'customize' ? customizeHook : secretsCustomizeHook;
  return wire(hook(wire(request), { registry }).body).relatedResources;
}

// ---- related objects ---------------------------------------------------------------------------

/**
 * The objects customize rules select among those a cluster holds (`customize/manager.go`
 * GetRelatedObjects, hook v2); `kinds` is what discovery knows.
 */
export function selectRelated(
  objects: readonly Obj[],
  rules: readonly RelatedResourceRule[],
  kinds: readonly KindInfo[] = KINDS,
): ObjectMap {
  const map: ObjectMap = {};
  for (const rule of rules) {
    const kind = kindByResource(rule.apiVersion, rule.resource, kinds);
    if (!kind)
      throw new ControllerError(
        `discovery: can't find resource ${rule.resource} in apiVersion ${rule.apiVersion}`,
      );
    const names = rule.names ?? [];
    if (names.length > 0 && rule.labelSelector !== undefined) {
      throw new ControllerError('related rule cannot have both names and labelSelector specified');
    }
    const inScope = objects
      .filter((o) => isKind(o, kind) && (!rule.namespace || o.metadata.namespace === rule.namespace))
      .sort(byKey);
    const selected = rule.labelSelector
      ? inScope.filter((o) => matchesLabels(o.metadata.labels, rule.labelSelector?.matchLabels ?? {}))
      : names.length > 0
        ? inScope.filter((o) => names.includes(o.metadata.name))
        : inScope;
    map[groupKey(kind)] ??= {};
    for (const object of selected) insert(map, object);
  }
  return map;
}

interface CachedRules {
  readonly rules: RelatedResourceRule[];
  readonly expires: number;
}

export class CustomizeCache {
  private readonly entries = new Map<string, CachedRules>();

  constructor(
    private readonly clock: Clock,
    private readonly which: 'customize' | 'secrets-customize',
    private readonly registry: readonly Component[] = COMPONENTS,
  ) {}

  rules(controller: Obj, parent: Obj): RelatedResourceRule[] {
    const key = `${parent.metadata.uid}/${parent.metadata.generation ?? 0}`;
    const now = Date.parse(this.clock.now());
    const cached = this.entries.get(key);
    if (cached && cached.expires > now) return cached.rules;
    const rules = callCustomizeHook({ controller, parent }, this.which, this.registry);
    this.entries.set(key, { rules, expires: now + CUSTOMIZE_CACHE_SECONDS * 1000 });
    return rules;
  }
}
