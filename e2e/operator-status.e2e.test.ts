// The operator statuses our readiness rules read, judged by the upstream CRDs' status schemas: the
// emulated operators (sim/operators.ts) wrote the observed children of the golden
// fixtures; here each is created on the real API server and its status written through the
// status subresource, as the operator would. A field the real CRD prunes is a field no real
// operator can report, so a readiness rule that reads it would never see it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { type Cluster, getJson, type Json, mustKubectl } from './support/kubectl.js';
import { missingFields, resourceOf } from './support/objects.js';
import { REPO_ROOT } from './support/paths.js';

const cluster: Cluster = { bin: inject('bin'), kubeconfig: inject('kubeconfig') };

const FIXTURES = ['dev-all-ready', 'small-all-ready'];

describe.each(FIXTURES)('the observed children of the %s golden fixture', (fixture) => {
  it('carry statuses the upstream CRDs store unchanged', async () => {
    const namespace = `e2e-status-${fixture}`;
    await mustKubectl(cluster, ['create', 'namespace', namespace]);
    const request = JSON.parse(
      readFileSync(path.join(REPO_ROOT, `test/fixtures/sync/${fixture}/request.json`), 'utf8'),
    );
    const children: Json[] = Object.values(request.children).flatMap((group) =>
      Object.values(group as object),
    );
    expect(children.length).toBeGreaterThan(4);
    let checked = 0;
    for (const child of children) {
      const who = `${child.kind} ${child.metadata.name}`;
      // Only what a client may set: no owner (its UID does not exist here, and the garbage
      // collector would delete the object), no server-set metadata.
      const { status, metadata } = child;
      const object = {
        apiVersion: child.apiVersion,
        kind: child.kind,
        metadata: { name: metadata.name, namespace, labels: metadata.labels },
        spec: child.spec,
      };
      await mustKubectl(cluster, ['create', '--validate=strict', '-f', '-'], JSON.stringify(object));
      // Opstree's custom resources report no readiness (it comes from their StatefulSets).
      if (status === undefined) continue;
      checked++;
      await mustKubectl(cluster, [
        'patch',
        resourceOf(child),
        metadata.name,
        '-n',
        namespace,
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status }),
      ]);
      const stored = await getJson(cluster, [resourceOf(child), metadata.name, '-n', namespace]);
      expect(missingFields(status, stored.status), who).toEqual([]);
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});
