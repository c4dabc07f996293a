// SIGTERM under load, on the real server (startServer, loopback) with keep-alive clients like
// Metacontroller's Go transport: every request the server receives gets a complete 200, and shutdown
// finishes once they are answered. `shutdown()` is what the SIGTERM handler of `serve` calls.
import http from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { buildScenario } from '../bench/requests.js';
import { loadConfig } from '../hooks/config.js';
import { type RunningServer, startServer } from '../hooks/server.js';

const FULL = buildScenario('small', 'converged');
const WORKERS = 10; // two controllers × Metacontroller's default 5 workers
const GRACE_MS = 10_000;

function start(delayMs: number, graceMs = GRACE_MS): Promise<RunningServer> {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const config = loadConfig({
    PORT: '0',
    METRICS_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SHUTDOWN_DELAY_MS: String(delayMs),
    SHUTDOWN_GRACE_MS: String(graceMs),
  });
  return startServer(config, pino({ level: 'info' }, sink));
}

interface Outcome {
  readonly status: number;
  readonly complete: boolean;
  /** The server asked the client to drop the connection (it is draining). */
  readonly closing: boolean;
  readonly finishedAt: number;
}

/**
 * One POST /sync. `pause`, when given, is awaited after the headers and half of the body are sent,
 * so the request is in flight (received, not yet complete) while something else happens.
 */
function sync(port: number, agent: http.Agent, pause?: () => Promise<void>): Promise<Outcome> {
  const body = Buffer.from(FULL.body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/sync',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
        timeout: GRACE_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          let complete = false;
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { children: unknown[] };
            complete = parsed.children.length === FULL.observedChildren;
          } catch {
            complete = false;
          }
          resolve({
            status: response.statusCode ?? 0,
            complete,
            closing: response.headers.connection === 'close',
            finishedAt: performance.now(),
          });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('no answer in time')));
    request.on('error', reject);
    if (!pause) {
      request.end(body);
      return;
    }
    request.flushHeaders();
    request.write(body.subarray(0, body.length >> 1));
    void pause().then(() => request.end(body.subarray(body.length >> 1)));
  });
}

const keepAlive = () => new http.Agent({ keepAlive: true, maxSockets: WORKERS });
const ok = (o: Outcome) => o.status === 200 && o.complete;

describe('graceful shutdown (SIGTERM) under load', () => {
  test('a rolling restart: no request fails while the old pod drains and the new one takes over', async () => {
    // As in the Deployment: readiness fails for SHUTDOWN_DELAY_MS while answers say Connection: close;
    // a client that gets one reconnects, and a new connection lands on a ready pod (the new one here).
    const old = await start(300);
    const fresh = await start(0);
    const agents = { old: keepAlive(), fresh: keepAlive() };
    const outcomes: Array<Outcome & { pod: 'old' | 'fresh'; sentAfterShutdown: boolean }> = [];
    const failures: unknown[] = [];
    let shutdownAt = Number.POSITIVE_INFINITY;
    let stopped = false;

    const worker = async () => {
      let pod: 'old' | 'fresh' = 'old';
      // Bounded: at most 2 000 requests per worker, and the loop ends once the old pod is gone.
      for (let i = 0; i < 2_000 && !stopped; i++) {
        const sentAt = performance.now();
        try {
          const outcome = await sync(pod === 'old' ? old.port : fresh.port, agents[pod]);
          outcomes.push({ ...outcome, pod, sentAfterShutdown: sentAt > shutdownAt });
          if (pod === 'old' && outcome.closing) pod = 'fresh';
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, worker);
    // Let the load run, then SIGTERM the old pod mid-load.
    while (outcomes.length < 100) await new Promise((resolve) => setTimeout(resolve, 10));
    shutdownAt = performance.now();
    await old.shutdown();
    const drainedAt = performance.now();
    stopped = true;
    await Promise.all(workers);
    agents.old.destroy();
    agents.fresh.destroy();
    await fresh.shutdown();

    expect(failures).toEqual([]);
    expect(outcomes.every(ok)).toBe(true);
    const servedByOldWhileDraining = outcomes.filter((o) => o.pod === 'old' && o.sentAfterShutdown);
    expect(servedByOldWhileDraining.length).toBeGreaterThan(0);
    expect(servedByOldWhileDraining.every((o) => o.closing)).toBe(true);
    expect(outcomes.some((o) => o.pod === 'fresh')).toBe(true);
    expect(drainedAt - shutdownAt).toBeLessThan(GRACE_MS);
  });

  /** WORKERS requests half uploaded on reused keep-alive connections while the listener closes (no delay). */
  async function shutdownWithRequestsInFlight(graceMs: number) {
    const server = await start(0, graceMs);
    const agent = keepAlive();
    await Promise.all(Array.from({ length: WORKERS }, () => sync(server.port, agent)));
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inFlight = Array.from({ length: WORKERS }, () => sync(server.port, agent, () => released));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = server.shutdown().then(() => performance.now());
    await new Promise((resolve) => setTimeout(resolve, 50));
    const releasedAt = performance.now();
    release();
    const outcomes = await Promise.all(inFlight);
    const stoppedAt = await stopping;
    agent.destroy();
    return {
      server,
      outcomes,
      stoppedAt,
      releasedAt,
      lastAnswerAt: Math.max(...outcomes.map((o) => o.finishedAt)),
    };
  }

  test('requests in flight when the listener closes are answered in full before shutdown ends', async () => {
    const { server, outcomes, stoppedAt, releasedAt } = await shutdownWithRequestsInFlight(3_000);
    expect(outcomes.map((o) => o.status)).toEqual(Array(WORKERS).fill(200));
    expect(outcomes.every(ok)).toBe(true);
    // The bodies were completed only at release: shutdown waited for the requests it had accepted.
    expect(stoppedAt).toBeGreaterThan(releasedAt);
    expect(server.server.listening).toBe(false);
  });

  // A request that arrived before draining gets no `Connection: close`; its keep-alive connection turns
  // idle only when the answer is sent, and the drain closes idle connections as they appear.
  test('shutdown ends soon after the last in-flight answer, not at the grace deadline', async () => {
    const { stoppedAt, lastAnswerAt } = await shutdownWithRequestsInFlight(3_000);
    expect(stoppedAt - lastAnswerAt).toBeLessThan(1_000);
  });
});
