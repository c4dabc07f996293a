// vitest globalSetup of the end-to-end suite: build the real programs (cached), start the control
// plane and the hook server by its production command, install the upstream CRDs and ours with
// `kubectl apply --server-side`, then our part with `kubectl apply -k` of an overlay that only
// points the controllers' hooks at the local server. Everything started here is stopped in the
// returned teardown, by process id. Timings go to e2e-timings.json in the work directory.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import {
  freePort,
  removeDir,
  startControlPlane,
  startProcess,
  stopProcess,
  waitFor,
} from './support/control-plane.js';
import { type Cluster, mustKubectl } from './support/kubectl.js';
import { overlay } from './support/overlay.js';
import { REPO_ROOT, sharedDir, upstreamCrdFiles } from './support/paths.js';

const run = promisify(execFile);

declare module 'vitest' {
  export interface ProvidedContext {
    bin: string;
    kubeconfig: string;
    hookUrl: string;
    workDir: string;
  }
}

async function buildTools(): Promise<string> {
  const { stdout, stderr } = await run('bash', [join(REPO_ROOT, 'e2e/tools/build.sh')], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 80 * 60_000,
  });
  process.stderr.write(stderr);
  return stdout.trim().split('\n').at(-1) ?? '';
}

/** `npm start`'s node command without its build step (the build ran before vitest). */
function productionCommand(): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  const words = String(pkg.scripts.start).split(/\s+/);
  if (words[0] !== 'node') throw new Error(`npm start is not a node command: ${pkg.scripts.start}`);
  return [process.execPath, ...words.slice(1).map((w) => (w.startsWith('dist/') ? join(REPO_ROOT, w) : w))];
}

export default async function setup(project: TestProject) {
  const timings: Record<string, number> = {};
  const time = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    const result = await step();
    timings[what] = Date.now() - start;
    return result;
  };

  const bin = await time('build', buildTools);
  const workDir = mkdtempSync(join(tmpdir(), 'wandb-e2e-'));
  const plane = await time('control plane', () => startControlPlane(bin, join(workDir, 'cluster')));
  const cluster: Cluster = { bin, kubeconfig: plane.kubeconfig };

  const hookPort = await freePort();
  const [node, ...args] = productionCommand();
  const hooks = startProcess(workDir, 'hooks', node as string, args, {
    PORT: String(hookPort),
    METRICS_PORT: String(await freePort()),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  const hookUrl = `http://127.0.0.1:${hookPort}`;

  const teardown = async () => {
    await stopProcess(hooks);
    await plane.stop();
    writeFileSync(join(workDir, 'e2e-timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    process.stderr.write(`e2e timings (ms): ${JSON.stringify(timings)}\n`);
    if (process.env.WANDB_E2E_KEEP) process.stderr.write(`e2e: kept ${workDir}\n`);
    else removeDir(workDir);
  };

  try {
    await time('hook server ready', () =>
      waitFor('the hook server to be ready', async () => (await fetch(`${hookUrl}/readyz`)).ok, {
        process: hooks,
        timeoutMs: 30_000,
      }),
    );
    await time('install CRDs', async () => {
      // Several upstream CRDs exceed the 256 KiB last-applied annotation of client-side apply.
      const files = [...upstreamCrdFiles(), join(REPO_ROOT, 'manifests/crd.yaml')];
      await mustKubectl(cluster, ['apply', '--server-side', ...files.flatMap((f) => ['-f', f])]);
      // Polled rather than `kubectl wait`, which fails on a CRD whose status is not written yet.
      await waitFor('every CRD to be established', async () => {
        const crds = JSON.parse(await mustKubectl(cluster, ['get', 'crd', '-o', 'json'])).items;
        return (
          crds.length === files.length &&
          crds.every((crd: { status?: { conditions?: Array<{ type: string; status: string }> } }) =>
            crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'),
          )
        );
      });
    });
    await time('install our part', async () => {
      const dir = overlay(workDir, hookUrl);
      await mustKubectl(cluster, ['apply', '--server-side', '-k', dir]);
    });
  } catch (error) {
    await teardown();
    throw error;
  }

  project.provide('bin', bin);
  project.provide('kubeconfig', plane.kubeconfig);
  project.provide('hookUrl', hookUrl);
  project.provide('workDir', workDir);
  process.stderr.write(
    `e2e: control plane ready (shared dir ${sharedDir()}), timings ${JSON.stringify(timings)}\n`,
  );
  return teardown;
}
