// What the hooks create, judged by the real API server and the upstream CRDs (their OpenAPI schemas
// and their own CEL rules), with unknown fields refused rather than silently pruned. The objects
// come from `wandb-hooks render` (the hook pipeline run offline), fed the parent exactly as the API
// server stored it; they are created the way Metacontroller would (namespace set, our labels).
// Metacontroller itself is not in this suite (docs/e2e.md says why): this checks the objects, not
// the controller's loop.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { COMPONENTS } from '../compositions/components/index.js';
import { type Cluster, getJson, type Json, kubectl, mustKubectl } from './support/kubectl.js';
import { missingFields, resourceOf } from './support/objects.js';
import { applyExample, desiredObjects, render, saveParent, writeStatus } from './support/wandb.js';

const cluster: Cluster = { bin: inject('bin'), kubeconfig: inject('kubeconfig') };

describe.each(['dev', 'small'])('the %s example through the real API server', (example) => {
  const namespace = `e2e-children-${example}`;

  it('creates every desired child and Secret with no field refused, pruned or changed', async () => {
    await mustKubectl(cluster, ['create', 'namespace', namespace]);
    await applyExample(cluster, example, namespace);
    const parentFile = path.join(inject('workDir'), `${example}-parent.json`);
    await saveParent(cluster, namespace, parentFile);
    const objects = desiredObjects(await render(parentFile), namespace);
    expect(objects.length).toBeGreaterThan(example === 'dev' ? 5 : 8);
    const created = await kubectl(
      cluster,
      ['create', '--validate=strict', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);

    for (const object of objects) {
      const stored = await getJson(cluster, [resourceOf(object), object.metadata.name, '-n', namespace]);
      const { metadata: _sentMetadata, ...sentRest } = object;
      const { metadata: _storedMetadata, ...storedRest } = stored;
      expect(missingFields(sentRest, storedRest), `${object.kind} ${object.metadata.name}`).toEqual([]);
    }
  });

  it('accepts the status our hooks answer for it, through the status subresource', async () => {
    const parentFile = path.join(inject('workDir'), `${example}-parent.json`);
    const answer = await render(parentFile);
    await writeStatus(cluster, namespace, answer.status);
    const stored = await getJson(cluster, ['wandb', 'wandb', '-n', namespace]);
    expect(missingFields(answer.status, stored.status)).toEqual([]);
  });

  it('answers with the same children when they are fed back as observed (no churn)', async () => {
    const parentFile = path.join(inject('workDir'), `${example}-parent.json`);
    const first = await render(parentFile);
    const observedFile = path.join(inject('workDir'), `${example}-observed.json`);
    const live = await getJson(cluster, [
      [...COMPONENTS.flatMap((c) => c.kinds.map(({ ref }) => resourceOf(ref))), 'secrets'].join(','),
      '-n',
      namespace,
    ]);
    writeFileSync(observedFile, JSON.stringify(live));
    const again = await render(parentFile, ['--observed', observedFile]);
    const names = (answer: Json) => answer.children.map((c: Json) => `${c.kind}/${c.metadata.name}`).sort();
    expect(names(again)).toEqual(names(first));
    for (const child of again.children) {
      const before = first.children.find(
        (c: Json) => c.kind === child.kind && c.metadata.name === child.metadata.name,
      );
      expect(child.spec, `${child.kind} ${child.metadata.name}`).toEqual(before.spec);
    }
  });
});
