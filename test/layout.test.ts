// Imports run one way: compositions/ is pure, hooks/ is the edge and uses only compositions/, the
// simulator and the CLI use both, and only the CLI, tests and scripts use the simulator.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from './support/shared.js';

const FOLDERS = ['compositions', 'hooks', 'cli', 'sim', 'scripts', 'bench', 'e2e', 'test'] as const;
type Folder = (typeof FOLDERS)[number];

function sources(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** Top-level folders each file of `folder` imports (relative specifiers, static or dynamic). */
function importedFolders(folder: Folder): Map<string, Set<string>> {
  const uses = new Map<string, Set<string>>();
  for (const file of sources(folder)) {
    const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
      const target = path.normalize(path.join(path.dirname(file), specifier as string));
      const top = target.split(path.sep)[0] as string;
      if (top !== folder) uses.set(top, (uses.get(top) ?? new Set()).add(file));
    }
  }
  return uses;
}

const ALLOWED: Record<Folder, readonly string[]> = {
  compositions: [],
  hooks: ['compositions'],
  sim: ['compositions', 'hooks', 'scripts'],
  cli: ['compositions', 'hooks', 'sim'],
  scripts: ['compositions', 'hooks', 'sim'],
  bench: ['compositions', 'hooks', 'sim', 'scripts'],
  e2e: ['compositions', 'hooks', 'sim', 'scripts', 'manifests'],
  test: ['compositions', 'hooks', 'sim', 'cli', 'scripts', 'bench', 'e2e'],
};

describe('layout', () => {
  test.each(FOLDERS)('%s imports only the folders below it', (folder) => {
    const uses = importedFolders(folder);
    const forbidden = [...uses].filter(([top]) => !ALLOWED[folder].includes(top));
    expect(Object.fromEntries(forbidden.map(([top, files]) => [top, [...files]]))).toEqual({});
  });
});
