// The kustomize overlay `npm run e2e` applies: manifests/ as a user installs it, with only the
// hook URLs of the CompositeController and DecoratorController pointed at the local hook server.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { REPO_ROOT } from './paths.js';

const HOOKS = {
  CompositeController: {
    name: 'wandb-infra',
    hooks: { sync: '/sync', finalize: '/finalize', customize: '/customize' },
  },
  DecoratorController: {
    name: 'wandb-secrets',
    hooks: { sync: '/secrets/sync', customize: '/secrets/customize' },
  },
} as const;

/** Write the overlay below `workDir` and return its directory. */
export function overlay(workDir: string, hookUrl: string): string {
  const dir = path.join(workDir, 'overlay');
  mkdirSync(dir, { recursive: true });
  const patches = Object.entries(HOOKS).map(([kind, { name, hooks }]) => ({
    target: { group: 'metacontroller.k8s.io', version: 'v1alpha1', kind, name },
    patch: stringify(
      Object.entries(hooks).map(([hook, route]) => ({
        op: 'replace',
        path: `/spec/hooks/${hook}/webhook`,
        value: { url: `${hookUrl}${route}`, timeout: '10s' },
      })),
    ),
  }));
  writeFileSync(
    path.join(dir, 'kustomization.yaml'),
    stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: [path.relative(dir, path.join(REPO_ROOT, 'manifests'))],
      patches,
    }),
  );
  return dir;
}
