// The Express app: hook routes, probes and metrics. Built by a factory so tests and the CLI can
// run it without a listener; everything impure (clock, logger, metrics) is passed in.
import { timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { checkCompositeResponse, checkDecoratorResponse, kindsIn } from '../compositions/checks.js';
import type { RandomSource } from '../compositions/credentials.js';
import { formatIssues } from '../compositions/issues.js';
import {
  CompositeSyncRequest,
  CustomizeRequest,
  CustomizeResponse,
  DecoratorSyncRequest,
} from '../compositions/metacontroller.js';
import { customize, reconcile } from '../compositions/reconcile.js';
import { customizeSecrets, syncSecrets } from '../compositions/secrets.js';
import { errorHandler, HookError } from './errors.js';
import type { Metrics } from './metrics.js';

export interface AppDependencies {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The only clock: RFC 3339 UTC, second precision (what metav1.Time carries). */
  readonly clock: () => string;
  /** The only randomness: generated credentials (crypto.randomBytes in production). */
  readonly random: RandomSource;
  readonly bodyLimit?: string;
  /** When set, hook routes require `Authorization: Bearer <token>`. */
  readonly authToken?: string | undefined;
}

export interface Lifecycle {
  /** Once true, /readyz fails so endpoints are withdrawn, and responses close their connection. */
  draining: boolean;
}

export const systemClock = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

type Outcome = 'ok' | 'invalid_spec' | 'client_error' | 'error';

interface HookResult {
  readonly body: unknown;
  readonly log: Record<string, unknown>;
  readonly outcome: Outcome;
}

/** Prometheus metrics on their own listener, so a NetworkPolicy can admit scrapers to them alone. */
export function createMetricsApp(metrics: Metrics): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_request, response) => {
    response.setHeader('Content-Type', metrics.registry.contentType);
    response.send(await metrics.registry.metrics());
  });
  return app;
}

/** Hook routes served by this app; manifests must point only at these. */
export const HOOK_ROUTES = [
  '/sync',
  '/finalize',
  '/customize',
  '/secrets/sync',
  '/secrets/customize',
] as const;

export function createApp(deps: AppDependencies): { app: express.Express; lifecycle: Lifecycle } {
  const { logger, metrics } = deps;
  const lifecycle: Lifecycle = { draining: false };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((_request, response, next) => {
    if (lifecycle.draining) response.setHeader('Connection', 'close');
    next();
  });

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/readyz', (_request, response) => {
    response
      .status(lifecycle.draining ? 503 : 200)
      .json({ status: lifecycle.draining ? 'draining' : 'ready' });
  });

  const json = express.json({ limit: deps.bodyLimit ?? '32mb', strict: true, type: () => true });
  const auth = bearerAuth(deps.authToken);

  /** Parse, run, check, answer, and record one hook call. */
  const hook =
    <S extends z.ZodType>(
      name: string,
      schema: S,
      run: (request: z.infer<S>, now: string) => HookResult,
    ): RequestHandler =>
    (request: Request, response: Response) => {
      const started = process.hrtime.bigint();
      metrics.requestBytes.observe({ hook: name }, Number(request.headers['content-length'] ?? 0));
      let outcome: Outcome = 'error';
      try {
        const parsed = schema.safeParse(request.body);
        if (!parsed.success) {
          outcome = 'client_error';
          throw new HookError(
            'NotAMetacontrollerRequest',
            `not a Metacontroller ${name} request: ${formatIssues(parsed.error, 'body').slice(0, 3).join('; ')}`,
          );
        }
        const result = run(parsed.data, deps.clock());
        outcome = result.outcome;
        response.status(200).json(result.body);
        logger.info(
          { hook: name, ...result.log, durationMs: elapsedMs(started), outcome },
          `${name} answered`,
        );
      } finally {
        metrics.calls.inc({ hook: name, outcome });
        metrics.duration.observe({ hook: name, outcome }, elapsedMs(started) / 1000);
      }
    };

  const composite = (name: 'sync' | 'finalize') =>
    hook(name, CompositeSyncRequest, (request, now) => {
      const body = reconcile(request, { now });
      const problems = checkCompositeResponse(
        body,
        request.parent.metadata.namespace,
        kindsIn(request.children),
      );
      if (problems.length > 0)
        throw new Error(`refusing to send an invalid ${name} response: ${problems.join('; ')}`);
      const invalid = body.status.conditions?.some((c) => c.type === 'InvalidSpec') ?? false;
      return {
        body,
        outcome: invalid ? 'invalid_spec' : 'ok',
        log: {
          parent: `${request.parent.metadata.namespace}/${request.parent.metadata.name}`,
          generation: request.parent.metadata.generation,
          observed: countObjects(request.children),
          children: body.children.length,
          ready: body.status.ready,
          ...(body.finalized !== undefined ? { finalized: body.finalized } : {}),
        },
      };
    });

  app.post('/sync', auth, json, composite('sync'));
  app.post('/finalize', auth, json, composite('finalize'));
  const customizeHook = (name: string, run: typeof customize) =>
    hook(name, CustomizeRequest, (request) => {
      const body = CustomizeResponse.parse(run(request));
      const foreign = body.relatedResources.filter(
        (rule) => rule.namespace !== request.parent.metadata.namespace,
      );
      if (foreign.length > 0) throw new Error(`refusing a ${name} rule outside the parent namespace`);
      return {
        body,
        outcome: 'ok',
        log: {
          parent: `${request.parent.metadata.namespace}/${request.parent.metadata.name}`,
          rules: body.relatedResources.length,
        },
      };
    });
  app.post('/customize', auth, json, customizeHook('customize', customize));
  app.post('/secrets/customize', auth, json, customizeHook('secrets-customize', customizeSecrets));
  app.post(
    '/secrets/sync',
    auth,
    json,
    hook('secrets-sync', DecoratorSyncRequest, (request) => {
      const body = syncSecrets(request, { random: deps.random });
      const problems = checkDecoratorResponse(body, request.object.metadata.namespace);
      if (problems.length > 0)
        throw new Error(`refusing an invalid secrets response: ${problems.join('; ')}`);
      return {
        body,
        outcome: 'ok',
        log: {
          parent: `${request.object.metadata.namespace}/${request.object.metadata.name}`,
          observed: countObjects(request.attachments),
          attachments: body.attachments.length,
        },
      };
    }),
  );

  app.use((request, _response, next) => {
    next(new HookError('NotFound', `no route for ${request.method} ${request.path}`));
  });
  app.use(errorHandler(logger));
  return { app, lifecycle };
}

function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function countObjects(map: Record<string, Record<string, unknown>>): number {
  let count = 0;
  for (const group of Object.values(map)) count += Object.keys(group).length;
  return count;
}

function bearerAuth(token: string | undefined): RequestHandler {
  if (token === undefined) return (_request, _response, next) => next();
  const expected = Buffer.from(`Bearer ${token}`);
  return (request, _response, next) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    next(new HookError('Unauthorized', 'missing or wrong bearer token'));
  };
}
