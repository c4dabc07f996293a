// The Prometheus Operator's CRDs, made as the operator's Makefile makes them (docs/e2e.md):
// controller-gen (built by e2e/tools/build.sh) with `crd:crdVersions=v1` in the directory of the
// operator's Go types, at the version e2e/tools/prometheus-operator pins.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';

const run = promisify(execFile);
const TYPES = 'github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1';

/** Generate a CRD for every kind of the operator's `v1` into `outDir`: the types' directory and the files. */
export async function generatePrometheusOperatorCrds(
  bin: string,
  outDir: string,
): Promise<{ types: string; files: string[] }> {
  const { stdout } = await run('go', ['list', '-f', '{{.Dir}}', TYPES], {
    cwd: path.join(REPO_ROOT, 'e2e/tools/prometheus-operator'),
  });
  const types = stdout.trim();
  await run(path.join(bin, 'controller-gen'), ['crd:crdVersions=v1', 'paths=.', `output:crd:dir=${outDir}`], {
    cwd: types,
  });
  return { types, files: readdirSync(outDir).map((name) => path.join(outDir, name)) };
}
