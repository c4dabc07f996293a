// Metacontroller v4.17 as the simulator runs it (reference/metacontroller.md §3–§4): a
// CompositeController (generateSelector, finalize hook, customize) and a DecoratorController that
// call the hook pipeline exactly as the HTTP handlers do, through the same request schemas and
// response checks. Building requests is requests.ts; writing children (dynamic-apply's three-way
// merge) is children.ts and apply.ts.

import type { Component } from '../compositions/component.js';
import { COMPONENTS } from '../compositions/components/index.js';
import type { RandomSource } from '../compositions/credentials.js';
import { RELATED_KINDS } from '../compositions/kube.js';
import type {
  CompositeSyncRequest,
  CompositeSyncResponse,
  DecoratorSyncRequest,
  DecoratorSyncResponse,
} from '../compositions/metacontroller.js';
import { statusKey } from '../compositions/status.js';
import { claims, controllerOf, controllerRef, desiredChildren, manageChildren } from './children.js';
import type { Clock } from './clock.js';
import {
  type Cluster,
  clone,
  deepEqual,
  FOREGROUND_FINALIZER,
  keyOf,
  type Obj,
  ORPHAN_FINALIZER,
} from './cluster.js';
import { childKinds, type KindInfo, kindsOf } from './kinds.js';
import {
  CustomizeCache,
  callCompositeHook,
  callDecoratorHook,
  objectMap,
  selectRelated,
  webhook,
} from './requests.js';

export { applyUpdate, goJson, merge } from './apply.js';
export { CONTROLLER_UID_LABEL, controllerRef, desiredChildren, manageChildren } from './children.js';
export { objectMap } from './requests.js';

export const COMPOSITE_CONTROLLER = 'wandb-infra';
export const DECORATOR_CONTROLLER = 'wandb-secrets';
/** `metacontroller.io/compositecontroller-<name>`, added because the controller has a finalize hook. */
export const COMPOSITE_FINALIZER = `metacontroller.io/compositecontroller-${COMPOSITE_CONTROLLER}`;
export const DECORATOR_ANNOTATION = 'metacontroller.k8s.io/decorator-controller';

const PARENT = RELATED_KINDS.WeightsAndBiases;
const SECRET = RELATED_KINDS.Secret;

// ---- the controllers ---------------------------------------------------------------------------

export interface CompositeOutcome {
  readonly controller: string;
  readonly hook: 'sync' | 'finalize';
  readonly parent: { readonly namespace: string; readonly name: string };
  readonly request: CompositeSyncRequest;
  readonly response: CompositeSyncResponse;
}

export interface DecoratorOutcome {
  readonly controller: string;
  readonly hook: 'sync';
  readonly parent: { readonly namespace: string; readonly name: string };
  readonly request: DecoratorSyncRequest;
  readonly response: DecoratorSyncResponse;
}

const hasFinalizer = (o: Obj, finalizer: string) => (o.metadata.finalizers ?? []).includes(finalizer);
const hasGcFinalizer = (o: Obj) => hasFinalizer(o, FOREGROUND_FINALIZER) || hasFinalizer(o, ORPHAN_FINALIZER);

export interface CompositeOptions {
  /** The components the hooks compose (default: the registry); their kinds are the children's. */
  readonly registry?: readonly Component[];
  /** Declared child kinds (default: the registry's); tests may add one to show what adoption would do. */
  readonly childResources?: readonly KindInfo[];
  /** The controller object as installed (server fields included), sent as the requests' `controller`. */
  readonly controller?: Obj;
}

/** The CompositeController `wandb-infra`: generateSelector, InPlace children, sync/finalize/customize hooks v2. */
export class CompositeControllerEmulator {
  readonly name = COMPOSITE_CONTROLLER;
  readonly actor = `metacontroller/${COMPOSITE_CONTROLLER}`;
  readonly childResources: readonly KindInfo[];
  readonly registry: readonly Component[];
  /** The registry's names, for the timeline's status summaries. */
  private readonly names: readonly string[];
  private readonly kinds: readonly KindInfo[];
  private readonly customizeCache: CustomizeCache;
  private readonly installed: Obj | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly clock: Clock,
    options: CompositeOptions = {},
  ) {
    this.registry = options.registry ?? COMPONENTS;
    this.names = this.registry.map((c) => c.name);
    this.childResources = options.childResources ?? childKinds(this.registry);
    this.kinds = kindsOf(this.registry);
    this.customizeCache = new CustomizeCache(clock, 'customize', this.registry);
    this.installed = options.controller;
  }

  controllerObject(): Obj {
    if (this.installed) return clone(this.installed);
    return {
      apiVersion: 'metacontroller.k8s.io/v1alpha1',
      kind: 'CompositeController',
      metadata: { name: this.name },
      spec: {
        generateSelector: true,
        parentResource: {
          apiVersion: PARENT.apiVersion,
          resource: PARENT.resource,
          ignoreStatusChanges: true,
        },
        resyncPeriodSeconds: 600,
        childResources: this.childResources.map((k) => ({
          apiVersion: k.apiVersion,
          resource: k.resource,
          updateStrategy: { method: 'InPlace' },
        })),
        hooks: { sync: webhook('/sync'), finalize: webhook('/finalize'), customize: webhook('/customize') },
      },
      status: {},
    };
  }

  /** ClaimChildren (children.ts `claims`), with the release and adoption writes. */
  claimChildren(parent: Obj): Obj[] {
    const uid = parent.metadata.uid ?? '';
    const namespace = parent.metadata.namespace ?? '';
    const candidates = this.childResources.flatMap((kind) =>
      this.cluster.list(kind.apiVersion, kind.kind, { namespace }),
    );
    const claimed: Obj[] = [];
    for (const { object, claim } of claims(parent, candidates)) {
      if (claim === 'release') {
        this.cluster.modify(
          keyOf(object),
          (o) => {
            o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
            return true;
          },
          `released: labels no longer match controller-uid=${uid}`,
        );
        continue;
      }
      if (claim === 'adopt') {
        const fresh = this.cluster.get(parent.apiVersion, parent.kind, namespace, parent.metadata.name);
        if (!fresh || fresh.metadata.uid !== uid || fresh.metadata.deletionTimestamp !== undefined) continue;
        this.cluster.modify(
          keyOf(object),
          (o) => {
            o.metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), controllerRef(parent)];
            return true;
          },
          `adopted: an orphan matching controller-uid=${uid}`,
        );
      }
      claimed.push(object);
    }
    return claimed;
  }

  /** The sync or finalize request for a parent, as Metacontroller would build it now. */
  buildRequest(parent: Obj) {
    const children = this.claimChildren(parent);
    const controller = this.controllerObject();
    const related = selectRelated(
      this.cluster.all(),
      this.customizeCache.rules(controller, parent),
      this.kinds,
    );
    return {
      controller,
      parent,
      children: objectMap(children, this.childResources),
      related,
      finalizing: parent.metadata.deletionTimestamp !== undefined,
      observed: children,
    };
  }

  /** One `syncParentObject` pass; undefined when the parent does not exist. */
  sync(namespace: string, name: string): CompositeOutcome | undefined {
    return this.cluster.as(this.actor, () => this.syncParent(namespace, name));
  }

  private syncParent(namespace: string, name: string): CompositeOutcome | undefined {
    let parent = this.cluster.get(PARENT.apiVersion, PARENT.kind, namespace, name);
    if (!parent) return undefined;
    if (!hasFinalizer(parent, COMPOSITE_FINALIZER) && parent.metadata.deletionTimestamp === undefined) {
      parent =
        this.cluster.modify(
          keyOf(parent),
          (o) => {
            o.metadata.finalizers = [...(o.metadata.finalizers ?? []), COMPOSITE_FINALIZER];
            return true;
          },
          `finalizer ${COMPOSITE_FINALIZER} added`,
        ) ?? parent;
    }

    const { observed, ...request } = this.buildRequest(parent);
    const { request: parsed, response } = callCompositeHook(request, this.clock.now(), this.registry);
    this.cluster.note(parent, compositeSummary(parsed.finalizing, response, this.names), 'hook');

    if (response.finalized) {
      const after = this.cluster.modify(
        keyOf(parent),
        (o) => {
          if (!hasFinalizer(o, COMPOSITE_FINALIZER)) return false;
          o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== COMPOSITE_FINALIZER);
          return true;
        },
        `finalized: finalizer ${COMPOSITE_FINALIZER} removed`,
      );
      parent = after ?? parent;
    }

    const desired = desiredChildren(response.children, parent);

    const shouldFinalize = !hasGcFinalizer(parent) && hasFinalizer(parent, COMPOSITE_FINALIZER);
    if (parent.metadata.deletionTimestamp === undefined || shouldFinalize) {
      manageChildren(this.cluster, parent, observed, desired);
    }

    const status = { ...response.status, observedGeneration: parent.metadata.generation ?? 0 };
    const live = this.cluster.get(PARENT.apiVersion, PARENT.kind, namespace, name);
    if (live && live.metadata.uid === parent.metadata.uid && !deepEqual(live.status, status)) {
      this.cluster.updateStatus({ ...live, status }, statusSummary(status, this.names));
    }

    return {
      controller: this.name,
      hook: parsed.finalizing ? 'finalize' : 'sync',
      parent: { namespace, name },
      request: parsed,
      response,
    };
  }
}

/** One of the DecoratorController's attachments: a Secret the parent controls, with its annotation. */
export const isAttachment = (parent: Obj, object: Obj): boolean =>
  object.kind === SECRET.kind &&
  controllerOf(object)?.uid === parent.metadata.uid &&
  object.metadata.annotations?.[DECORATOR_ANNOTATION] === DECORATOR_CONTROLLER;

/** The answer's attachments as the DecoratorController applies them: in the parent's namespace, annotated. */
export function desiredAttachments(attachments: readonly unknown[], parent: Obj): Obj[] {
  return attachments.map((attachment) => {
    const object = clone(attachment) as Obj;
    if (!object.metadata.namespace) object.metadata.namespace = parent.metadata.namespace ?? '';
    object.metadata.annotations = {
      ...(object.metadata.annotations ?? {}),
      [DECORATOR_ANNOTATION]: DECORATOR_CONTROLLER,
    };
    return object;
  });
}

/** The DecoratorController `wandb-secrets`: Secret attachments, customize hook, no finalize hook. */
export class DecoratorControllerEmulator {
  readonly name = DECORATOR_CONTROLLER;
  readonly actor = `metacontroller/${DECORATOR_CONTROLLER}`;
  private readonly customizeCache: CustomizeCache;
  private readonly kinds: readonly KindInfo[];

  constructor(
    private readonly cluster: Cluster,
    clock: Clock,
    private readonly random: RandomSource,
    /** The controller object as installed, sent as the requests' `controller`. */
    private readonly installed?: Obj,
    /** The components the hooks compose (default: the registry). */
    private readonly registry: readonly Component[] = COMPONENTS,
  ) {
    this.customizeCache = new CustomizeCache(clock, 'secrets-customize', registry);
    this.kinds = kindsOf(registry);
  }

  controllerObject(): Obj {
    if (this.installed) return clone(this.installed);
    return {
      apiVersion: 'metacontroller.k8s.io/v1alpha1',
      kind: 'DecoratorController',
      metadata: { name: this.name },
      spec: {
        resources: [{ apiVersion: PARENT.apiVersion, resource: PARENT.resource, ignoreStatusChanges: true }],
        attachments: [
          { apiVersion: SECRET.apiVersion, resource: SECRET.resource, updateStrategy: { method: 'InPlace' } },
        ],
        resyncPeriodSeconds: 600,
        hooks: { sync: webhook('/secrets/sync'), customize: webhook('/secrets/customize') },
      },
      status: {},
    };
  }

  attachments(parent: Obj): Obj[] {
    return this.cluster
      .list(SECRET.apiVersion, SECRET.kind, { namespace: parent.metadata.namespace ?? '' })
      .filter((o) => isAttachment(parent, o));
  }

  buildRequest(parent: Obj) {
    const attachments = this.attachments(parent);
    const controller = this.controllerObject();
    const related = selectRelated(
      this.cluster.all(),
      this.customizeCache.rules(controller, parent),
      this.kinds,
    );
    return {
      controller,
      object: parent,
      attachments: objectMap(attachments, [SECRET]),
      related,
      finalizing: false,
      observed: attachments,
    };
  }

  sync(namespace: string, name: string): DecoratorOutcome | undefined {
    return this.cluster.as(this.actor, () => this.syncParent(namespace, name));
  }

  private syncParent(namespace: string, name: string): DecoratorOutcome | undefined {
    const parent = this.cluster.get(PARENT.apiVersion, PARENT.kind, namespace, name);
    if (!parent) return undefined;
    const { observed, ...request } = this.buildRequest(parent);
    const { request: parsed, response } = callDecoratorHook(request, this.random, this.registry);
    this.cluster.note(parent, `sync: ${response.attachments.length} attachments`, 'hook');

    // `status: null` leaves the parent's status alone; labels and annotations are merged in.
    const labels = { ...(parent.metadata.labels ?? {}) };
    const annotations = { ...(parent.metadata.annotations ?? {}) };
    const apply = (target: Record<string, string>, updates: Record<string, string | null> | undefined) => {
      for (const [key, value] of Object.entries(updates ?? {})) {
        if (value === null) delete target[key];
        else target[key] = value;
      }
    };
    apply(labels, response.labels);
    apply(annotations, response.annotations);
    if (
      !deepEqual(labels, parent.metadata.labels ?? {}) ||
      !deepEqual(annotations, parent.metadata.annotations ?? {})
    ) {
      this.cluster.modify(keyOf(parent), (o) => {
        o.metadata.labels = labels;
        o.metadata.annotations = annotations;
        return true;
      });
    }
    if (response.status !== null) {
      const live = this.cluster.get(PARENT.apiVersion, PARENT.kind, namespace, name);
      if (live && !deepEqual(live.status, response.status))
        this.cluster.updateStatus({ ...live, status: response.status });
    }

    const desired = desiredAttachments(response.attachments, parent);
    // Without a finalize hook the decorator adds no finalizer, so it stops managing attachments
    // once the parent is being deleted; garbage collection takes them with the parent.
    if (parent.metadata.deletionTimestamp === undefined)
      manageChildren(this.cluster, parent, observed, desired);

    return { controller: this.name, hook: 'sync', parent: { namespace, name }, request: parsed, response };
  }
}

function compositeSummary(
  finalizing: boolean,
  response: CompositeSyncResponse,
  names: readonly string[],
): string {
  const parts = [
    `${finalizing ? 'finalize' : 'sync'}: ${response.children.length} children`,
    statusSummary(response.status, names),
    ...(response.resyncAfterSeconds !== undefined ? [`resync ${response.resyncAfterSeconds}s`] : []),
    ...(response.finalized !== undefined ? [`finalized=${response.finalized}`] : []),
  ];
  return parts.join('; ');
}

/** `mysql=Pending redis=Healthy …`: the state a parent status reports for each of `names`, in that order. */
export function componentStates(status: unknown, names: readonly string[]): string[] {
  const fields = status !== null && typeof status === 'object' ? (status as Record<string, unknown>) : {};
  return names.flatMap((name) => {
    const state = (fields[statusKey(name)] as { state?: unknown } | undefined)?.state;
    return typeof state === 'string' ? [`${name}=${state}`] : [];
  });
}

/** `ready=false mysql=Pending …` for the timeline. */
export const statusSummary = (status: Record<string, unknown>, names: readonly string[]): string =>
  [`ready=${String(status.ready)}`, ...componentStates(status, names)].join(' ');
