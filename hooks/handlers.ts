// The hook pipeline, once: parse the request, run the composition, check the answer, and describe
// the call for the log. Pure (the clock and randomness come in through the context), so the
// Express app, `render`, the simulator and the fixtures script all answer a request the same way.
import type { z } from 'zod';
import { checkCompositeResponse, checkDecoratorResponse, kindsIn } from '../compositions/checks.js';
import type { Component } from '../compositions/component.js';
import type { RandomSource } from '../compositions/credentials.js';
import { formatIssues } from '../compositions/issues.js';
import {
  CompositeSyncRequest,
  CustomizeRequest,
  CustomizeResponse,
  DecoratorSyncRequest,
} from '../compositions/metacontroller.js';
import { customize, reconcile, type SyncResult } from '../compositions/reconcile.js';
import { customizeSecrets, type SecretsResult, syncSecrets } from '../compositions/secrets.js';
import { HookError } from './errors.js';

export type Outcome = 'ok' | 'invalid_spec' | 'client_error' | 'error';

export interface HookContext {
  /** RFC 3339 UTC, second precision (what metav1.Time carries). */
  readonly now: string;
  /** Generated credentials (crypto.randomBytes in production, seeded offline). */
  readonly random: RandomSource;
  /** The components the hooks compose (default: the registry); tests pass another. */
  readonly registry?: readonly Component[];
}

/** One answered call: the parsed request, the body to send, its log fields and its outcome. */
export interface HookAnswer<Request, Body> {
  readonly request: Request;
  readonly body: Body;
  readonly log: Record<string, unknown>;
  readonly outcome: Outcome;
}

/** A body that is not the hook's request: the caller's mistake, answered 422. */
function parse<S extends z.ZodType>(schema: S, hook: string, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new HookError(
      'NotAMetacontrollerRequest',
      `not a Metacontroller ${hook} request: ${formatIssues(parsed.error, 'body').slice(0, 3).join('; ')}`,
    );
  }
  return parsed.data;
}

/** An answer the checks reject is our bug; sending it could delete a child, so nothing is sent. */
function refuse(hook: string, problems: readonly string[]): never {
  throw new HookError(
    'InvalidResponse',
    `refusing to send an invalid ${hook} response: ${problems.join('; ')}`,
  );
}

const parentName = (meta: { namespace: string; name: string }) => `${meta.namespace}/${meta.name}`;

function countObjects(map: Record<string, Record<string, unknown>>): number {
  let count = 0;
  for (const group of Object.values(map)) count += Object.keys(group).length;
  return count;
}

/** `/sync` and `/finalize`: the CompositeController's hooks (one function; the request says which). */
function compositeHookFor(hook: 'sync' | 'finalize') {
  return (
    body: unknown,
    context: Pick<HookContext, 'now' | 'registry'>,
  ): HookAnswer<CompositeSyncRequest, SyncResult> => {
    const request = parse(CompositeSyncRequest, hook, body);
    const answer = reconcile(request, { now: context.now }, context.registry);
    const problems = checkCompositeResponse(
      answer,
      request.parent.metadata.namespace,
      kindsIn(request.children),
      context.registry,
    );
    if (problems.length > 0) refuse(hook, problems);
    const invalid = answer.status.conditions?.some((c) => c.type === 'InvalidSpec') ?? false;
    return {
      request,
      body: answer,
      outcome: invalid ? 'invalid_spec' : 'ok',
      log: {
        parent: parentName(request.parent.metadata),
        generation: request.parent.metadata.generation,
        observed: countObjects(request.children),
        children: answer.children.length,
        ready: answer.status.ready,
        ...(answer.finalized !== undefined ? { finalized: answer.finalized } : {}),
      },
    };
  };
}

export const syncHook = compositeHookFor('sync');
export const finalizeHook = compositeHookFor('finalize');
/** The composite hook a request is for, as Metacontroller chooses the URL. */
export const compositeHook = (body: unknown, context: Pick<HookContext, 'now' | 'registry'>) =>
  ((body as { finalizing?: unknown } | null)?.finalizing === true ? finalizeHook : syncHook)(body, context);

/** `/secrets/sync`: the DecoratorController's hook, which owns the credential Secrets. */
export function secretsSyncHook(
  body: unknown,
  context: Pick<HookContext, 'random' | 'registry'>,
): HookAnswer<DecoratorSyncRequest, SecretsResult> {
  const request = parse(DecoratorSyncRequest, 'secrets-sync', body);
  const answer = syncSecrets(request, { random: context.random }, context.registry);
  const problems = checkDecoratorResponse(answer, request.object.metadata.namespace);
  if (problems.length > 0) refuse('secrets-sync', problems);
  return {
    request,
    body: answer,
    outcome: 'ok',
    log: {
      parent: parentName(request.object.metadata),
      observed: countObjects(request.attachments),
      attachments: answer.attachments.length,
    },
  };
}

function customizeHookFor(hook: 'customize' | 'secrets-customize', run: typeof customize) {
  return (
    body: unknown,
    context: Pick<HookContext, 'registry'> = {},
  ): HookAnswer<CustomizeRequest, CustomizeResponse> => {
    const request = parse(CustomizeRequest, hook, body);
    const answer = CustomizeResponse.parse(run(request, context.registry));
    const foreign = answer.relatedResources.filter(
      (rule) => rule.namespace !== request.parent.metadata.namespace,
    );
    if (foreign.length > 0) refuse(hook, ['a related rule outside the parent namespace']);
    return {
      request,
      body: answer,
      outcome: 'ok',
      log: { parent: parentName(request.parent.metadata), rules: answer.relatedResources.length },
    };
  };
}

/** `/customize`: the related objects the CompositeController's sync reads. */
export const customizeHook = customizeHookFor('customize', customize);
/** `/secrets/customize`: the related objects the DecoratorController's sync reads. */
export const secretsCustomizeHook = customizeHookFor('secrets-customize', customizeSecrets);

/** Every hook route this server answers, with its handler; manifests must point only at these. */
export const HOOKS = [
  { route: '/sync', name: 'sync', handle: syncHook },
  { route: '/finalize', name: 'finalize', handle: finalizeHook },
  { route: '/customize', name: 'customize', handle: customizeHook },
  { route: '/secrets/sync', name: 'secrets-sync', handle: secretsSyncHook },
  { route: '/secrets/customize', name: 'secrets-customize', handle: secretsCustomizeHook },
] as const satisfies ReadonlyArray<{
  route: string;
  name: string;
  handle: (body: unknown, context: HookContext) => HookAnswer<unknown, unknown>;
}>;
