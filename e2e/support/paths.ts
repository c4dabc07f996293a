// Where the repository and ../shared (read-only upstream CRDs) are.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export const sharedDir = (): string =>
  process.env.WANDB_SHARED_DIR
    ? path.resolve(process.env.WANDB_SHARED_DIR)
    : path.resolve(REPO_ROOT, '..', 'shared');

/** The upstream CRDs a user installs with the operators (our child kinds) and Metacontroller's. */
export function upstreamCrdFiles(): string[] {
  const root = path.join(sharedDir(), 'crds');
  return ['strimzi', 'altinity', 'minio', 'opstree', 'percona', 'metacontroller']
    .flatMap((dir) =>
      readdirSync(path.join(root, dir))
        .filter((name) => name.endsWith('.yaml'))
        .map((name) => path.join(root, dir, name)),
    )
    .sort();
}
