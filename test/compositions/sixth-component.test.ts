// A throwaway sixth component (a fictional message queue, kind MessageQueue of queues.example.com, so it
// can never collide with a real component) added to the registry in a test only:
// the CRD, the controller's child kinds, sync, finalize, the Secrets, the status, `render` and the
// simulator (with a scripted operator the test supplies) all pick it up from the registry alone,
// with no edit anywhere else.
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { render } from '../../cli/render.js';
import { neverShrinks, type RuleOwner } from '../../compositions/admission.js';
import {
  type Component,
  childLabels,
  namesOfKind,
  type Preset,
  type ResolvedCommon,
} from '../../compositions/component.js';
import { COMPONENTS } from '../../compositions/components/index.js';
import { declareConditions, declareReasons } from '../../compositions/conditions.js';
import { weightsAndBiasesCrd } from '../../compositions/crd.js';
import { decodeData } from '../../compositions/credentials.js';
import { type KindRef, type KubeObject, range, stringField } from '../../compositions/kube.js';
import { DecoratorSyncRequest } from '../../compositions/metacontroller.js';
import { resolvedByName } from '../../compositions/presets.js';
import { customize, reconcile } from '../../compositions/reconcile.js';
import { componentFields } from '../../compositions/schema.js';
import { customizeSecrets, syncSecrets } from '../../compositions/secrets.js';
import { childResources, customResourceState } from '../../scripts/manifests.js';
import type { Obj } from '../../sim/cluster.js';
import { writeStatus } from '../../sim/operators/operator.js';
import { createOperators, type Operator } from '../../sim/operators.js';
import { Simulation } from '../../sim/simulation.js';
import { seededRandom } from '../support/app.js';
import { aParent, aSecret, NOW, observedObject, parsedRequest, syncRequest } from '../support/builders.js';

const QUEUE: KindRef = {
  apiVersion: 'queues.example.com/v1',
  kind: 'MessageQueue',
  resource: 'messagequeues',
};
const QueueSpec = z.strictObject({ ...componentFields });
const PRESETS = {
  dev: { storageSize: '1Gi', replicas: 1, resources: undefined },
  small: { storageSize: '10Gi', replicas: 3, resources: undefined },
} satisfies Record<string, Preset>;
const RULES: RuleOwner = { name: 'queue', presets: PRESETS };
const appSecret = (spec: ResolvedCommon) => `${spec.name}-app`;
const CONDITIONS = declareConditions({
  customResource: 'QueueCustomResource',
  reportedReady: 'QueueReportedReady',
  connectionInfo: 'QueueConnectionInfo',
  hasBeenReady: 'QueueHasBeenReady',
  credentials: 'QueueCredentials',
  removal: 'QueueRemoval',
  operation: 'QueueOperation',
  version: 'QueueVersion',
});
const REASONS = declareReasons('Healthy', 'Setup');
const RUNNING = 'Running';

const queue: Component<ResolvedCommon, z.infer<typeof QueueSpec>, Preset, 'queue'> = {
  name: 'queue',
  title: 'Queue',
  schema: QueueSpec,
  presets: PRESETS,
  naming: { suffix: 'queue', maxLength: 40, reason: 'the operator derives `<name>-broker`' },
  resolve: ({ common }) => common,
  version: {
    what: 'The queue version',
    latest: '3.1',
    children: (base) => [{ ref: QUEUE, name: base }],
    read: (object) => stringField(object, 'spec', 'version'),
  },
  transitions: [neverShrinks(RULES)],
  kinds: [{ ref: QUEUE, condition: CONDITIONS.customResource, reported: CONDITIONS.reportedReady }],
  conditions: CONDITIONS,
  select: (spec) => resolvedByName(spec, 'queue'),
  desired: ({ parent, spec }) => [
    {
      apiVersion: QUEUE.apiVersion,
      kind: QUEUE.kind,
      metadata: { name: spec.name, labels: childLabels(parent, 'queue') },
      spec: {
        replicas: spec.replicas,
        version: spec.version,
        storage: { size: spec.storageSize },
        credentialsSecret: appSecret(spec),
      },
    },
  ],
  observe: ({ spec, observed }) => {
    const object = observed.get(QUEUE, spec.name);
    if (!object) return [];
    const ready = stringField(object, 'status', 'phase') === RUNNING;
    return [
      ready
        ? {
            type: CONDITIONS.reportedReady,
            status: 'True',
            reason: REASONS.Healthy,
            message: 'ready',
            implies: 'Healthy',
          }
        : {
            type: CONDITIONS.reportedReady,
            status: 'False',
            reason: REASONS.Setup,
            message: 'setting up',
            implies: 'Pending',
          },
    ];
  },
  secrets: {
    sources: (spec) => [{ ref: QUEUE, name: spec.name }],
    credentials: (spec) => [{ name: appSecret(spec), generated: ['password'] }],
    connection: (spec, { namespace }) => ({
      Host: `${spec.name}-broker.${namespace}.svc.cluster.local`,
      Port: '5672',
    }),
  },
  ownedNames: (spec) => [
    ...namesOfKind(QUEUE.kind, [spec.name]),
    ...namesOfKind('Service', [`${spec.name}-broker`]),
  ],
  relatedRules: () => [],
  refusedEdits: () => [],
  knobsInEffect: () => true,
  withRetentionKnobs: (frozen) => frozen,
  appliedRetention: () => 'none',
  dataVolumes: (spec) => range(spec.replicas).map((i) => `data-${spec.name}-${i}`),
  retentionPlan: (spec) => ({
    policy: spec.retention,
    volumes: 'kept by the queue operator',
    credentials: 'kept',
  }),
};

const REGISTRY: readonly Component[] = [...COMPONENTS, queue];
const SPEC = { queue: { enabled: true } };
const env = { now: NOW };

// biome-ignore lint/suspicious/noExplicitAny: reads of generated objects, checked by the assertions
type Any = any;

describe('a sixth component added to the registry only', () => {
  test('the CRD carries its spec slice, status key, printer column and transition rule; the controller owns its kind; kube-state-metrics exports it', () => {
    const crd = weightsAndBiasesCrd(REGISTRY) as Any;
    const version = crd.spec.versions[0];
    const schema = version.schema.openAPIV3Schema;
    expect(Object.keys(schema.properties.spec.properties)).toContain('queue');
    expect(Object.keys(schema.properties.status.properties)).toContain('queueStatus');
    expect(version.additionalPrinterColumns).toContainEqual({
      name: 'Queue',
      type: 'string',
      jsonPath: '.status.queueStatus.state',
    });
    expect(schema['x-kubernetes-validations'].map((r: Any) => r.fieldPath)).toContain(
      '.spec.queue.storageSize',
    );
    expect(childResources(REGISTRY).at(-1)).toEqual({
      apiVersion: 'queues.example.com/v1',
      resource: 'messagequeues',
      updateStrategy: { method: 'InPlace' },
    });
    // kube-state-metrics exports its state and its conditions' times.
    const metrics = customResourceState(REGISTRY).spec.resources[0]?.metrics ?? [];
    expect(
      metrics.filter((m) => 'commonLabels' in m && m.commonLabels.component === 'queue').map((m) => m.name),
    ).toEqual(['component_state', 'component_condition_last_transition_time_seconds']);
    // The default registry knows nothing of it.
    expect(
      Object.keys(
        (weightsAndBiasesCrd() as Any).spec.versions[0].schema.openAPIV3Schema.properties.spec.properties,
      ),
    ).not.toContain('queue');
  });

  test('sync waits for its Secret, then creates its MessageQueue and reports its status; finalize removes it', () => {
    const parent = aParent(SPEC);
    const first = reconcile(parsedRequest(syncRequest(parent)), env, REGISTRY);
    expect(first.children).toEqual([]);
    expect(first.status).toHaveProperty('queueStatus.state', 'Pending');
    expect(first.status).toHaveProperty('mysqlStatus.state', 'Disabled');

    const secret = aSecret('wandb-queue-app', { password: 'p' });
    const connection = aSecret('wandb-queue-connection', { Host: 'h' });
    const created = reconcile(parsedRequest(syncRequest(parent, { related: [secret] })), env, REGISTRY);
    expect(created.children.map((c) => `${c.kind} ${c.metadata.name}`)).toEqual(['MessageQueue wandb-queue']);

    const observedQueue = observedObject(created.children[0] as Any as Parameters<typeof observedObject>[0], {
      status: { phase: RUNNING },
    });
    const ready = reconcile(
      parsedRequest(syncRequest(parent, { children: [observedQueue], related: [secret, connection] })),
      env,
      REGISTRY,
    );
    expect(ready.status).toHaveProperty('queueStatus.state', 'Healthy');
    expect(ready.status.ready).toBe(true);

    // Removal: phase 1 applies the retention knobs, phase 2 omits the MessageQueue, then finalize completes.
    const removing = (status: unknown, children: KubeObject[]) =>
      reconcile(
        parsedRequest(
          syncRequest(aParent(SPEC, { deletionTimestamp: NOW, status }), { children, finalizing: true }),
        ),
        env,
        REGISTRY,
      );
    const phase1 = removing(ready.status, [observedQueue]);
    expect(phase1.children.map((c) => c.kind)).toEqual(['MessageQueue']);
    expect(phase1.finalized).toBe(false);
    const phase2 = removing(phase1.status, [observedQueue]);
    expect(phase2.children).toEqual([]);
    expect(phase2.finalized).toBe(false);
    const done = removing(phase2.status, []);
    expect(done.finalized).toBe(true);
  });

  test('the DecoratorController generates its credential Secret and asks for it back', () => {
    const parent = aParent(SPEC);
    const request = DecoratorSyncRequest.parse({
      controller: { metadata: { name: 'wandb-secrets' } },
      object: parent,
      attachments: {},
      related: {},
    });
    const { attachments } = syncSecrets(request, { random: seededRandom(1) }, REGISTRY);
    expect(attachments.map((a) => a.metadata.name)).toEqual(['wandb-queue-app']);
    expect(decodeData(attachments[0]?.data, 'password')).toMatch(/.{16,}/);
    const rules = customizeSecrets({ controller: {}, parent } as never, REGISTRY).relatedResources;
    expect(rules.find((r) => r.resource === 'secrets')?.names).toContain('wandb-queue-app');
    // The CompositeController asks for it too: its MessageQueue waits for it.
    const compositeRules = customize({ controller: {}, parent } as never, REGISTRY).relatedResources;
    expect(compositeRules.find((r) => r.resource === 'secrets')?.names).toContain('wandb-queue-app');
  });
});

describe('the sixth component through render and simulate', () => {
  const parent = () => {
    const { uid: _uid, ...metadata } = aParent(SPEC).metadata;
    return { ...aParent(SPEC), metadata } as Any as Obj;
  };
  /** The test's queue operator: each MessageQueue reports Running on the round after it appears. */
  const queueOperator: Operator = {
    name: 'queue-operator',
    step({ cluster }) {
      for (const object of cluster.list(QUEUE.apiVersion, QUEUE.kind)) {
        writeStatus(cluster, object, { phase: RUNNING }, `phase ${RUNNING}`);
      }
    },
  };

  test('render shows its MessageQueue and its credential Secret; the default registry refuses its slice', () => {
    const options = { now: NOW, finalizing: false, seed: 'sixth' };
    const rendered = render(parent(), [], options, REGISTRY);
    expect(rendered.invalid).toBeUndefined();
    expect(rendered.children.map((c: Any) => `${c.kind} ${c.metadata.name}`)).toEqual([
      'MessageQueue wandb-queue',
    ]);
    expect(rendered.attachments.map((a: Any) => a.metadata.name)).toEqual(['wandb-queue-app']);
    expect(rendered.status).toHaveProperty('queueStatus.state', 'Pending');

    expect(render(parent(), [], options).invalid).toMatch(/queue/);

    // With --finalizing, the deletion plan carries its retention plan.
    const finalizing = render(parent(), [], { ...options, finalizing: true }, REGISTRY);
    expect(finalizing.deletionPlan?.components).toContainEqual(
      expect.objectContaining({ component: 'queue', volumes: 'kept by the queue operator' }),
    );
  });

  test('simulate: with the operator the test supplies, its MessageQueue is created and becomes Healthy', () => {
    const simulation = new Simulation({
      now: NOW,
      registry: REGISTRY,
      operators: [...createOperators(), queueOperator],
    });
    simulation.apply(parent());
    expect(simulation.run(20).stable).toBe(true);
    const created = simulation.cluster.get(QUEUE.apiVersion, QUEUE.kind, 'wandb', 'wandb-queue');
    expect(created?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'WeightsAndBiases',
      controller: true,
    });
    const status = simulation.parent('wandb', 'wandb')?.status;
    expect(status).toHaveProperty('queueStatus.state', 'Healthy');
    expect(status).toHaveProperty('ready', true);
    // The timeline's status summaries name the registry's states, the sixth's included.
    expect(simulation.rounds.flatMap((r) => r.events.map((e) => e.detail))).toContainEqual(
      expect.stringMatching(/^ready=true mysql=Disabled .* queue=Healthy$/),
    );

    // Without it nothing reports, so the component never gets past Pending.
    const unmanaged = new Simulation({ now: NOW, registry: REGISTRY });
    unmanaged.apply(parent());
    unmanaged.run(20);
    expect(unmanaged.parent('wandb', 'wandb')?.status).toHaveProperty('queueStatus.state', 'Pending');
  });
});
