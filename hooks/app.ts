// The Express app: hook routes, probes and metrics. Built by a factory so tests and the CLI can
// run it without a listener; everything impure (clock, logger, metrics) is passed in.
import { timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { RandomSource } from '../compositions/credentials.js';
import { errorHandler, HookError } from './errors.js';
import { HOOKS, type Outcome } from './handlers.js';
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

let clockSecond = -1;
let clockText = '';
/** The wall clock at second precision; formatted once per second (every hook call reads it). */
export function systemClock(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== clockSecond) {
    clockSecond = second;
    clockText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return clockText;
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
export const HOOK_ROUTES = HOOKS.map((hook) => hook.route);

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

  /** Run one hook call through the pipeline (handlers.ts), answer it, and record it. */
  for (const { route, name, handle } of HOOKS) {
    app.post(route, auth, json, (request: Request, response: Response) => {
      const started = process.hrtime.bigint();
      metrics.requestBytes.observe({ hook: name }, Number(request.headers['content-length'] ?? 0));
      let outcome: Outcome = 'error';
      try {
        const result = handle(request.body, { now: deps.clock(), random: deps.random });
        outcome = result.outcome;
        response.status(200).json(result.body);
        logger.info(
          { hook: name, ...result.log, durationMs: elapsedMs(started), outcome },
          `${name} answered`,
        );
      } catch (error) {
        if (error instanceof HookError && error.status < 500) outcome = 'client_error';
        throw error;
      } finally {
        metrics.calls.inc({ hook: name, outcome });
        metrics.duration.observe({ hook: name, outcome }, elapsedMs(started) / 1000);
      }
    });
  }

  app.use((request, _response, next) => {
    next(new HookError('NotFound', `no route for ${request.method} ${request.path}`));
  });
  app.use(errorHandler(logger));
  return { app, lifecycle };
}

function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
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
