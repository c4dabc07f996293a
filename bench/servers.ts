// Child processes for the benchmarks: the hook server (built output, as in production) and the floor,
// each in its own process so neither shares an event loop with autocannon. Loopback only.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const HOST = '127.0.0.1';
const SERVER = join(ROOT, 'dist/hooks/main.js');
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 30_000;

export interface Server {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly metricsPort?: number;
  /** From spawn to the first 200 from GET /readyz. */
  readonly readyMs: number;
  readonly logFile: string;
}

/** A free loopback port (the kernel's pick, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Fails when dist/ is missing; warns when a source it is built from is newer. */
export function assertBuilt(): void {
  if (!existsSync(SERVER)) throw new Error('dist/hooks/main.js is missing: run `npm run build` first');
  const built = statSync(SERVER).mtimeMs;
  for (const dir of ['hooks', 'compositions', 'compositions/components']) {
    for (const file of readdirTs(join(ROOT, dir))) {
      if (statSync(file).mtimeMs > built) {
        process.stderr.write(
          `warning: ${file} is newer than dist/: run \`npm run build\` for current figures\n`,
        );
        return;
      }
    }
  }
}

/**
 * A module of the build (dist/), as it ships and as the HTTP rounds run it. Not the sources as tsx runs
 * the bench: tsx keeps function names by wrapping every function created at run time in a helper
 * (esbuild's keepNames), which made the sync about 9 % slower than the build (one process, 2026-12-06).
 */
export function builtModule<T>(path: string): Promise<T> {
  assertBuilt();
  return import(join(ROOT, 'dist', path)) as Promise<T>;
}

function readdirTs(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

/** GET /readyz over a fresh connection: the status code, or 0 when nothing listens yet. */
function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get({ host: HOST, port, path: '/readyz', agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', () => resolve(0));
  });
}

/** Polls every 5 ms (cheap, so the poller does not slow the start it measures). */
async function waitReady(port: number, started: number, child: ChildProcess, name: string): Promise<number> {
  const deadline = started + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready`);
    if ((await readyz(port)) === 200) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${name} not ready within ${READY_TIMEOUT_MS} ms`);
}

function logTo(name: string): { file: string; fd: number } {
  const file = join(tmpdir(), `wandb-hooks-bench-${name}-${process.pid}.log`);
  return { file, fd: openSync(file, 'a') };
}

export interface HookServerOptions {
  /** Name in reports; `ours` by default. */
  readonly name?: string;
  /** Another checkout to run (its dist/), e.g. to compare a proposed change side by side. */
  readonly root?: string;
  readonly logLevel?: string;
  readonly nodeArgs?: readonly string[];
  readonly env?: Record<string, string>;
}

/**
 * Node flags of the production command, read from `npm start` (the container test holds the
 * Dockerfile CMD to the same command), so the benchmark always measures what ships.
 */
export const PRODUCTION_NODE_FLAGS: readonly string[] = (() => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const match = /^node((?: --[^\s]+)*) dist\/hooks\/main\.js$/.exec(scripts.start);
  if (!match) throw new Error(`unexpected start script: ${scripts.start}`);
  return (match[1] ?? '').trim().split(' ').filter(Boolean);
})();

/**
 * The hook server as production runs it (`npm start`'s node flags), logs (info) to a file.
 * `nodeArgs` replaces the production flags (pass [] for V8's defaults).
 */
export async function startHookServer(options: HookServerOptions = {}): Promise<Server> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const log = logTo((options.name ?? 'hooks').replace(/[^a-z0-9]+/gi, '-'));
  const started = performance.now();
  const root = options.root ?? ROOT;
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? PRODUCTION_NODE_FLAGS), join(root, 'dist/hooks/main.js')],
    {
      cwd: root,
      env: {
        ...process.env,
        HOST,
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        LOG_LEVEL: options.logLevel ?? 'info',
        SHUTDOWN_DELAY_MS: '0',
        ...options.env,
      },
      stdio: ['ignore', log.fd, log.fd],
    },
  );
  const readyMs = await waitReady(port, started, child, 'hook server');
  const name = options.name ?? 'ours';
  return { name, child, pid: child.pid ?? -1, port, metricsPort, readyMs, logFile: log.file };
}

/** The floor (bench/floor.ts) through tsx; its handler is two library calls, so the loader does not matter. */
export async function startFloor(
  options: { etag?: boolean; nodeArgs?: readonly string[] } = {},
): Promise<Server> {
  const port = await freePort();
  const log = logTo('floor');
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', join(ROOT, 'bench/floor.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, HOST, PORT: String(port), FLOOR_ETAG: options.etag ? '1' : '0' },
      stdio: ['ignore', log.fd, log.fd],
    },
  );
  const readyMs = await waitReady(port, started, child, 'floor');
  return { name: 'floor', child, pid: child.pid ?? -1, port, readyMs, logFile: log.file };
}

/** SIGTERM, then wait for the exit (bounded). */
export function stop(server: Server): Promise<number | null> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve(server.child.exitCode);
    const timer = setTimeout(() => {
      server.child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    server.child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    server.child.kill('SIGTERM');
  });
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

const CLOCK_TICKS = 100;

/** CPU time (user + system) a process has used, in seconds (Linux /proc, USER_HZ = 100). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Samples RSS every `everyMs` until stopped; returns the maximum and the last sample. */
export function sampleRss(pid: number, everyMs = 200): { stop(): { max: number; last: number } } {
  let max = rssBytes(pid);
  let last = max;
  const timer = setInterval(() => {
    last = rssBytes(pid);
    if (last > max) max = last;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      last = rssBytes(pid);
      return { max: Math.max(max, last), last };
    },
  };
}
