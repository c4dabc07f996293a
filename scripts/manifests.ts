// The manifests generated from the component registry: the CRD (schema, printer columns, transition
// rules), the CompositeController's childResources and the monitoring component's kube-state-metrics
// configuration. `npm run manifests` writes them; the drift tests in test/crd.test.ts,
// test/manifests.test.ts and test/monitoring.test.ts fail when a committed file differs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Document, isScalar, isSeq, parseDocument, stringify, visit } from 'yaml';
import { COMPONENTS } from '../compositions/components/index.js';
import { weightsAndBiasesCrd } from '../compositions/crd.js';
import { RELATED_KINDS } from '../compositions/kube.js';
import { STATES } from '../compositions/parent.js';
import { statusKey } from '../compositions/status.js';

export const CRD_PATH = fileURLToPath(new URL('../manifests/crd.yaml', import.meta.url));
export const CONTROLLER_PATH = fileURLToPath(
  new URL('../manifests/composite-controller.yaml', import.meta.url),
);
export const STATE_METRICS_PATH = fileURLToPath(
  new URL('../manifests/components/monitoring/custom-resource-state.yaml', import.meta.url),
);

const GENERATED = '# Generated from compositions/ by `npm run manifests`; do not edit.';

export const crdYaml = (components = COMPONENTS): string =>
  `${GENERATED}\n${stringify(weightsAndBiasesCrd(components), { lineWidth: 0 })}`;

/** Every kind a component owns, in registry order, each updated in place. */
export const childResources = (components = COMPONENTS) =>
  components.flatMap((component) =>
    component.kinds.map(({ ref }) => ({
      apiVersion: ref.apiVersion,
      resource: ref.resource,
      updateStrategy: { method: 'InPlace' },
    })),
  );

/** The committed controller with its childResources regenerated; the rest (and its comments) is kept as written. */
export function compositeControllerYaml(committed: string, components = COMPONENTS): string {
  const document = parseDocument(committed);
  document.setIn(['spec', 'childResources'], document.createNode(childResources(components)));
  return document.toString({ lineWidth: 0 });
}

/** A condition list's lastTransitionTime as a Unix-seconds gauge, labelled by type, status and reason. */
const conditionTimes = (path: string[]) => ({
  type: 'Gauge',
  gauge: {
    path,
    labelsFromPath: { type: ['type'], status: ['status'], reason: ['reason'] },
    valueFrom: ['lastTransitionTime'],
  },
});

/**
 * kube-state-metrics' custom-resource-state configuration: each parent's status as metrics
 * (docs/monitoring.md lists them), the per-component blocks one per registered component, since the
 * configuration has no loop. Blocks of one metric name stay together: kube-state-metrics writes one
 * header per name, and a family must not be split.
 */
export function customResourceState(components = COMPONENTS) {
  const [group, version] = RELATED_KINDS.WeightsAndBiases.apiVersion.split('/');
  const perComponent = (name: string, help: string, each: (key: string) => unknown) =>
    components.map((c) => ({
      name,
      help,
      commonLabels: { component: c.name },
      each: each(statusKey(c.name)),
    }));
  return {
    kind: 'CustomResourceStateMetrics',
    spec: {
      resources: [
        {
          groupVersionKind: { group, version, kind: RELATED_KINDS.WeightsAndBiases.kind },
          metricNamePrefix: 'wandb_parent',
          labelsFromPath: { namespace: ['metadata', 'namespace'], name: ['metadata', 'name'] },
          metrics: [
            {
              name: 'ready',
              help: 'status.ready of the parent (1 ready, 0 not ready or no status yet).',
              each: { type: 'Gauge', gauge: { path: ['status', 'ready'], nilIsZero: true } },
            },
            {
              name: 'ready_reason',
              help: "The reason of the parent's Ready condition (value 1).",
              each: {
                type: 'Info',
                info: {
                  path: ['status', 'conditions', '[type=Ready]'],
                  labelsFromPath: { reason: ['reason'] },
                },
              },
            },
            {
              name: 'condition_last_transition_time_seconds',
              help: 'lastTransitionTime of each condition of the parent (Ready, InvalidSpec, ...), in Unix seconds.',
              each: conditionTimes(['status', 'conditions']),
            },
            ...perComponent(
              'component_state',
              'The state of each component (1 for the current state, 0 for the others).',
              (key) => ({
                type: 'StateSet',
                stateSet: {
                  path: ['status', key],
                  labelName: 'state',
                  valueFrom: ['state'],
                  list: [...STATES],
                },
              }),
            ),
            ...perComponent(
              'component_condition_last_transition_time_seconds',
              'lastTransitionTime of each condition of a component (its <Title>Removal condition says when its removal began), in Unix seconds.',
              (key) => conditionTimes(['status', key, 'conditions']),
            ),
          ],
        },
      ],
    },
  };
}

export function customResourceStateYaml(components = COMPONENTS): string {
  const document = new Document(customResourceState(components));
  // Paths on one line, as kube-state-metrics' documentation writes them; the state list one per line.
  visit(document, {
    Pair(_, pair) {
      if (isSeq(pair.value) && pair.value.items.every(isScalar) && String(pair.key) !== 'list')
        pair.value.flow = true;
    },
  });
  const about =
    "# kube-state-metrics' custom-resource-state configuration (docs/monitoring.md), from scripts/manifests.ts.";
  return `${GENERATED}\n${about}\n${document.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}

/** Each generated file with the text it must hold. */
export const generatedManifests = (): Array<{ path: string; text: string }> => [
  { path: CRD_PATH, text: crdYaml() },
  { path: CONTROLLER_PATH, text: compositeControllerYaml(readFileSync(CONTROLLER_PATH, 'utf8')) },
  { path: STATE_METRICS_PATH, text: customResourceStateYaml() },
];
