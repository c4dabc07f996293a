// The install manifests: every file parses; every built-in object matches the types, required
// fields and formats of kubernetes-models' JSON schemas (which accept unknown fields: test/cel
// decodes every manifest strictly with Kubernetes' own Go types, `npm run test:cel`), and every
// Metacontroller object validates against its CRD with unknown fields rejected; the controllers
// point at exactly what the hook server serves and owns, and the Deployment carries the security
// settings of the brief.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { COMPONENT_NAMES } from '../compositions/components/index.js';
import { CHILD_KINDS } from '../compositions/kube.js';
import { WeightsAndBiasesSpec } from '../compositions/parent.js';
import { HOOK_ROUTES } from '../hooks/app.js';
import { CONTROLLER_PATH, compositeControllerYaml } from '../scripts/manifests.js';
import { aParent } from './support/builders.js';
import { assertValidAgainstCrd, validateAgainstCrd } from './support/crd-validator.js';

import { REPO_ROOT, yamlFiles } from './support/shared.js';

type Json = Record<string, unknown>;
// Test-only access to parsed YAML: a wrong shape fails the assertion that reads it.
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML documents
type Any = any;

const MANIFESTS = path.join(REPO_ROOT, 'manifests');
const NAMESPACE = 'wandb-system';
const SERVICE = 'wandb-infra-hooks';

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const relative = (file: string) => path.relative(MANIFESTS, file);

function documents(file: string): Any[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${relative(file)}: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    return value === null || value === undefined ? [] : [value];
  });
}

/** Files a component's configMapGenerator turns into ConfigMap data: their content is no Kubernetes object. */
const GENERATOR_INPUTS = new Set(
  readdirSync(path.join(MANIFESTS, 'components')).flatMap((component) => {
    const dir = path.join(MANIFESTS, 'components', component);
    const generators: Any[] = documents(path.join(dir, 'kustomization.yaml'))[0].configMapGenerator ?? [];
    return generators.flatMap((g) =>
      (g.files as string[]).map((f) => path.join(dir, f.split('=').at(-1) ?? f)),
    );
  }),
);
const ALL_FILES = yamlFiles(MANIFESTS).filter((f) => !GENERATOR_INPUTS.has(f));
const TOP_LEVEL = ALL_FILES.filter(
  (f) => path.dirname(f) === MANIFESTS && path.basename(f) !== 'kustomization.yaml',
);
const kustomization = documents(path.join(MANIFESTS, 'kustomization.yaml'))[0];
/** Every object `kubectl apply -k manifests/` creates, by "Kind/name". */
const installed: Map<string, Any> = new Map(
  TOP_LEVEL.flatMap(documents).map((object) => [`${object.kind}/${object.metadata.name}`, object]),
);

function get(kind: string, name: string): Any {
  const object = installed.get(`${kind}/${name}`);
  if (!object) throw new Error(`manifests/ has no ${kind} ${name}`);
  return object;
}

const BUILT_IN: Record<string, new (data: Any) => { validate(): void }> = {
  'v1 Namespace': Namespace,
  'v1 ServiceAccount': ServiceAccount,
  'v1 Service': Service,
  'apps/v1 Deployment': Deployment,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
  'apiextensions.k8s.io/v1 CustomResourceDefinition': CustomResourceDefinition,
};
const METACONTROLLER = 'metacontroller.k8s.io/v1alpha1';

/**
 * Validates one object: built-in kinds with kubernetes-models (types and required fields; an unknown
 * field passes, which test/cel catches), Metacontroller kinds with its CRDs (unknown fields refused).
 */
function assertValidObject(object: Any): void {
  const Model = BUILT_IN[`${object.apiVersion} ${object.kind}`];
  if (Model) {
    new Model(object).validate();
    return;
  }
  if (object.apiVersion === METACONTROLLER) {
    assertValidAgainstCrd(object);
    return;
  }
  throw new Error(`no schema to validate ${object.apiVersion} ${object.kind} ${object.metadata?.name}`);
}

const deployment = get('Deployment', SERVICE);
const podSpec = deployment.spec.template.spec;
const podLabels: Record<string, string> = deployment.spec.template.metadata.labels;
const container = podSpec.containers[0];
const env = (name: string): string | undefined =>
  container.env.find((e: { name: string }) => e.name === name)?.value as string | undefined;
const selects = (selector: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => podLabels[key] === value);

const composite = get('CompositeController', 'wandb-infra');
const decorator = get('DecoratorController', 'wandb-secrets');
const hooksOf = (controller: Any): Array<[string, Any]> => Object.entries(controller.spec.hooks);

describe('every file under manifests/', () => {
  test.each(ALL_FILES.map(relative))('%s parses, and every document has apiVersion and kind', (file) => {
    const docs = documents(path.join(MANIFESTS, file));
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      expect(doc).toEqual(
        expect.objectContaining({ apiVersion: expect.any(String), kind: expect.any(String) }),
      );
    }
  });

  test('kustomization.yaml lists every top-level manifest exactly once, and nothing else', () => {
    const resources: string[] = kustomization.resources;
    expect(new Set(resources).size).toBe(resources.length);
    expect([...resources].sort()).toEqual(TOP_LEVEL.map((f) => path.basename(f)).sort());
    expect(resources).toContain('crd.yaml');
    // No namespace transformer: it would also set a namespace on the cluster-scoped controllers.
    expect(kustomization.namespace).toBeUndefined();
  });

  test.each([...installed.keys()])('%s has the types and required fields of its schema', (key) => {
    assertValidObject(installed.get(key));
  });

  test('namespaced objects live in wandb-system, which the kustomization creates', () => {
    expect(get('Namespace', NAMESPACE).metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
    for (const object of installed.values()) {
      const clusterScoped = [
        'Namespace',
        'CustomResourceDefinition',
        'CompositeController',
        'DecoratorController',
      ];
      if (clusterScoped.includes(object.kind)) expect(object.metadata.namespace).toBeUndefined();
      else expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(NAMESPACE);
    }
  });
});

describe('the CompositeController wandb-infra', () => {
  test('has the childResources the component registry generates (run `npm run manifests` after adding a kind)', () => {
    const committed = readFileSync(CONTROLLER_PATH, 'utf8');
    expect(committed).toBe(compositeControllerYaml(committed));
  });

  test('owns exactly CHILD_KINDS, each updated InPlace, and never Secrets or PersistentVolumeClaims', () => {
    const children = composite.spec.childResources as Any[];
    expect(children.map((c) => ({ apiVersion: c.apiVersion, resource: c.resource }))).toEqual(
      Object.values(CHILD_KINDS).map((k) => ({ apiVersion: k.apiVersion, resource: k.resource })),
    );
    for (const child of children) expect(child.updateStrategy).toEqual({ method: 'InPlace' });
    const resources = children.map((c) => c.resource);
    expect(resources).not.toContain('secrets');
    expect(resources).not.toContain('persistentvolumeclaims');
  });

  test('watches our CRD with a generated selector, ignores its own status writes, and resyncs as a safety net', () => {
    const crd = get('CustomResourceDefinition', 'weightsandbiases.apps.wandb.com');
    const served = crd.spec.versions.find((v: Any) => v.served);
    expect(composite.spec.parentResource).toEqual({
      apiVersion: `${crd.spec.group}/${served.name}`,
      resource: crd.spec.names.plural,
      ignoreStatusChanges: true,
    });
    expect(composite.spec.generateSelector).toBe(true);
    expect(composite.spec.resyncPeriodSeconds).toBeGreaterThan(0);
  });

  test('has the sync, finalize and customize hooks', () => {
    expect(Object.keys(composite.spec.hooks).sort()).toEqual(['customize', 'finalize', 'sync']);
  });

  test('its finalizer is the one parents carry in the test builders', () => {
    expect(aParent({}).metadata.finalizers).toEqual([
      `metacontroller.io/compositecontroller-${composite.metadata.name}`,
    ]);
  });
});

describe('the DecoratorController wandb-secrets', () => {
  test('decorates our parents, ignoring status changes, and attaches Secrets InPlace', () => {
    expect(decorator.spec.resources).toEqual([
      { apiVersion: 'apps.wandb.com/v2', resource: 'weightsandbiases', ignoreStatusChanges: true },
    ]);
    expect(decorator.spec.attachments).toEqual([
      { apiVersion: 'v1', resource: 'secrets', updateStrategy: { method: 'InPlace' } },
    ]);
    expect(decorator.spec.resyncPeriodSeconds).toBeGreaterThan(0);
  });

  test('has sync and customize hooks and no finalize hook', () => {
    expect(Object.keys(decorator.spec.hooks).sort()).toEqual(['customize', 'sync']);
  });
});

describe('every hook of both controllers', () => {
  const service = get('Service', SERVICE);
  const httpPort = service.spec.ports.find((p: Any) => p.name === 'http');
  const hooks = [
    ...hooksOf(composite).map(([name, hook]) => [`wandb-infra ${name}`, hook]),
    ...hooksOf(decorator).map(([name, hook]) => [`wandb-secrets ${name}`, hook]),
  ] as Array<[string, Any]>;

  test.each(hooks)('%s: version v2, explicit timeout, our Service, a served path', (_name, hook) => {
    expect(hook.version).toBe('v2');
    expect(hook.webhook.url).toBeUndefined();
    expect(hook.webhook.timeout).toMatch(/^\d+s$/);
    expect(hook.webhook.service).toEqual({ name: SERVICE, namespace: NAMESPACE, port: httpPort.port });
    expect(HOOK_ROUTES).toContain(hook.webhook.path);
  });

  test('paths are distinct, since nothing else tells the server which hook is called', () => {
    const paths = hooks.map(([, hook]) => hook.webhook.path);
    expect(new Set(paths).size).toBe(paths.length);
  });
});

describe('the hook server Deployment', () => {
  test('runs two replicas of the image, rolling without losing capacity', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(container.image).toBe('wandb-infra-hooks:0.1.0');
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
  });

  test('runs as a numeric non-root user with no privileges, no token and a read-only root filesystem', () => {
    const serviceAccount = get('ServiceAccount', podSpec.serviceAccountName);
    expect(serviceAccount.automountServiceAccountToken).toBe(false);
    expect(podSpec.automountServiceAccountToken).toBe(false);
    const pod = podSpec.securityContext;
    expect(pod.runAsNonRoot).toBe(true);
    expect(Number.isInteger(pod.runAsUser) && pod.runAsUser > 0).toBe(true);
    expect(pod.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(podSpec.hostNetwork ?? false).toBe(false);
    expect(podSpec.containers).toHaveLength(1);
    const security = container.securityContext;
    expect(security).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(security.capabilities.add).toBeUndefined();
    expect(security.privileged ?? false).toBe(false);
    expect(security.runAsUser ?? pod.runAsUser).toBe(pod.runAsUser);
  });

  test('probes readiness on /readyz and liveness on /healthz, on the hook port', () => {
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
  });

  test('fails readiness before draining, and its grace period outlasts delay plus drain', () => {
    const delay = Number(env('SHUTDOWN_DELAY_MS'));
    const grace = Number(env('SHUTDOWN_GRACE_MS'));
    expect(delay).toBe(5000);
    expect(grace).toBeGreaterThan(0);
    expect(podSpec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(delay + grace);
    // Readiness fails within the delay, so endpoints are withdrawn before the listener closes.
    const probe = container.readinessProbe;
    expect(probe.periodSeconds * probe.failureThreshold * 1000).toBeLessThan(delay);
  });

  test('listens where the Service and the controllers expect it', () => {
    const ports = Object.fromEntries(container.ports.map((p: Any) => [p.name, p.containerPort]));
    expect(ports).toEqual({ http: Number(env('PORT')), metrics: Number(env('METRICS_PORT')) });
    const service = get('Service', SERVICE);
    expect(selects(service.spec.selector)).toBe(true);
    expect(service.spec.ports.map((p: Any) => [p.name, p.port, p.targetPort])).toEqual([
      ['http', ports.http, 'http'],
      ['metrics', ports.metrics, 'metrics'],
    ]);
  });

  test('sets resources and spreads its replicas', () => {
    expect(container.resources.requests).toEqual(
      expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
    );
    expect(container.resources.limits.memory).toEqual(expect.any(String));
    expect(podSpec.topologySpreadConstraints.length).toBeGreaterThan(0);
    for (const constraint of podSpec.topologySpreadConstraints) {
      expect(selects(constraint.labelSelector.matchLabels)).toBe(true);
    }
  });

  test('keeps one replica through voluntary disruptions', () => {
    const budget = get('PodDisruptionBudget', SERVICE);
    expect(budget.spec.minAvailable).toBe(1);
    expect(selects(budget.spec.selector.matchLabels)).toBe(true);
  });
});

describe('the NetworkPolicy', () => {
  const policy = get('NetworkPolicy', SERVICE);

  test('selects the hook pods and denies all egress', () => {
    expect(selects(policy.spec.podSelector.matchLabels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.egress).toEqual([]);
  });

  test('admits only Metacontroller to the hook port and only Prometheus to the metrics port', () => {
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'metacontroller' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'metacontroller' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 'http' }],
      },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 'metrics' }],
      },
    ]);
  });
});

describe('examples/', () => {
  const examples = yamlFiles(path.join(MANIFESTS, 'examples'));

  test('holds dev, small, purge and partial', () => {
    expect(examples.map((f) => path.basename(f, '.yaml')).sort()).toEqual([
      'dev',
      'partial',
      'purge',
      'small',
    ]);
  });

  test.each(examples.map(relative))('%s is a parent our CRD and our zod schema accept', (file) => {
    const docs = documents(path.join(MANIFESTS, file));
    expect(docs).toHaveLength(1);
    const [parent] = docs;
    assertValidAgainstCrd(parent);
    expect(parent.metadata.namespace).toEqual(expect.any(String));
    WeightsAndBiasesSpec.parse(parent.spec);
  });

  const spec = (name: string) =>
    WeightsAndBiasesSpec.parse(documents(path.join(MANIFESTS, 'examples', `${name}.yaml`))[0].spec);
  const enabled = (s: WeightsAndBiasesSpec) => COMPONENT_NAMES.filter((c) => s[c]?.enabled === true);

  test('dev and small enable every registered component at their size', () => {
    expect(spec('dev').size).toBe('dev');
    expect(spec('small').size).toBe('small');
    expect(enabled(spec('dev'))).toEqual(COMPONENT_NAMES);
    expect(enabled(spec('small'))).toEqual(COMPONENT_NAMES);
  });

  test('purge purges; partial runs only MySQL and Redis', () => {
    expect(spec('purge').retentionPolicy).toEqual({ onDelete: 'purge' });
    expect(enabled(spec('partial'))).toEqual(['mysql', 'redis']);
  });

  test('the parent validator rejects what the API server would', () => {
    const parent = documents(examples[0] as string)[0];
    expect(
      validateAgainstCrd({ ...parent, spec: { ...parent.spec, mysql: { enabled: true, replica: 3 } } }),
    ).toEqual({
      valid: false,
      errors: ['spec.mysql.replica: must NOT have additional properties (replica)'],
    });
    expect(validateAgainstCrd({ ...parent, spec: { size: 'huge' } }).valid).toBe(false);
    expect(validateAgainstCrd({ ...parent, spec: { redis: {} } }).valid).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Kustomize components: their patches target objects of the base and keep them valid.

/** Strategic merge as kustomize applies our patches: maps merge; lists of named items merge by name. */
function merge(base: unknown, patch: unknown): unknown {
  if (isObject(base) && isObject(patch)) {
    const out: Json = { ...base };
    for (const [key, value] of Object.entries(patch))
      out[key] = key in base ? merge(base[key], value) : value;
    return out;
  }
  const named = (list: unknown): list is Json[] =>
    Array.isArray(list) && list.every((i) => isObject(i) && 'name' in i);
  if (named(base) && named(patch)) {
    const out = base.map((item) => {
      const update = patch.find((p) => p.name === item.name);
      return update ? merge(item, update) : item;
    });
    return [...out, ...patch.filter((p) => !base.some((item) => item.name === p.name))];
  }
  return patch;
}

const COMPONENTS = ['bearer-token', 'tls'];

function componentPatches(component: string): Any[] {
  const dir = path.join(MANIFESTS, 'components', component);
  const [definition] = documents(path.join(dir, 'kustomization.yaml'));
  expect(definition).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1alpha1', kind: 'Component' });
  const listed = (definition.patches as Array<{ path: string }>).map((p) => p.path);
  const files = yamlFiles(dir)
    .map((f) => path.basename(f))
    .filter((f) => f !== 'kustomization.yaml');
  expect([...listed].sort()).toEqual(files.sort());
  return listed.flatMap((file) => documents(path.join(dir, file)));
}

function withComponents(components: string[]): Map<string, Any> {
  const result = new Map(installed);
  for (const component of components) {
    for (const patch of componentPatches(component)) {
      const key = `${patch.kind}/${patch.metadata.name}`;
      const target = result.get(key);
      if (!target) throw new Error(`${component}: patch targets ${key}, which manifests/ does not install`);
      expect(patch.apiVersion).toBe(target.apiVersion);
      expect(patch.metadata.namespace).toBe(target.metadata.namespace);
      result.set(key, merge(target, patch));
    }
  }
  return result;
}

function expectComponentsApplied(objects: Map<string, Any>, components: string[]): void {
  const pod = objects.get(`Deployment/${SERVICE}`).spec.template.spec;
  const hooksContainer = pod.containers[0];
  const envNames = hooksContainer.env.map((e: Any) => e.name);
  const volumes = pod.volumes.map((v: Any) => v.secret.secretName);
  const hooks = ['CompositeController/wandb-infra', 'DecoratorController/wandb-secrets'].flatMap((key) =>
    Object.values(objects.get(key).spec.hooks as Record<string, Any>),
  );
  if (components.includes('bearer-token')) {
    expect(envNames).toContain('AUTH_TOKEN_FILE');
    expect(volumes).toContain('wandb-infra-hooks-token');
    for (const hook of hooks) {
      expect(hook.webhook.authorization).toEqual({
        type: 'Bearer',
        secretRef: { name: 'wandb-infra-hooks-token', namespace: NAMESPACE, key: 'token' },
      });
    }
  }
  if (components.includes('tls')) {
    expect(envNames).toEqual(expect.arrayContaining(['TLS_CERT_FILE', 'TLS_KEY_FILE']));
    expect(volumes).toContain('wandb-infra-hooks-tls');
    expect(hooksContainer.readinessProbe.httpGet.scheme).toBe('HTTPS');
    expect(hooksContainer.livenessProbe.httpGet.scheme).toBe('HTTPS');
    for (const hook of hooks) {
      expect(hook.webhook.service).toMatchObject({ name: SERVICE, namespace: NAMESPACE, protocol: 'https' });
      expect(hook.webhook.caBundle).toEqual({
        secretRef: { name: 'wandb-infra-hooks-tls', namespace: NAMESPACE, key: 'ca.crt' },
      });
    }
  }
  // Mounted files sit where the environment says.
  for (const [variable, file] of envNames.map((name: string) => [
    name,
    hooksContainer.env.find((e: Any) => e.name === name).value,
  ])) {
    if (!variable.endsWith('_FILE')) continue;
    const mount = hooksContainer.volumeMounts.find((m: Any) =>
      (file as string).startsWith(`${m.mountPath}/`),
    );
    expect(mount, `${variable}=${file}`).toBeDefined();
    const volume = pod.volumes.find((v: Any) => v.name === mount.name);
    expect(volume.secret.items.map((i: Any) => i.path)).toContain(path.basename(file as string));
  }
  for (const object of objects.values()) assertValidObject(object);
}

describe('components/', () => {
  // monitoring adds objects rather than patching them: test/monitoring.test.ts judges it.
  test('holds bearer-token, tls and monitoring', () => {
    expect(readdirSync(path.join(MANIFESTS, 'components')).sort()).toEqual(
      [...COMPONENTS, 'monitoring'].sort(),
    );
  });

  test.each([[['bearer-token']], [['tls']], [COMPONENTS]])(
    '%j patch valid objects into valid objects',
    (components) => {
      expectComponentsApplied(withComponents(components), components);
    },
  );
});

describe('metacontroller/', () => {
  test('installs upstream v4.17.2 with --apply-strategy=dynamic-apply pinned', () => {
    const [overlay] = documents(path.join(MANIFESTS, 'metacontroller', 'kustomization.yaml'));
    expect(overlay.resources).toEqual([
      'https://github.com/metacontroller/metacontroller//manifests/production?ref=v4.17.2',
    ]);
    expect(overlay.patches).toHaveLength(1);
    expect(overlay.patches[0].target).toMatchObject({ kind: 'StatefulSet', name: 'metacontroller' });
    const operations = parseAllDocuments(overlay.patches[0].patch)[0]?.toJS();
    expect(operations).toEqual([
      { op: 'add', path: '/spec/template/spec/containers/0/args/-', value: '--apply-strategy=dynamic-apply' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// With kubectl at hand (it embeds kustomize), build the real thing too.

function kubectl(): string | undefined {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 10_000 });
    return 'kubectl';
  } catch {
    return undefined;
  }
}

const kubectlBinary = kubectl();

describe.skipIf(kubectlBinary === undefined)('kubectl kustomize', () => {
  const build = (dir: string): Any[] =>
    parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 30_000 })).map(
      (d) => d.toJS(),
    );
  const byKey = (objects: Any[]) => new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]));

  test('manifests/ builds to exactly the objects of its files', () => {
    const built = byKey(build(MANIFESTS));
    expect([...built.keys()].sort()).toEqual([...installed.keys()].sort());
    for (const [key, object] of built) expect(object, key).toEqual(installed.get(key));
  });

  test('an overlay with both components builds, and matches the merge this test emulates', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wandb-overlay-'));
    try {
      const base = path.relative(dir, MANIFESTS);
      writeFileSync(
        path.join(dir, 'kustomization.yaml'),
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          'resources:',
          `  - ${base}`,
          'components:',
          ...COMPONENTS.map((c) => `  - ${base}/components/${c}`),
          'images:',
          '  - name: wandb-infra-hooks',
          '    newName: registry.example.com/wandb/wandb-infra-hooks',
          '    newTag: 0.1.0',
          '',
        ].join('\n'),
      );
      const built = byKey(build(dir));
      expectComponentsApplied(built, COMPONENTS);
      expect(built.get(`Deployment/${SERVICE}`).spec.template.spec.containers[0].image).toBe(
        'registry.example.com/wandb/wandb-infra-hooks:0.1.0',
      );
      const emulated = withComponents(COMPONENTS);
      const sortEnv = (o: Any) => {
        const copy = structuredClone(o);
        for (const c of copy.spec.template.spec.containers) {
          c.env.sort((a: Any, b: Any) => a.name.localeCompare(b.name));
          c.volumeMounts.sort((a: Any, b: Any) => a.name.localeCompare(b.name));
          c.image = 'ignored';
        }
        copy.spec.template.spec.volumes.sort((a: Any, b: Any) => a.name.localeCompare(b.name));
        return copy;
      };
      expect(sortEnv(built.get(`Deployment/${SERVICE}`))).toEqual(
        sortEnv(emulated.get(`Deployment/${SERVICE}`)),
      );
      for (const key of ['CompositeController/wandb-infra', 'DecoratorController/wandb-secrets']) {
        expect(built.get(key)).toEqual(emulated.get(key));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('no stray files: everything under manifests/ is YAML', () => {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
    );
  expect(
    walk(MANIFESTS)
      .filter((f) => !/\.ya?ml$/.test(f) && !GENERATOR_INPUTS.has(f))
      .map(relative),
  ).toEqual([]);
  expect(existsSync(path.join(MANIFESTS, 'crd.yaml'))).toBe(true);
});
