// Where ../shared (read-only reference material and upstream CRDs) is: beside the repository, or
// wherever WANDB_SHARED_DIR points.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

export const sharedDir = (): string =>
  process.env.WANDB_SHARED_DIR
    ? path.resolve(process.env.WANDB_SHARED_DIR)
    : path.resolve(REPO_ROOT, '..', 'shared');

/** Every .yaml/.yml file below `dir`, sorted. */
export function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return yamlFiles(full);
      return /\.ya?ml$/.test(entry.name) ? [full] : [];
    })
    .sort();
}
