// Run the app on a listener, and drain it on SIGTERM: readiness fails first so Kubernetes withdraws
// the endpoint, then the listener closes and in-flight requests finish before the process exits.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { createApp, createMetricsApp, systemClock } from './app.js';
import { type Config, loadConfig } from './config.js';
import { createMetrics } from './metrics.js';

// Go's HTTP client (Metacontroller) keeps idle connections for 90 s; closing ours first would
// race its reuse of them, so stay open longer.
const KEEP_ALIVE_TIMEOUT_MS = 120_000;

export interface RunningServer {
  readonly server: http.Server;
  readonly port: number;
  readonly metricsPort: number;
  /** Start draining (as SIGTERM does); resolves once the listener is closed and requests are done. */
  shutdown(): Promise<void>;
}

export function createLogger(level: Config['LOG_LEVEL']): Logger {
  return pino({
    level,
    base: { service: 'wandb-infra-hooks' },
    // A second line of defence: bodies are never logged, but headers could be.
    redact: ['req.headers.authorization', '*.authorization', '*.data', '*.stringData'],
  });
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const authToken = config.AUTH_TOKEN_FILE ? readFileSync(config.AUTH_TOKEN_FILE, 'utf8').trim() : undefined;
  const metrics = createMetrics({ processMetrics: true });
  const { app, lifecycle } = createApp({
    logger,
    metrics,
    clock: systemClock,
    random: (length) => randomBytes(length),
    bodyLimit: config.BODY_LIMIT,
    authToken,
  });
  const server =
    config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? https.createServer(
          { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) },
          app,
        )
      : http.createServer(app);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;

  const metricsServer = http.createServer(createMetricsApp(metrics));
  await Promise.all([
    listen(server, config.PORT, config.HOST),
    listen(metricsServer, config.METRICS_PORT, config.HOST),
  ]);
  const port = (server.address() as AddressInfo).port;
  const metricsPort = (metricsServer.address() as AddressInfo).port;
  logger.info(
    { port, metricsPort, tls: Boolean(config.TLS_CERT_FILE), auth: Boolean(authToken) },
    'hook server listening',
  );

  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= (async () => {
      lifecycle.draining = true;
      logger.info({ delayMs: config.SHUTDOWN_DELAY_MS }, 'draining: readiness now fails');
      await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DELAY_MS));
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          logger.warn('grace period over; closing remaining connections');
          server.closeAllConnections();
          resolve();
        }, config.SHUTDOWN_GRACE_MS);
        force.unref();
        // Keep-alive connections whose last request finishes during the drain become idle only then.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        sweep.unref();
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
      metricsServer.close();
      metricsServer.closeAllConnections();
      logger.info('hook server stopped');
    })();
    return closing;
  };
  return { server, port, metricsPort, shutdown };
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** `wandb-hooks serve`: the production entry point. */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL);
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    logger.fatal({ err: error }, 'unhandled rejection');
    process.exit(1);
  });
  const running = await startServer(config, logger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      void running.shutdown().then(() => process.exit(0));
    });
  }
}
