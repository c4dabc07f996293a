// The monitoring component (manifests/components/monitoring), judged without Go: its
// kube-state-metrics configuration covers every component and state the compositions produce, every
// alert and dashboard query names a metric that our configuration or the hook server exports, every
// alert carries its annotations and a runbook section that exists, and its Kubernetes objects are
// valid and agree with each other. promtool and the real kube-state-metrics judge the same files in
// e2e/monitoring.e2e.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { PROMETHEUS_PORT } from '../compositions/components/clickhouse.js';
import { resyncSeconds } from '../compositions/conditions.js';
import { COMPONENT_NAMES, STATES, type State } from '../compositions/parent.js';
import { REMOVAL_RESYNC_SECONDS } from '../compositions/status.js';
import { createMetrics } from '../hooks/metrics.js';
import { customResourceStateYaml } from '../scripts/manifests.js';
import { REPO_ROOT } from './support/shared.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML and JSON; a wrong shape fails the assertion that reads it
type Any = any;

const DIR = path.join(REPO_ROOT, 'manifests/components/monitoring');
const read = (file: string) => readFileSync(path.join(DIR, file), 'utf8');
const objectsOf = (file: string): Any[] => parseAllDocuments(read(file)).map((d) => d.toJS());

const kustomization = parse(read('kustomization.yaml'));
const ksmConfig = parse(read('custom-resource-state.yaml'));
const [resource] = ksmConfig.spec.resources;
const rules: Any[] = objectsOf('prometheus-rule.yaml')[0].spec.groups.flatMap((g: Any) => g.rules);
const dashboard = JSON.parse(read('dashboard.json'));
const runbook = readFileSync(path.join(REPO_ROOT, 'docs/monitoring.md'), 'utf8');

/** Metric names our kube-state-metrics configuration and the hook server (hooks/metrics.ts) export. */
const EXPORTED: Set<string> = new Set(
  resource.metrics.map((m: Any) => `${resource.metricNamePrefix}_${m.name}`),
);
for (const { name, type } of await createMetrics({ processMetrics: false }).registry.getMetricsAsJSON()) {
  const suffixes = String(type) === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
  for (const suffix of suffixes) EXPORTED.add(name + suffix);
}

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'bool', 'offset']);

/** The metric names a PromQL expression selects (strings, label matchers and groupings removed). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/#.*$/gm, '')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const names = [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)]
    .filter(([, name, call]) => call === undefined && !PROMQL_WORDS.has(name as string))
    .map(([, name]) => name as string);
  return [...new Set(names)];
}

describe('metricNames', () => {
  test('finds selected metrics, not functions, keywords, labels or strings', () => {
    expect(
      metricNames(
        'sum by (hook) (rate(a_total{outcome=~"error|x_y"}[5m])) > 0 unless on (name) b{c="d"} # e_f',
      ),
    ).toEqual(['a_total', 'b']);
  });
});

describe('kube-state-metrics configuration', () => {
  const metrics: Any[] = resource.metrics;
  const blocks = (name: string) => metrics.filter((m) => m.name === name);

  test('is generated from the registry (npm run manifests)', () => {
    expect(read('custom-resource-state.yaml')).toBe(customResourceStateYaml());
  });

  test('reads WeightsAndBiases parents, labelled by namespace and name', () => {
    expect(ksmConfig.kind).toBe('CustomResourceStateMetrics');
    expect(resource.groupVersionKind).toEqual({
      group: 'apps.wandb.com',
      version: 'v2',
      kind: 'WeightsAndBiases',
    });
    expect(resource.labelsFromPath).toEqual({
      namespace: ['metadata', 'namespace'],
      name: ['metadata', 'name'],
    });
  });

  test('a state set per component covers every state of compositions/parent.ts', () => {
    const stateSets = blocks('component_state');
    expect(stateSets.map((m) => m.commonLabels.component)).toEqual([...COMPONENT_NAMES]);
    for (const m of stateSets) {
      const component = m.commonLabels.component;
      expect(m.each).toEqual({
        type: 'StateSet',
        stateSet: {
          path: ['status', `${component}Status`],
          labelName: 'state',
          valueFrom: ['state'],
          list: [...STATES],
        },
      });
    }
  });

  test("every component's conditions carry their lastTransitionTime as a value", () => {
    const gauges = blocks('component_condition_last_transition_time_seconds');
    expect(gauges.map((m) => m.commonLabels.component)).toEqual([...COMPONENT_NAMES]);
    for (const m of gauges) {
      expect(m.each.gauge).toEqual({
        path: ['status', `${m.commonLabels.component}Status`, 'conditions'],
        labelsFromPath: { type: ['type'], status: ['status'], reason: ['reason'] },
        valueFrom: ['lastTransitionTime'],
      });
    }
  });

  test('the blocks of one metric name are adjacent (kube-state-metrics writes one header per name)', () => {
    const order = metrics.map((m) => m.name).filter((name, i, all) => name !== all[i - 1]);
    expect(new Set(order).size).toBe(order.length);
  });

  test("status.ready (0 before any status) and the Ready condition's reason", () => {
    expect(blocks('ready')[0].each).toEqual({
      type: 'Gauge',
      gauge: { path: ['status', 'ready'], nilIsZero: true },
    });
    expect(blocks('ready_reason')[0].each).toEqual({
      type: 'Info',
      info: { path: ['status', 'conditions', '[type=Ready]'], labelsFromPath: { reason: ['reason'] } },
    });
  });
});

describe('the vocabulary the alerts rely on is what the hooks write (golden fixtures)', () => {
  const statuses = (route: string): Array<[string, Any]> =>
    readdirSync(path.join(REPO_ROOT, 'test/fixtures', route)).map((scenario) => [
      scenario,
      JSON.parse(
        readFileSync(path.join(REPO_ROOT, 'test/fixtures', route, scenario, 'response.json'), 'utf8'),
      ).status,
    ]);
  const removalRule = rules.find((r) => r.alert === 'WandbComponentUnavailable').expr as string;

  test('a component being removed has a <Title>Removal condition, which the state alerts leave out', () => {
    expect(removalRule).toContain('type=~".+Removal"');
    let removals = 0;
    for (const [scenario, status] of [...statuses('finalize'), ...statuses('sync')]) {
      for (const name of COMPONENT_NAMES) {
        const own = status?.[`${name}Status`];
        const pendingDelete = own?.conditions?.some((c: Any) => c.reason === 'PendingDelete');
        if (!pendingDelete) continue;
        removals += 1;
        expect(
          own.conditions.map((c: Any) => c.type),
          `${scenario} ${name}`,
        ).toContainEqual(expect.stringMatching(/.+Removal$/));
      }
    }
    expect(removals).toBeGreaterThan(5);
  });

  test('Ready reasons Deleting and InvalidSpec, and the InvalidSpec condition, are what the hooks write', () => {
    const ready = (status: Any) => status.conditions.find((c: Any) => c.type === 'Ready');
    const all = [...statuses('finalize'), ...statuses('sync')].filter(([, s]) => s?.conditions);
    expect(all.some(([, s]) => ready(s).reason === 'Deleting')).toBe(true);
    const invalid = all.filter(([, s]) => ready(s).reason === 'InvalidSpec');
    expect(invalid.length).toBeGreaterThan(0);
    for (const [, s] of invalid) {
      expect(s.conditions).toContainEqual(expect.objectContaining({ type: 'InvalidSpec', status: 'True' }));
    }
  });
});

describe('PrometheusRule', () => {
  test.each(rules.map((r) => [r.alert, r]))(
    '%s has a severity, a summary, a description and a runbook',
    (alert, rule) => {
      expect(['warning', 'critical']).toContain(rule.labels.severity);
      expect(rule.annotations.summary).toEqual(expect.any(String));
      const { description } = rule.annotations;
      if (String(alert).startsWith('WandbHooks') && alert !== 'WandbHooksNotCalled') {
        // The hook server has no per-parent series (docs/monitoring.md); these name the hook.
        expect(description).toContain('$labels.hook');
      } else {
        expect(description).toContain('$labels.namespace');
        expect(description).toContain('$labels.name');
      }
      if (String(alert).startsWith('WandbComponent') || alert === 'WandbRemovalSlow') {
        expect(description).toContain('$labels.component');
      }
      expect(rule.annotations.runbook_url).toBe(`docs/monitoring.md#${String(alert).toLowerCase()}`);
      expect(runbook).toMatch(new RegExp(`^### ${alert}$`, 'm'));
    },
  );

  test.each(rules.map((r) => [r.alert, r.expr]))('%s names only exported metrics', (_alert, expr) => {
    const names = metricNames(expr);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(EXPORTED, name).toContain(name);
  });

  test('every state but Healthy and Disabled has an alert, critical for Error and Unavailable', () => {
    const byState = new Map(
      STATES.map((state) => [state, rules.find((r) => r.alert === `WandbComponent${state}`)] as const),
    );
    for (const [state, rule] of byState) {
      if (state === 'Healthy' || state === 'Disabled') expect(rule, state).toBeUndefined();
      else expect(rule?.expr, state).toContain(`state="${state}"`);
    }
    expect(byState.get('Error')?.labels.severity).toBe('critical');
    expect(byState.get('Unavailable')?.labels.severity).toBe('critical');
    expect(byState.get('Degraded')?.labels.severity).toBe('warning');
  });

  test("the hook alerts match Metacontroller's timeout and resync, and the latency buckets reach them", () => {
    const composite = parse(
      readFileSync(path.join(REPO_ROOT, 'manifests/composite-controller.yaml'), 'utf8'),
    );
    const timeouts = Object.values(composite.spec.hooks).map((h: Any) => h.webhook.timeout);
    expect(new Set(timeouts)).toEqual(new Set(['10s']));
    const expr = (alert: string) => rules.find((r) => r.alert === alert).expr as string;
    expect(expr('WandbHooksTimingOut')).toContain('le=~"10(\\\\.0)?"');
    expect(expr('WandbHooksSlow')).toContain('le=~"5(\\\\.0)?"');
    const buckets = (createMetrics({ processMetrics: false }).duration as Any).upperBounds as number[];
    expect(buckets).toEqual(expect.arrayContaining([5, 10]));
    // Not called: a window longer than the longest resync, so a quiet Healthy parent is called in it.
    const window = /\[(\d+)m\]/.exec(expr('WandbHooksNotCalled'))?.[1];
    expect(Number(window) * 60).toBeGreaterThan(composite.spec.resyncPeriodSeconds);
    expect(Number(window) * 60).toBeGreaterThan(resyncSeconds('Healthy'));
  });
});

describe('Grafana dashboard', () => {
  const panels: Any[] = dashboard.panels;
  const queries = [
    ...panels.flatMap((p) => p.targets.map((t: Any) => [p.title, t.expr] as const)),
    ...dashboard.templating.list
      .filter((v: Any) => v.type === 'query')
      .map(
        (v: Any) =>
          [`variable ${v.name}`, v.query.query.replace(/^label_values\((.*),[^,]*\)$/, '$1')] as const,
      ),
  ];

  test('is a dashboard with unique panel ids, provisioned by a fixed-name ConfigMap for the sidecar', () => {
    expect(dashboard.uid).toBe('wandb-infra-hooks');
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const generator = kustomization.configMapGenerator.find(
      (g: Any) => g.name === 'wandb-infra-hooks-dashboard',
    );
    expect(generator.files).toEqual(['wandb-infra-hooks.json=dashboard.json']);
    expect(generator.options).toMatchObject({
      disableNameSuffixHash: true,
      labels: { grafana_dashboard: '1' },
    });
  });

  test.each(queries)('%s queries only exported metrics', (_what, expr) => {
    const names = metricNames(expr);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(EXPORTED, name).toContain(name);
  });

  test('per parent: every component state over time, readiness, resync, hook latency and errors', () => {
    const timeline = panels.find((p) => p.title === 'Component state');
    const mapping = timeline.fieldConfig.defaults.mappings[0].options;
    const codes = [
      ...timeline.targets[0].expr.matchAll(/(\d+) \* sum by \(component\) \([^)]*state="(\w+)"/g),
    ];
    expect(codes.map(([, , state]) => state).sort()).toEqual([...STATES].sort());
    for (const [, code, state] of codes) expect(mapping[code as string].text).toBe(state);
    for (const panel of panels.filter(
      (p) => p.title !== 'Hook latency' && p.title !== 'Hook calls by outcome',
    )) {
      for (const target of panel.targets) expect(target.expr, panel.title).toContain('name="$name"');
    }
    expect(panels.map((p) => p.title)).toEqual(
      expect.arrayContaining(['Ready', 'Resync interval asked for', 'Hook latency', 'Hook calls by outcome']),
    );
  });

  test('the resync panel asks what compositions/conditions.ts resyncSeconds answers', () => {
    const expr: string = panels.find((p) => p.title === 'Resync interval asked for').targets[0].expr;
    const seen = new Set<State>();
    for (const [, seconds, states] of expr.matchAll(
      /(\d+) \* \(wandb_parent_component_state\{[^}]*state=~?"([^"]+)"/g,
    )) {
      for (const state of (states as string).split('|') as State[]) {
        expect(Number(seconds), state).toBe(resyncSeconds(state));
        seen.add(state);
      }
    }
    expect([...seen].sort()).toEqual([...STATES].sort());
    expect(expr).toMatch(
      new RegExp(`${REMOVAL_RESYNC_SECONDS} \\* group by \\(namespace, name, component\\) \\([^)]*Removal`),
    );
  });
});

describe('Kubernetes objects of the component', () => {
  const objects = (kustomization.resources as string[]).flatMap(objectsOf);
  const get = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  const MODELS: Record<string, new (data: Any) => { validate(): void }> = {
    ServiceAccount,
    ClusterRole,
    ClusterRoleBinding,
    Deployment,
    Service,
  };

  test.each(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]))(
    '%s is valid and placed',
    (_key, object) => {
      const Model = MODELS[object.kind];
      if (Model) new Model(object).validate();
      else expect(object.apiVersion).toBe('monitoring.coreos.com/v1'); // strictly decoded in e2e/monitoring.e2e.test.ts
      if (!object.kind.startsWith('Cluster')) expect(object.metadata.namespace).toBe('wandb-system');
    },
  );

  test('kube-state-metrics: custom-resource-state only, our configuration mounted, the tested release, read-only RBAC', () => {
    const pod = get('Deployment', 'wandb-state-metrics').spec.template.spec;
    const [container] = pod.containers;
    const goMod = readFileSync(path.join(REPO_ROOT, 'e2e/tools/kube-state-metrics/go.mod'), 'utf8');
    const version = /k8s\.io\/kube-state-metrics\/v2 (v[\d.]+)/.exec(goMod)?.[1];
    expect(container.image).toBe(`registry.k8s.io/kube-state-metrics/kube-state-metrics:${version}`);
    expect(container.args).toContain('--custom-resource-state-only');
    const configFlag = container.args.find((a: string) =>
      a.startsWith('--custom-resource-state-config-file='),
    );
    const mount = container.volumeMounts[0];
    expect(configFlag).toBe(
      `--custom-resource-state-config-file=${mount.mountPath}/custom-resource-state.yaml`,
    );
    const volume = pod.volumes.find((v: Any) => v.name === mount.name);
    const generator = kustomization.configMapGenerator.find((g: Any) => g.name === volume.configMap.name);
    expect(generator.files).toEqual(['custom-resource-state.yaml']);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const rule of get('ClusterRole', 'wandb-state-metrics').rules)
      expect(rule.verbs).toEqual(['list', 'watch']);
    expect(pod.serviceAccountName).toBe(get('ClusterRoleBinding', 'wandb-state-metrics').subjects[0].name);
  });

  test('the ServiceMonitors scrape named ports of their Services; kube-state-metrics keeps the parent namespace', () => {
    const hooksService = parse(readFileSync(path.join(REPO_ROOT, 'manifests/service.yaml'), 'utf8'));
    for (const [monitor, service] of [
      [get('ServiceMonitor', 'wandb-infra-hooks'), hooksService],
      [get('ServiceMonitor', 'wandb-state-metrics'), get('Service', 'wandb-state-metrics')],
    ]) {
      for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels)) {
        expect(service.metadata.labels[key]).toBe(value);
      }
      expect(service.spec.ports.map((p: Any) => p.name)).toContain(monitor.spec.endpoints[0].port);
    }
    expect(get('ServiceMonitor', 'wandb-state-metrics').spec.endpoints[0].honorLabels).toBe(true);
  });

  // monitors.yaml is written by hand (each exporter differs): this is its drift test against the registry.
  test("one PodMonitor per component's telemetry exporter", () => {
    const podMonitors = objects.filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name);
    expect(podMonitors).toEqual(COMPONENT_NAMES.map((name) => `wandb-${name}`));
    const [clickhouse] = get('PodMonitor', 'wandb-clickhouse').spec.podMetricsEndpoints;
    expect(clickhouse.relabelings).toEqual([
      {
        sourceLabels: ['__meta_kubernetes_pod_ip'],
        targetLabel: '__address__',
        replacement: `$1:${PROMETHEUS_PORT}`,
      },
    ]);
  });
});
