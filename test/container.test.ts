// The container image, without Docker: the Dockerfile is read for what the cluster relies on
// (non-root numeric user, node as PID 1, pinned LTS bases, production dependencies only), then the
// image's command is reproduced from a fresh build: it becomes ready, answers a sync, and exits 0
// on SIGTERM after failing readiness first.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { aParent, syncRequest } from './support/builders.js';
import { REPO_ROOT } from './support/shared.js';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** Dockerfile instructions by stage; comments dropped, continuation lines joined. */
function parseDockerfile(text: string): Stage[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile: ${keyword} before FROM`);
      stage.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

const stages = parseDockerfile(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1) as Stage;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1)?.args;
const runs = (stage: Stage) => all(stage, 'RUN').map((i) => i.args);
const stageNamed = (name: string) => stages.find((s) => s.name === name);

/** `COPY [--from=x] src... dest` → {from, sources}. */
function copies(stage: Stage): Array<{ from: string | undefined; sources: string[] }> {
  return all(stage, 'COPY').map(({ args }) => {
    const words = args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    return { from, sources: paths.slice(0, -1) };
  });
}

/** Node.js major version an image runs: `node:<major>…` or distroless `nodejs<major>-…`. */
function nodeMajor(image: string): number | undefined {
  const official = /^(?:docker\.io\/(?:library\/)?)?node:(\d+)/.exec(image);
  const distroless = /\/nodejs(\d+)-debian\d+:/.exec(image);
  const major = official?.[1] ?? distroless?.[1];
  return major === undefined ? undefined : Number(major);
}

describe('Dockerfile', () => {
  test('every base image is pinned by a tag (never latest) and runs one even-numbered (LTS) Node.js line', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const majors = new Set<number>();
    for (const { image } of stages) {
      const tag = /:([^/@]+)$/.exec(image)?.[1];
      expect(tag, image).toBeDefined();
      expect(tag).not.toMatch(/latest/);
      const major = nodeMajor(image);
      expect(major, `${image} is not a Node.js image`).toBeDefined();
      majors.add(major as number);
    }
    expect(majors.size).toBe(1);
    const [major] = [...majors] as [number];
    expect(major % 2).toBe(0);
    const engines = (
      JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(major).toBeGreaterThanOrEqual(Number(/\d+/.exec(engines)?.[0]));
  });

  test('the runtime stage runs as a numeric non-root user, the one the Deployment sets', () => {
    const user = last(runtime, 'USER');
    expect(user).toMatch(/^\d+(:\d+)?$/);
    const uid = Number(user?.split(':')[0]);
    expect(uid).toBeGreaterThan(0);
    const deployment = parse(readFileSync(path.join(REPO_ROOT, 'manifests', 'deployment.yaml'), 'utf8'));
    expect(uid).toBe(deployment.spec.template.spec.securityContext.runAsUser);
  });

  test('the runtime command is exec-form node running the server entry point, as `npm start` does', () => {
    const entrypoint = last(runtime, 'ENTRYPOINT');
    if (entrypoint !== undefined) expect(JSON.parse(entrypoint)).toEqual([]);
    const cmd = JSON.parse(last(runtime, 'CMD') ?? 'null') as string[];
    expect(Array.isArray(cmd)).toBe(true);
    expect(path.posix.basename(cmd[0] ?? '')).toBe('node');
    const start = (
      JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
    ).scripts.start;
    expect(['node', ...cmd.slice(1)].join(' ')).toBe(start);
  });

  test('builds with the lockfile, and ships only the build output and production dependencies', () => {
    const sources = copies(runtime);
    const fromStage = (file: string) =>
      sources.find((c) => c.sources.some((s) => s.replace(/\/$/, '').endsWith(file)));
    const dist = fromStage('dist');
    const nodeModules = fromStage('node_modules');
    expect(dist?.from).toBeDefined();
    expect(nodeModules?.from).toBeDefined();
    const build = stageNamed(dist?.from as string) as Stage;
    const deps = stageNamed(nodeModules?.from as string) as Stage;
    expect(runs(build).some((r) => /^npm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(runs(build)).toContain('npm run build');
    expect(runs(deps).some((r) => /^npm ci\b.*--omit=dev/.test(r))).toBe(true);
    // The runtime stage needs package.json ("type": "module") and executes nothing (it has no shell).
    expect(sources.some((c) => c.from === undefined && c.sources.includes('package.json'))).toBe(true);
    expect(runs(runtime)).toEqual([]);
  });

  test('the build copies the server sources only: compositions/ and hooks/, not the CLI or the simulator', () => {
    const build = stageNamed(copies(runtime).find((c) => c.sources.includes('/app/dist'))?.from as string);
    const sources = copies(build as Stage)
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources);
    expect(sources).toEqual(expect.arrayContaining(['compositions', 'hooks']));
    for (const offline of ['cli', 'sim', 'test', 'scripts', 'bench']) expect(sources).not.toContain(offline);
  });

  test('.dockerignore admits only what the build copies: no node_modules, dist, tests or .git', () => {
    const rules = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(rules[0]).toBe('*');
    const admitted = rules.filter((r) => r.startsWith('!')).map((r) => r.slice(1).replace(/\/$/, ''));
    for (const excluded of ['node_modules', 'dist', 'test', '.git', 'manifests'])
      expect(admitted).not.toContain(excluded);
    const fromContext = stages.flatMap((s) =>
      copies(s)
        .filter((c) => c.from === undefined)
        .flatMap((c) => c.sources),
    );
    for (const source of fromContext) expect(admitted, source).toContain(source.replace(/\/$/, ''));
  });
});

// ---------------------------------------------------------------------------------------------
// The image's command, reproduced: `node dist/hooks/main.js` from a fresh build, with
// package.json beside dist/ and the dependencies in node_modules, and without the CLI and the
// simulator, which the image does not carry.

let workdir: string;
let server: ChildProcess | undefined;
let output = '';

beforeAll(() => {
  workdir = mkdtempSync(path.join(tmpdir(), 'wandb-image-'));
  // The image runs `npm run build` (tsc -p tsconfig.build.json). Type errors are the typecheck's
  // business (`npm run typecheck`); --noCheck emits the same files in half the time.
  execFileSync(
    process.execPath,
    [
      path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      path.join(REPO_ROOT, 'tsconfig.build.json'),
      '--outDir',
      path.join(workdir, 'dist'),
      '--noCheck',
    ],
    { stdio: 'pipe', timeout: 60_000 },
  );
  for (const offline of ['cli', 'sim']) rmSync(path.join(workdir, 'dist', offline), { recursive: true });
  copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(workdir, 'package.json'));
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(workdir, 'node_modules'), 'dir');
}, 90_000);

afterAll(() => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  rmSync(workdir, { recursive: true, force: true });
});

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** The ports the server logs once it listens: `{"port":…, "metricsPort":…, "msg":"hook server listening"}`. */
function listening(child: ChildProcess, timeoutMs: number): Promise<{ port: number; metricsPort: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not log its port:\n${output}`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    child.stdout?.on('data', () => {
      for (const line of output.split('\n')) {
        let entry: { port?: unknown; metricsPort?: unknown };
        try {
          entry = JSON.parse(line);
        } catch {
          continue; // not a log line, or not a whole one yet
        }
        if (typeof entry.port === 'number' && typeof entry.metricsPort === 'number') {
          clearTimeout(timer);
          resolve({ port: entry.port, metricsPort: entry.metricsPort });
          return;
        }
      }
    });
  });
}

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

describe('the image command', () => {
  test('starts ready, answers /sync, fails readiness on SIGTERM, then exits 0', async () => {
    server = spawn(process.execPath, ['dist/hooks/main.js'], {
      cwd: workdir,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        SHUTDOWN_DELAY_MS: '500',
        SHUTDOWN_GRACE_MS: '2000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk) => {
      output += String(chunk);
    });
    server.stderr?.on('data', (chunk) => {
      output += String(chunk);
    });

    const { port, metricsPort } = await listening(server, 10_000);
    const base = `http://127.0.0.1:${port}`;
    expect(await until(async () => (await status(`${base}/readyz`)) === 200, 5_000)).toBe(true);
    expect(await status(`${base}/healthz`)).toBe(200);

    const response = await fetch(`${base}/sync`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(syncRequest(aParent({ mysql: { enabled: true } }))),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { children: unknown[]; status: { ready: boolean } };
    expect(Array.isArray(body.children)).toBe(true);
    expect(typeof body.status.ready).toBe('boolean');

    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('wandb_hooks_requests_total');

    const exit = exited(server);
    server.kill('SIGTERM');
    // Draining: still listening, but no longer ready, so endpoints are withdrawn first.
    expect(await until(async () => (await status(`${base}/readyz`)) === 503, 400)).toBe(true);
    const code = await Promise.race([
      exit,
      new Promise((resolve) => setTimeout(() => resolve('timeout'), 5_000)),
    ]);
    expect(code, output).toBe(0);
  }, 20_000);
});
