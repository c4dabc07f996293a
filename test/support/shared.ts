// Where ../shared (read-only reference material and upstream CRDs) is: beside the repository, or
// wherever WANDB_SHARED_DIR points.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export const sharedDir = (): string =>
  process.env.WANDB_SHARED_DIR
    ? path.resolve(process.env.WANDB_SHARED_DIR)
    : path.resolve(REPO_ROOT, '..', 'shared');
