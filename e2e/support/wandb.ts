// Parents on the e2e control plane: examples applied to a namespace of the test, statuses written
// as Metacontroller writes them, and the hook pipeline run offline by `wandb-hooks render`.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { type Cluster, type Json, mustKubectl } from './kubectl.js';
import { REPO_ROOT } from './paths.js';

const run = promisify(execFile);

/** Apply `manifests/examples/<example>.yaml` in `namespace` (the examples name `wandb`). */
export async function applyExample(cluster: Cluster, example: string, namespace: string): Promise<void> {
  const text = readFileSync(path.join(REPO_ROOT, `manifests/examples/${example}.yaml`), 'utf8');
  await mustKubectl(
    cluster,
    ['apply', '-f', '-'],
    text.replace(/namespace: wandb$/m, `namespace: ${namespace}`),
  );
}

/** Write the parent `wandb`'s status through the status subresource, as Metacontroller does. */
export async function writeStatus(cluster: Cluster, namespace: string, status: Json): Promise<void> {
  await mustKubectl(cluster, [
    'patch',
    'wandb',
    'wandb',
    '-n',
    namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status }),
  ]);
}

/** `wandb-hooks render -o json --show-secrets` for a parent file (secrets shown: a throwaway cluster). */
export async function render(parentFile: string, extra: readonly string[] = []): Promise<Json> {
  const { stdout } = await run(
    process.execPath,
    [
      path.join(REPO_ROOT, 'dist/cli/main.js'),
      'render',
      '-f',
      parentFile,
      '-o',
      'json',
      '--show-secrets',
      ...extra,
    ],
    { maxBuffer: 32 * 1024 * 1024 },
  );
  return JSON.parse(stdout);
}

/** The parent `wandb` as the API server stores it, written to `file` for render. */
export async function saveParent(cluster: Cluster, namespace: string, file: string): Promise<void> {
  const parent = JSON.parse(
    await mustKubectl(cluster, ['get', 'wandb', 'wandb', '-n', namespace, '-o', 'json']),
  );
  writeFileSync(file, JSON.stringify(parent));
}

/** Every object render says the two controllers create, placed in `namespace` as Metacontroller does. */
export const desiredObjects = (answer: Json, namespace: string): Json[] =>
  [...answer.attachments, ...answer.children].map((o: Json) => ({
    ...o,
    metadata: { ...o.metadata, namespace },
  }));
