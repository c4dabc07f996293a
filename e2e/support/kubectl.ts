// The real kubectl (built by e2e/tools/build.sh) against the e2e control plane.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface Cluster {
  readonly bin: string;
  readonly kubeconfig: string;
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run kubectl; never throws for a non-zero exit (admission refusals are results, not errors). */
export function kubectl(cluster: Cluster, args: readonly string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      join(cluster.bin, 'kubectl'),
      [`--kubeconfig=${cluster.kubeconfig}`, ...args],
      { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** kubectl that must succeed. */
export async function mustKubectl(
  cluster: Cluster,
  args: readonly string[],
  input?: string,
): Promise<string> {
  const result = await kubectl(cluster, args, input);
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(' ')} failed (${result.code}):\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

// biome-ignore lint/suspicious/noExplicitAny: objects read back from the API server are free-form JSON
export type Json = any;

export async function getJson(cluster: Cluster, args: readonly string[]): Promise<Json> {
  return JSON.parse(await mustKubectl(cluster, ['get', ...args, '-o', 'json']));
}

/** Apply objects (JSON or YAML text, or objects) and return kubectl's result. */
export function apply(cluster: Cluster, objects: string | readonly object[], extra: readonly string[] = []) {
  const input =
    typeof objects === 'string'
      ? objects
      : JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
  return kubectl(cluster, ['apply', '-f', '-', ...extra], input);
}

export const yamlDocuments = (text: string): Json[] =>
  text
    .split(/^---$/m)
    .map((doc) => parse(doc))
    .filter((doc) => doc);
