import { stringify } from 'yaml';
import type { Component } from '../compositions/component.js';
import { COMPONENTS } from '../compositions/components/index.js';
import { RELATED_KINDS, sameKind } from '../compositions/kube.js';
import type { DecoratorSyncResponse } from '../compositions/metacontroller.js';
import { parentSpec } from '../compositions/parent-spec.js';
import { parentRef } from '../compositions/presets.js';
import { type DeletionPlan, deletionPlan } from '../compositions/retention.js';
import { CONTROLLER_UID_LABEL, childChanges, claims, desiredChildren, withChanges } from '../sim/children.js';
import { seededRandom, uuidFrom } from '../sim/clock.js';
import {
  byKey,
  ControllerError,
  clone,
  deepEqual,
  describe,
  InputError,
  keyOf,
  type Obj,
  withServerFields,
} from '../sim/cluster.js';
import { childKinds, groupOf, isKind, kindsOf } from '../sim/kinds.js';
import {
  COMPOSITE_CONTROLLER,
  COMPOSITE_FINALIZER,
  DECORATOR_CONTROLLER,
  desiredAttachments,
  isAttachment,
} from '../sim/metacontroller.js';
import {
  callCompositeHook,
  callCustomizeHook,
  callDecoratorHook,
  objectMap,
  selectRelated,
} from '../sim/requests.js';
import { DEFAULT_SEED } from '../sim/simulation.js';
import {
  type FlagSpec,
  type Io,
  isRecord,
  loadParent,
  parseFlags,
  processIo,
  readObjects,
  reportError,
  timeFlag,
  UsageError,
} from './io.js';

const PARENT = RELATED_KINDS.WeightsAndBiases;

// ---- render ------------------------------------------------------------------------------------

export interface RenderOptions {
  readonly now: string;
  readonly finalizing: boolean;
  readonly seed: string;
}

export interface RenderResult {
  readonly hook: 'sync' | 'finalize';
  readonly children: unknown[];
  readonly attachments: unknown[];
  readonly status: Record<string, unknown>;
  readonly deletionPlan?: DeletionPlan;
  readonly finalized?: boolean;
  /** Why the spec is invalid, when it is (the status says the same). */
  readonly invalid?: string;
}

/** Passes of the DecoratorController render runs at most; it settles on the second (see below). */
const DECORATOR_PASSES = 3;

const SECRET = RELATED_KINDS.Secret;

/**
 * What a parent's hooks answer, through the hook pipeline as Metacontroller would call it, without
 * an emulated cluster or operators. The DecoratorController's answer is applied to the observed
 * objects and fed back until it no longer changes, so the composite sees the credential Secrets
 * and its answer holds every custom resource. It settles on the second pass: an attached Secret
 * keeps its values, and nothing else the answer reads changes (no operator runs). Without observed
 * objects this is the state a fresh install converges to; with `finalizing` a fresh parent's
 * children are applied first, then it is marked for deletion as `kubectl delete` would.
 */
export function render(
  input: Obj,
  observed: readonly Obj[],
  options: RenderOptions,
  registry: readonly Component[] = COMPONENTS,
): RenderResult {
  const uid = uuidFrom(seededRandom(options.seed, 'uid'));
  // What an API server holds carries its uid, creationTimestamp and generation, whatever the file says.
  const stored = (object: Obj) => withServerFields(object, options.now, uid);
  let parent = normalizeParent(input, observed, options, uid);
  const namespace = parent.metadata.namespace ?? 'default';
  const kinds = kindsOf(registry);
  const declared = childKinds(registry);
  const isChild = (o: Obj) => declared.some((k) => isKind(o, k));
  // The parent comes from -f; a copy of it among the observed objects (render's own output) is ignored.
  const isParent = (o: Obj) =>
    sameKind(o, PARENT) &&
    o.metadata.name === parent.metadata.name &&
    (o.metadata.namespace || namespace) === namespace;
  let objects = observed.filter((o) => !isParent(o)).map((o) => stored(asObserved(o, parent, isChild)));
  refuseDuplicates(objects);
  const fresh = observed.length === 0;

  const random = seededRandom(options.seed, 'secrets');
  const decorator = { metadata: { name: DECORATOR_CONTROLLER } };
  const secretsRules = callCustomizeHook({ controller: decorator, parent }, 'secrets-customize', registry);
  let secrets: DecoratorSyncResponse | undefined;
  for (let pass = 1; ; pass++) {
    const attached = objects.filter((o) => isAttachment(parent, o));
    const previous = secrets;
    secrets = callDecoratorHook(
      {
        controller: decorator,
        object: parent,
        attachments: objectMap(attached, [SECRET]),
        related: selectRelated([parent, ...objects], secretsRules, kinds),
      },
      random,
      registry,
    ).response;
    // Without a finalize hook the DecoratorController stops managing a parent being deleted.
    if (deepEqual(previous?.attachments, secrets.attachments) || parent.metadata.deletionTimestamp) break;
    if (pass === DECORATOR_PASSES) {
      throw new ControllerError(`the secrets hook's answer did not settle in ${DECORATOR_PASSES} passes`);
    }
    const desired = desiredAttachments(secrets.attachments, parent);
    objects = withChanges(objects, childChanges(parent, attached, desired), stored);
  }

  const composite = { metadata: { name: COMPOSITE_CONTROLLER } };
  const callComposite = () => {
    const candidates = declared.flatMap((kind) =>
      objects.filter((o) => isKind(o, kind) && o.metadata.namespace === namespace).sort(byKey),
    );
    const children = claims(parent, candidates)
      .filter(({ claim }) => claim !== 'release')
      .map(({ object }) => object);
    const rules = callCustomizeHook({ controller: composite, parent }, 'customize', registry);
    const request = {
      controller: composite,
      parent,
      children: objectMap(children, declared),
      related: selectRelated([parent, ...objects], rules, kinds),
      finalizing: parent.metadata.deletionTimestamp !== undefined,
    };
    return { children, ...callCompositeHook(request, options.now, registry) };
  };

  if (options.finalizing && parent.metadata.deletionTimestamp === undefined) {
    if (fresh) {
      const { children, response } = callComposite();
      objects = withChanges(
        objects,
        childChanges(parent, children, desiredChildren(response.children, parent)),
        stored,
      );
      parent = { ...parent, status: response.status };
    }
    // As kubectl delete: marked for deletion (the finalizer holds it), generation bumped.
    parent = {
      ...parent,
      metadata: {
        ...parent.metadata,
        deletionTimestamp: options.now,
        deletionGracePeriodSeconds: 0,
        generation: (parent.metadata.generation ?? 0) + 1,
      },
    };
  }

  const { request: parsed, response } = callComposite();
  const invalid = invalidReason(response.status);
  const plan =
    invalid === undefined ? planFor(parent, response.status, parsed.finalizing, registry) : undefined;
  return {
    hook: parsed.finalizing ? 'finalize' : 'sync',
    children: response.children,
    attachments: secrets.attachments,
    status: response.status,
    ...(plan ? { deletionPlan: plan } : {}),
    ...(response.finalized !== undefined ? { finalized: response.finalized } : {}),
    ...(invalid !== undefined ? { invalid } : {}),
  };
}

function normalizeParent(
  input: Obj,
  observed: readonly Obj[],
  options: RenderOptions,
  uid: () => string,
): Obj {
  const parent = clone(input);
  const meta = parent.metadata;
  const namespace = meta.namespace ?? 'default';
  // Without a uid, take the one the observed children's controller references name.
  meta.uid ??=
    observed
      .flatMap((o) => o.metadata.ownerReferences ?? [])
      .find((r) => r.controller === true && r.kind === PARENT.kind && r.name === meta.name)?.uid ?? uid();
  meta.generation ??= 1;
  meta.creationTimestamp ??= options.now;
  // A live parent carries the CompositeController's finalizer; the finalize pass relies on it.
  if (!(meta.finalizers ?? []).includes(COMPOSITE_FINALIZER))
    meta.finalizers = [...(meta.finalizers ?? []), COMPOSITE_FINALIZER];
  meta.namespace = namespace;
  return parent;
}

/**
 * Observed objects go in as they are, in the parent's namespace by default. A child nobody
 * controls and without the selector label (a file written by hand, or by `render`) is labelled as
 * this parent's child, so that the claim adopts it as Metacontroller would have created it.
 */
function asObserved(object: Obj, parent: Obj, isChild: (o: Obj) => boolean): Obj {
  const copy = clone(object);
  copy.metadata.namespace ||= parent.metadata.namespace ?? 'default';
  const controlled = (copy.metadata.ownerReferences ?? []).some((r) => r.controller === true);
  if (isChild(copy) && !controlled && copy.metadata.labels?.[CONTROLLER_UID_LABEL] === undefined) {
    copy.metadata.labels = {
      ...(copy.metadata.labels ?? {}),
      [CONTROLLER_UID_LABEL]: parent.metadata.uid ?? '',
    };
  }
  return copy;
}

/** The API server holds one object per kind, namespace and name. */
function refuseDuplicates(objects: readonly Obj[]): void {
  const seen = new Set<string>();
  for (const object of objects) {
    const key = keyOf(object);
    const id = `${groupOf(key.apiVersion)}/${key.kind}/${key.namespace}/${key.name}`;
    if (seen.has(id)) {
      throw new InputError(`${describe(object)} appears twice in namespace ${key.namespace}`);
    }
    seen.add(id);
  }
}

function invalidReason(status: Record<string, unknown>): string | undefined {
  const conditions = Array.isArray(status.conditions)
    ? (status.conditions as Array<Record<string, unknown>>)
    : [];
  const invalid = conditions.find((c) => c.type === 'InvalidSpec' && c.status === 'True');
  return invalid ? String(invalid.message) : undefined;
}

/** The deletion plan when finalizing (every component with something to remove), else for disabled ones. */
function planFor(
  parent: Obj,
  status: Record<string, unknown>,
  finalizing: boolean,
  registry: readonly Component[],
): DeletionPlan | undefined {
  const ref = parentRef({
    ...parent,
    metadata: { ...parent.metadata, namespace: parent.metadata.namespace ?? 'default' },
  });
  const ofParent = parentSpec(ref, parent.spec, registry);
  if (!ofParent.parsed.success) return undefined;
  const { spec } = ofParent.resolved();
  const disabled = registry.filter((c) => !c.select(spec).enabled).map((c) => c.name);
  // A disabled component still being removed has a state other than Disabled.
  const removing = disabled.filter((name) => {
    const state = (status[`${name}Status`] as { state?: unknown } | undefined)?.state;
    return state !== undefined && state !== 'Disabled';
  });
  if (finalizing) return deletionPlan(spec, ref, removing, registry);
  if (disabled.length === 0) return undefined;
  const plan = deletionPlan(spec, ref, disabled, registry);
  return { ...plan, components: plan.components.filter((c) => disabled.includes(c.component)) };
}

// ---- output ------------------------------------------------------------------------------------

const MASK = '(masked)';

function mask(attachment: unknown): unknown {
  const copy = clone(attachment) as Record<string, unknown>;
  for (const field of ['data', 'stringData']) {
    const values = copy[field];
    if (isRecord(values)) copy[field] = Object.fromEntries(Object.keys(values).map((k) => [k, MASK]));
  }
  return copy;
}

export function formatRender(
  result: RenderResult,
  parent: Obj,
  options: { output: 'yaml' | 'json'; showSecrets: boolean; now: string },
): string {
  const attachments = options.showSecrets ? result.attachments : result.attachments.map(mask);
  if (options.output === 'json') {
    const body = {
      children: result.children,
      attachments,
      status: result.status,
      ...(result.deletionPlan ? { deletionPlan: result.deletionPlan } : {}),
      ...(result.finalized !== undefined ? { finalized: result.finalized } : {}),
    };
    return `${JSON.stringify(body, null, 2)}\n`;
  }
  const header = [
    `# wandb-hooks render: WeightsAndBiases ${parent.metadata.namespace}/${parent.metadata.name}, ${result.hook} at ${options.now}`,
    `# ${result.children.length} children, ${result.attachments.length} Secret attachments${options.showSecrets ? '' : ' (values masked; --show-secrets prints them)'}`,
    ...(result.finalized !== undefined ? [`# finalized: ${result.finalized}`] : []),
    ...planComment(result.deletionPlan),
  ];
  const documents = [
    {
      apiVersion: parent.apiVersion,
      kind: parent.kind,
      metadata: { name: parent.metadata.name, namespace: parent.metadata.namespace },
      status: result.status,
    },
    ...result.children,
    ...attachments,
  ];
  return `${header.join('\n')}\n${documents.map((d) => `---\n${stringify(d, { lineWidth: 0 })}`).join('')}`;
}

function planComment(plan: DeletionPlan | undefined): string[] {
  if (!plan) return [];
  return [
    `# deletion plan: ${plan.order}`,
    ...plan.components.flatMap((entry) => [
      `#   ${entry.component} (${entry.policy}): removes ${entry.removes.join(', ') || 'nothing'}`,
      `#     volumes: ${entry.volumes}`,
      `#     credentials: ${entry.credentials}`,
      ...(entry.manual ? [`#     manual step: ${entry.manual}`] : []),
    ]),
  ];
}

export const RENDER_USAGE = `usage: wandb-hooks render -f PARENT [--observed OBJECTS] [--finalizing] [--now TIME] [-o yaml|json] [--show-secrets] [--seed SEED]

Prints what the hooks answer for PARENT (a WeightsAndBiases, YAML or JSON, "-" for stdin): the
desired children, the Secret attachments, the status, and the deletion plan (with --finalizing,
or for disabled components). Without --observed: the state a fresh install converges to.

  -f, --file PARENT        the parent
      --observed OBJECTS   objects the cluster holds (children, Secrets, PVCs, StatefulSets; multi-document or a List)
      --finalizing         render the finalize hook, as after kubectl delete
      --now TIME           the hooks' clock (RFC 3339; default: now)
  -o, --output FORMAT      yaml (default) or json
      --show-secrets       print Secret values instead of masking them
      --seed SEED          seed for generated credentials and uids (default: wandb-hooks)
`;

const RENDER_FLAGS: FlagSpec[] = [
  { name: 'file', short: 'f', value: true },
  { name: 'observed', value: true },
  { name: 'finalizing', value: false },
  { name: 'now', value: true },
  { name: 'output', short: 'o', value: true },
  { name: 'show-secrets', value: false },
  { name: 'seed', value: true },
  { name: 'help', short: 'h', value: false },
];

export function runRender(argv: readonly string[], io: Io = processIo): number {
  try {
    const flags = parseFlags(argv, RENDER_FLAGS);
    if (flags.has('help')) {
      io.stdout(RENDER_USAGE);
      return 0;
    }
    const file = flags.get('file');
    if (file === undefined) throw new UsageError('-f PARENT is required');
    const output = flags.get('output') ?? 'yaml';
    if (output !== 'yaml' && output !== 'json')
      throw new UsageError(`-o must be yaml or json, not "${output}"`);
    const observedFile = flags.get('observed');
    if (file === '-' && observedFile === '-')
      throw new UsageError('only one of -f and --observed can read stdin');
    const now = timeFlag(flags.get('now'));
    const finalizing = flags.has('finalizing');
    const parent = loadParent(file, io);
    const observed = observedFile === undefined ? [] : readObjects(observedFile, io);
    const result = render(parent, observed, { now, finalizing, seed: flags.get('seed') ?? DEFAULT_SEED });
    io.stdout(formatRender(result, parent, { output, showSecrets: flags.has('show-secrets'), now }));
    if (result.invalid !== undefined) {
      io.stderr(`wandb-hooks render: the spec is invalid, so the hooks change nothing: ${result.invalid}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    return reportError('render', error, RENDER_USAGE, io);
  }
}
