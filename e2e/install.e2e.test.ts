// Install, judged by the real API server: our CRD, our manifests (strictly validated), the
// printer columns and `kubectl explain`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { COMPONENT_NAMES } from '../compositions/components/index.js';
import { type Cluster, getJson, kubectl, mustKubectl } from './support/kubectl.js';
import { REPO_ROOT } from './support/paths.js';
import { applyExample, writeStatus } from './support/wandb.js';

const cluster: Cluster = { bin: inject('bin'), kubeconfig: inject('kubeconfig') };

describe('our CustomResourceDefinition', () => {
  it('is established with a structural schema, and its CEL rules were compiled within the cost budget', async () => {
    const crd = await getJson(cluster, ['crd', 'weightsandbiases.apps.wandb.com']);
    const conditions = Object.fromEntries(
      crd.status.conditions.map((c: { type: string; status: string }) => [c.type, c.status]),
    );
    expect(conditions).toMatchObject({ Established: 'True', NamesAccepted: 'True' });
    expect(conditions.NonStructuralSchema).toBeUndefined();
    // The API server compiles every rule and refuses the CRD if one fails or exceeds its cost
    // budget; the stored schema still carries them.
    const rules = JSON.stringify(crd.spec.versions[0].schema.openAPIV3Schema).match(/"rule":/g) ?? [];
    expect(rules.length).toBeGreaterThan(0);
  });

  it('is explained by kubectl explain', async () => {
    const out = await mustKubectl(cluster, ['explain', 'weightsandbiases.spec']);
    for (const field of ['size', 'retentionPolicy', ...COMPONENT_NAMES]) {
      expect(out).toMatch(new RegExp(`^\\s+${field}\\s`, 'm'));
    }
    const mysql = await mustKubectl(cluster, ['explain', 'weightsandbiases.spec.mysql.storageSize']);
    expect(mysql).toContain('FIELD: storageSize');
  });

  it('shows the reference printer columns in kubectl get wandb, from a status our hooks wrote', async () => {
    const namespace = 'e2e-columns';
    await mustKubectl(cluster, ['create', 'namespace', namespace]);
    await applyExample(cluster, 'dev', namespace);
    // The status our sync hook answers for a converged dev parent (a reviewed golden fixture),
    // written the way Metacontroller writes it: through the status subresource, validated against
    // the CRD's status schema by the API server.
    const golden = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'test/fixtures/sync/dev-all-ready/response.json'), 'utf8'),
    );
    await writeStatus(cluster, namespace, golden.status);
    const table = await mustKubectl(cluster, ['get', 'wandb', '-n', namespace]);
    const [header, row] = table
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/));
    expect(header).toEqual(['NAME', 'READY', 'MYSQL', 'REDIS', 'KAFKA', 'MINIO', 'CLICKHOUSE', 'AGE']);
    expect(row?.slice(0, 7)).toEqual([
      'wandb',
      'true',
      'Healthy',
      'Healthy',
      'Healthy',
      'Healthy',
      'Healthy',
    ]);
  });
});

describe('our part of the install (kubectl apply -k)', () => {
  it('created both controllers, pointed at the local hook server', async () => {
    const composite = await getJson(cluster, ['compositecontroller', 'wandb-infra']);
    expect(composite.spec.hooks.sync.webhook.url).toBe(`${inject('hookUrl')}/sync`);
    expect(composite.spec.generateSelector).toBe(true);
    const decorator = await getJson(cluster, ['decoratorcontroller', 'wandb-secrets']);
    expect(decorator.spec.hooks.sync.webhook.url).toBe(`${inject('hookUrl')}/secrets/sync`);
  });

  it.each([
    ['manifests/', 'manifests'],
    ['manifests/ with the TLS component', 'tls'],
    ['manifests/ with the bearer-token component', 'bearer-token'],
  ])('%s passes server-side strict validation (unknown fields refused)', async (_, which) => {
    const dir = which === 'manifests' ? path.join(REPO_ROOT, 'manifests') : withComponent(which);
    const result = await kubectl(cluster, [
      'apply',
      '--dry-run=server',
      '--validate=strict',
      '--server-side',
      '-k',
      dir,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('strict validation catches a misspelled field (the check can fail)', async () => {
    const deployment = readFileSync(path.join(REPO_ROOT, 'manifests/deployment.yaml'), 'utf8');
    expect(deployment).toContain('imagePullPolicy:');
    const misspelled = deployment.replace('imagePullPolicy:', 'imagePullPolicyy:');
    await mustKubectl(cluster, [
      'apply',
      '--server-side',
      '-f',
      path.join(REPO_ROOT, 'manifests/namespace.yaml'),
    ]);
    const result = await kubectl(
      cluster,
      ['apply', '--dry-run=server', '--validate=strict', '-f', '-'],
      misspelled,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolicyy"/);
  });
});

/** A throwaway overlay of manifests/ with one optional component. */
function withComponent(component: string): string {
  const dir = path.join(inject('workDir'), `with-${component}`);
  const manifests = path.join(REPO_ROOT, 'manifests');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `resources: [${path.relative(dir, manifests)}]`,
      `components: [${path.relative(dir, path.join(manifests, 'components', component))}]`,
      '',
    ].join('\n'),
  );
  return dir;
}
