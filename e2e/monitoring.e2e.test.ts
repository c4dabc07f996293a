// manifests/components/monitoring judged by the real programs (built by e2e/tools/build.sh):
// promtool checks the rule groups of our PrometheusRule and runs their unit tests
// (e2e/monitoring/alerts.test.yaml); the Prometheus Operator's CRDs, generated from its own Go types
// by its own generator (controller-gen), are installed and the component is applied for real with
// manifests/; the real kube-state-metrics, running as our ServiceAccount, reads parents whose status
// is a golden fixture's from the control plane and exports the series docs/monitoring.md lists.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { COMPONENT_NAMES, STATES } from '../compositions/parent.js';
import { freePort, type Process, startProcess, stopProcess, waitFor } from './support/control-plane.js';
import { type Cluster, type Json, kubectl, mustKubectl, yamlDocuments } from './support/kubectl.js';
import { missingFields } from './support/objects.js';
import { overlay } from './support/overlay.js';
import { REPO_ROOT } from './support/paths.js';
import { generatePrometheusOperatorCrds } from './support/prometheus-operator.js';

const bin = inject('bin');
const cluster: Cluster = { bin, kubeconfig: inject('kubeconfig') };
const COMPONENT_DIR = path.join(REPO_ROOT, 'manifests/components/monitoring');
const workDir = path.join(inject('workDir'), 'monitoring');
mkdirSync(workDir, { recursive: true });

/** A program's exit code and output, never throwing for a non-zero exit. */
async function runTool(command: string, args: string[]) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({
        code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
        output: stdout + stderr,
      }),
    );
  });
}

const identity = (o: Json): string =>
  `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const asList = (items: Json[]): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

const prometheusRule = parse(readFileSync(path.join(COMPONENT_DIR, 'prometheus-rule.yaml'), 'utf8'));
const alertNames: string[] = prometheusRule.spec.groups.flatMap((g: Json) =>
  g.rules.map((r: Json) => r.alert),
);

/** The rule groups unwrapped from the PrometheusRule (as the operator hands them to Prometheus), and the tests beside them. */
function ruleFiles(dir: string, edit: (rules: string) => string = (r) => r): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'rules.yaml'), edit(stringify({ groups: prometheusRule.spec.groups })));
  copyFileSync(path.join(REPO_ROOT, 'e2e/monitoring/alerts.test.yaml'), path.join(dir, 'alerts.test.yaml'));
  return dir;
}

describe('alerting rules, judged by promtool', () => {
  const promtool = path.join(bin, 'promtool');

  it('promtool check rules accepts every rule of the PrometheusRule', async () => {
    const dir = ruleFiles(path.join(workDir, 'rules'));
    const { code, output } = await runTool(promtool, ['check', 'rules', path.join(dir, 'rules.yaml')]);
    expect(output).toContain(`SUCCESS: ${alertNames.length} rules found`);
    expect(code).toBe(0);
  });

  it('promtool test rules: every alert fires on its series and stays quiet on the others', async () => {
    const tests = parse(readFileSync(path.join(REPO_ROOT, 'e2e/monitoring/alerts.test.yaml'), 'utf8')).tests;
    const cases = tests.flatMap((t: Json) => t.alert_rule_test);
    for (const alert of alertNames) {
      const own = cases.filter((c: Json) => c.alertname === alert);
      expect(
        own.some((c: Json) => (c.exp_alerts ?? []).length > 0),
        `${alert} fires`,
      ).toBe(true);
      expect(
        own.some((c: Json) => (c.exp_alerts ?? []).length === 0),
        `${alert} stays quiet`,
      ).toBe(true);
    }
    const dir = ruleFiles(path.join(workDir, 'rules'));
    const { code, output } = await runTool(promtool, ['test', 'rules', path.join(dir, 'alerts.test.yaml')]);
    expect(output).toContain('SUCCESS');
    expect(code).toBe(0);
  });

  it('the rule tests fail on a wrong threshold (they can fail)', async () => {
    const dir = ruleFiles(path.join(workDir, 'broken-rules'), (rules) => {
      expect(rules).toContain('> 3600');
      return rules.replace('> 3600', '> 7200');
    });
    const { code, output } = await runTool(promtool, ['test', 'rules', path.join(dir, 'alerts.test.yaml')]);
    expect(code).not.toBe(0);
    expect(output).toMatch(/FAILED[\s\S]*alertname: WandbRemovalSlow/);
  });
});

describe("the component applied to a cluster with the Prometheus Operator's CRDs", () => {
  const crdDir = path.join(workDir, 'prometheus-operator-crds');
  const dir = path.join(workDir, 'overlay');
  let types = '';
  let crdFiles: string[] = [];
  /** The objects the component adds to manifests/, as kustomize builds them. */
  let component: Json[] = [];

  beforeAll(async () => {
    // manifests/ and the component, on top of the setup's overlay: the part already installed (hook
    // URLs on the local server) is applied unchanged, and the component comes in with it.
    const base = overlay(path.join(workDir, 'base'), inject('hookUrl'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [path.relative(dir, base)],
        components: [path.relative(dir, COMPONENT_DIR)],
      }),
    );
    const installed = new Set(yamlDocuments(await mustKubectl(cluster, ['kustomize', base])).map(identity));
    component = yamlDocuments(await mustKubectl(cluster, ['kustomize', dir])).filter(
      (o) => !installed.has(identity(o)),
    );

    const generated = await generatePrometheusOperatorCrds(bin, crdDir);
    types = generated.types;
    // The CRDs of the kinds the component uses (the other kinds of v1 have no business here).
    const kinds = new Set(
      component.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/')).map((o) => o.kind),
    );
    crdFiles = generated.files.filter((file) => kinds.has(parse(readFileSync(file, 'utf8')).spec.names.kind));
    await mustKubectl(cluster, ['apply', '--server-side', ...crdFiles.flatMap((f) => ['-f', f])]);
    await waitFor("the Prometheus Operator's CRDs to be established", async () =>
      (await crdsOnServer()).every((crd: Json) =>
        crd.status?.conditions?.some((c: Json) => c.type === 'Established' && c.status === 'True'),
      ),
    );
  });

  const crdsOnServer = async (): Promise<Json[]> =>
    JSON.parse(await mustKubectl(cluster, ['get', ...crdFiles.flatMap((f) => ['-f', f]), '-o', 'json']))
      .items;

  afterAll(async () => {
    // The cluster is shared by every e2e file: leave none of this behind (deleting the CRDs also
    // deletes any object of their kinds).
    if (component.length > 0) {
      await mustKubectl(cluster, ['delete', '--ignore-not-found', '-f', '-'], asList(component));
    }
    if (crdFiles.length > 0) {
      await mustKubectl(cluster, ['delete', '--ignore-not-found', ...crdFiles.flatMap((f) => ['-f', f])]);
    }
  });

  it("controller-gen v0.22.0 generated them from the operator's v0.95.2 types; the API server established them", async () => {
    expect(types).toMatch(/\/pkg\/apis\/monitoring@v0\.95\.2\/v1$/);
    const crds = await crdsOnServer();
    expect(crds.map((crd) => crd.spec.names.kind).sort()).toEqual([
      'PodMonitor',
      'PrometheusRule',
      'ServiceMonitor',
    ]);
    for (const crd of crds) {
      expect(crd.metadata.annotations['controller-gen.kubebuilder.io/version'], crd.metadata.name).toBe(
        'v0.22.0',
      );
      // A non-structural schema would neither prune nor refuse unknown fields.
      expect(crd.status.conditions.map((c: Json) => c.type)).not.toContain('NonStructuralSchema');
    }
  });

  it('kubectl apply -k stores every object of the component, strictly validated, with every field we sent', async () => {
    expect(component.map((o) => o.kind).sort()).toEqual(
      [
        ...[
          'ClusterRole',
          'ClusterRoleBinding',
          'ConfigMap',
          'ConfigMap',
          'Deployment',
          'Service',
          'ServiceAccount',
        ],
        ...['PrometheusRule', 'ServiceMonitor', 'ServiceMonitor'],
        ...COMPONENT_NAMES.map(() => 'PodMonitor'),
      ].sort(),
    );
    const applied = await kubectl(cluster, ['apply', '--server-side', '--validate=strict', '-k', dir]);
    expect(applied.stderr).toBe(''); // no warning either (an unknown field is one in non-strict mode)
    expect(applied.code).toBe(0);
    const stored: Json[] = JSON.parse(
      await mustKubectl(cluster, ['get', '-f', '-', '-o', 'json'], asList(component)),
    ).items;
    expect(stored.map(identity)).toEqual(component.map(identity));
    component.forEach((sent, i) => {
      expect(missingFields(sent, stored[i]), identity(sent)).toEqual([]);
    });
    // The configuration's hash suffix rolls kube-state-metrics out when it changes.
    const config = stored.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('wandb-state-metrics-config-'),
    );
    const deployment = stored.find((o) => o.kind === 'Deployment');
    expect(deployment.spec.template.spec.volumes[0].configMap.name).toBe(config.metadata.name);
  });

  it("the CRDs' schema refuses a misspelled field of a PrometheusRule, which it would otherwise prune (the checks can fail)", async () => {
    const rule = structuredClone(component.find((o) => o.kind === 'PrometheusRule'));
    rule.metadata.name = 'misspelled';
    const first = rule.spec.groups[0].rules[0];
    expect(first.annotations).toBeDefined();
    first.anotations = first.annotations;
    delete first.annotations;
    // As the component is applied: server-side, strictly validated.
    const strict = await kubectl(
      cluster,
      ['apply', '--server-side', '--validate=strict', '--dry-run=server', '-f', '-'],
      JSON.stringify(rule),
    );
    expect(strict.stderr).toContain('.rules[0].anotations: field not declared in schema');
    expect(strict.code).not.toBe(0);
    // Created without field validation, the rule is stored without the field: what the read-back
    // above would catch.
    const lax = await kubectl(
      cluster,
      ['create', '--validate=false', '--dry-run=server', '-o', 'json', '-f', '-'],
      JSON.stringify(rule),
    );
    expect(lax.code, lax.stderr).toBe(0);
    expect(missingFields(rule, JSON.parse(lax.stdout))).toEqual([
      '.spec.groups[0].rules[0].anotations: missing',
    ]);
  });
});

// ---- kube-state-metrics ----------------------------------------------------------------------

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Prometheus' text format, as far as kube-state-metrics writes it. */
function parseExposition(text: string): { samples: Sample[]; helps: string[] } {
  const samples: Sample[] = [];
  const helps: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) helps.push(line.split(' ')[2] as string);
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [
        k,
        v,
      ]),
    );
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return { samples, helps };
}

const NAMESPACE = 'e2e-monitoring';
const SERVICE_ACCOUNT = 'system:serviceaccount:wandb-system:wandb-state-metrics';
/** Parents and the golden fixture whose status each carries (undefined: no status yet). */
/** Components of the deleting parent's golden status with a removal condition: what the alerts leave out. */
const componentsBeingRemoved = (): number =>
  COMPONENT_NAMES.filter((component) =>
    (goldenStatus(PARENTS.deleting as string)[`${component}Status`]?.conditions ?? []).some((c: Json) =>
      String(c.type).endsWith('Removal'),
    ),
  ).length;

const PARENTS: Record<string, string | undefined> = {
  deleting: 'finalize/retain-walk-03-knobs-in-effect-kafka-omitted',
  'minio-removal': 'sync/minio-disabled-retain-phase1',
  invalid: 'sync/invalid-spec-kafka-scale',
  'no-status': undefined,
};
const goldenStatus = (fixture: string): Json =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures', fixture, 'response.json'), 'utf8')).status;
const seconds = (time: string) => Date.parse(time) / 1000;

describe('kube-state-metrics with our configuration, as our ServiceAccount', () => {
  let ksm: Process | undefined;
  let port = 0;
  let rbac: Json[] = [];
  let exposition = '';
  let samples: Sample[] = [];

  const find = (name: string, labels: Record<string, string>) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const value = (name: string, labels: Record<string, string>) => {
    const found = find(name, labels);
    expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
    return found[0]?.value;
  };

  beforeAll(async () => {
    // Our RBAC objects, so that kube-state-metrics runs with exactly the rights the component grants.
    rbac = yamlDocuments(readFileSync(path.join(COMPONENT_DIR, 'kube-state-metrics.yaml'), 'utf8')).filter(
      (o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind),
    );
    await mustKubectl(cluster, ['apply', '-f', '-'], asList(rbac));
    const kubeconfig = parse(readFileSync(cluster.kubeconfig, 'utf8'));
    for (const user of kubeconfig.users) user.user.as = SERVICE_ACCOUNT;
    const impersonating = path.join(workDir, 'kubeconfig-state-metrics');
    writeFileSync(impersonating, stringify(kubeconfig));
    const denied = await kubectl({ bin, kubeconfig: impersonating }, ['get', 'secrets', '-A']);
    expect(denied.stderr).toContain('forbidden'); // the impersonation holds

    await mustKubectl(cluster, ['create', 'namespace', NAMESPACE]);
    const example = readFileSync(path.join(REPO_ROOT, 'manifests/examples/dev.yaml'), 'utf8');
    for (const [name, fixture] of Object.entries(PARENTS)) {
      await mustKubectl(
        cluster,
        ['apply', '-f', '-'],
        example
          .replace(/namespace: wandb$/m, `namespace: ${NAMESPACE}`)
          .replace(/name: wandb$/m, `name: ${name}`),
      );
      if (!fixture) continue;
      // Written as Metacontroller writes our answer: through the status subresource.
      await mustKubectl(cluster, [
        ...['patch', 'wandb', name, '-n', NAMESPACE, '--subresource=status', '--type=merge'],
        ...['-p', JSON.stringify({ status: goldenStatus(fixture) })],
      ]);
    }

    port = await freePort();
    ksm = startProcess(workDir, 'kube-state-metrics', path.join(bin, 'kube-state-metrics'), [
      `--kubeconfig=${impersonating}`,
      '--custom-resource-state-only',
      `--custom-resource-state-config-file=${path.join(COMPONENT_DIR, 'custom-resource-state.yaml')}`,
      '--host=127.0.0.1',
      `--port=${port}`,
      '--telemetry-host=127.0.0.1',
      `--telemetry-port=${await freePort()}`,
    ]);
    await waitFor(
      'kube-state-metrics to export every parent',
      async () => {
        exposition = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        samples = parseExposition(exposition).samples;
        return Object.keys(PARENTS).every(
          (name) => find('wandb_parent_ready', { namespace: NAMESPACE, name }).length === 1,
        );
      },
      { process: ksm, timeoutMs: 60_000 },
    );
  });

  afterAll(async () => {
    if (ksm) await stopProcess(ksm);
    await kubectl(cluster, ['delete', 'namespace', NAMESPACE, '--wait=false']);
    await kubectl(cluster, ['delete', '-f', '-'], asList(rbac));
  });

  it('exports status.ready per parent, 0 for a parent without a status', () => {
    for (const [name, fixture] of Object.entries(PARENTS)) {
      const ready = fixture ? goldenStatus(fixture).ready : false;
      expect(value('wandb_parent_ready', { namespace: NAMESPACE, name }), name).toBe(ready ? 1 : 0);
    }
  });

  it("exports the Ready condition's reason", () => {
    expect(find('wandb_parent_ready_reason', { namespace: NAMESPACE, name: 'deleting' })).toEqual([
      expect.objectContaining({ labels: expect.objectContaining({ reason: 'Deleting' }), value: 1 }),
    ]);
    expect(
      find('wandb_parent_ready_reason', { namespace: NAMESPACE, name: 'invalid' })[0]?.labels.reason,
    ).toBe('InvalidSpec');
    expect(find('wandb_parent_ready_reason', { namespace: NAMESPACE, name: 'no-status' })).toEqual([]);
  });

  it('exports a state set per parent and component: 1 for its state, 0 for each other state', () => {
    let seen = 0;
    for (const [name, fixture] of Object.entries(PARENTS)) {
      if (!fixture) {
        expect(find('wandb_parent_component_state', { namespace: NAMESPACE, name })).toEqual([]);
        continue;
      }
      const status = goldenStatus(fixture);
      for (const component of COMPONENT_NAMES) {
        const state = status[`${component}Status`].state;
        for (const candidate of STATES) {
          const labels = { namespace: NAMESPACE, name, component, state: candidate };
          expect(value('wandb_parent_component_state', labels), JSON.stringify(labels)).toBe(
            candidate === state ? 1 : 0,
          );
        }
        seen += 1;
      }
    }
    // The fixtures cover Healthy, Unavailable (removal) and Disabled.
    const states = new Set(
      samples
        .filter((s) => s.name === 'wandb_parent_component_state' && s.value === 1)
        .map((s) => s.labels.state),
    );
    expect([...states].sort()).toEqual(['Disabled', 'Healthy', 'Unavailable']);
    expect(seen).toBe(15);
  });

  it("exports every condition's lastTransitionTime: when a removal began, and InvalidSpec", () => {
    const status = goldenStatus(PARENTS.deleting as string);
    let removals = 0;
    for (const component of COMPONENT_NAMES) {
      for (const condition of status[`${component}Status`].conditions ?? []) {
        const labels = { namespace: NAMESPACE, name: 'deleting', component, type: condition.type };
        expect(value('wandb_parent_component_condition_last_transition_time_seconds', labels)).toBe(
          seconds(condition.lastTransitionTime),
        );
        expect(
          find('wandb_parent_component_condition_last_transition_time_seconds', labels)[0]?.labels,
        ).toMatchObject({
          status: condition.status,
          reason: condition.reason,
        });
        if (condition.type.endsWith('Removal')) removals += 1;
      }
    }
    // Every component the walk has not yet removed (the disabled MinIO never was, Redis goes first).
    expect(removals).toBe(componentsBeingRemoved());
    expect(removals).toBeGreaterThan(0);
    const invalid = goldenStatus(PARENTS.invalid as string).conditions.find(
      (c: Json) => c.type === 'InvalidSpec',
    );
    expect(
      value('wandb_parent_condition_last_transition_time_seconds', {
        namespace: NAMESPACE,
        name: 'invalid',
        type: 'InvalidSpec',
        status: 'True',
      }),
    ).toBe(seconds(invalid.lastTransitionTime));
  });

  it('the alert expressions, evaluated by promtool on these very series, pick the parents they should', async () => {
    const expr = (alert: string): string =>
      prometheusRule.spec.groups.flatMap((g: Json) => g.rules).find((r: Json) => r.alert === alert).expr;
    const removalSelector = /wandb_parent_component_condition_last_transition_time_seconds\{[^}]*\}/.exec(
      expr('WandbRemovalSlow'),
    )?.[0];
    const perParent = (counts: Record<string, number>) =>
      Object.entries(counts).map(([name, value]) => ({ labels: `{name="${name}"}`, value }));
    const cases: Array<[string, Record<string, number>]> = [
      ...['Error', 'Unavailable', 'Degraded', 'Pending', 'Unknown'].map(
        (state): [string, Record<string, number>] => [expr(`WandbComponent${state}`), {}],
      ),
      // Without leaving out the removals, the deleting parent's components would page.
      [
        expr('WandbComponentUnavailable').split('unless')[0] as string,
        { deleting: componentsBeingRemoved(), 'minio-removal': 1 },
      ],
      [expr('WandbParentNotReady'), { 'no-status': 1 }],
      [expr('WandbInvalidSpec'), { invalid: 1 }],
      [removalSelector as string, { deleting: componentsBeingRemoved(), 'minio-removal': 1 }],
      // No hook server metrics among these series: every parent counts as not called.
      [expr('WandbHooksNotCalled'), { deleting: 1, 'minio-removal': 1, invalid: 1, 'no-status': 1 }],
    ];
    const labelText = (labels: Record<string, string>) =>
      Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(', ');
    const tests = {
      rule_files: [],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          // This test's parents only: other test files share the cluster and leave their own.
          input_series: samples
            .filter((s) => s.labels.namespace === undefined || s.labels.namespace === NAMESPACE)
            .map((s) => ({
              series: `${s.name}{${labelText(s.labels)}}`,
              values: `${s.value}x20`,
            })),
          promql_expr_test: cases.map(([query, counts]) => ({
            expr: `count by (name) (${query})`,
            eval_time: '10m',
            exp_samples: perParent(counts),
          })),
        },
      ],
    };
    const file = path.join(workDir, 'state-metrics.test.yaml');
    writeFileSync(file, stringify(tests));
    const { code, output } = await runTool(path.join(bin, 'promtool'), ['test', 'rules', file]);
    expect(output).toContain('SUCCESS');
    expect(code).toBe(0);
  });

  it('writes each metric family once and whole (one HELP per name, its samples together)', () => {
    const { helps } = parseExposition(exposition);
    expect(new Set(helps).size).toBe(helps.length);
    const order = samples.map((s) => s.name).filter((name, i, all) => name !== all[i - 1]);
    expect(new Set(order).size).toBe(order.length);
    expect([...new Set(order)].sort()).toEqual(
      [
        'wandb_parent_component_condition_last_transition_time_seconds',
        'wandb_parent_component_state',
        'wandb_parent_condition_last_transition_time_seconds',
        'wandb_parent_ready',
        'wandb_parent_ready_reason',
      ].sort(),
    );
  });
});
