// A throwaway sixth component (PostgreSQL through CloudNativePG) added to the registry in a test only:
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
import { reconcile } from '../../compositions/reconcile.js';
import { componentFields } from '../../compositions/schema.js';
import { customizeSecrets, syncSecrets } from '../../compositions/secrets.js';
import { childResources } from '../../scripts/manifests.js';
import type { Obj } from '../../sim/cluster.js';
import { writeStatus } from '../../sim/operators/operator.js';
import { createOperators, type Operator } from '../../sim/operators.js';
import { Simulation } from '../../sim/simulation.js';
import { seededRandom } from '../support/app.js';
import { aParent, aSecret, NOW, observedObject, parsedRequest, syncRequest } from '../support/builders.js';

const CLUSTER: KindRef = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', resource: 'clusters' };
const PostgresSpec = z.strictObject({ ...componentFields });
const PRESETS = {
  dev: { storageSize: '1Gi', replicas: 1, resources: undefined },
  small: { storageSize: '10Gi', replicas: 3, resources: undefined },
} satisfies Record<string, Preset>;
const RULES: RuleOwner = { name: 'postgres', presets: PRESETS };
const appSecret = (spec: ResolvedCommon) => `${spec.name}-app`;
const CONDITIONS = declareConditions({
  customResource: 'PostgresCustomResource',
  reportedReady: 'PostgresReportedReady',
  connectionInfo: 'PostgresConnectionInfo',
  hasBeenReady: 'PostgresHasBeenReady',
  credentials: 'PostgresCredentials',
  removal: 'PostgresRemoval',
  operation: 'PostgresOperation',
});
const REASONS = declareReasons('Healthy', 'Setup');

const postgres: Component<ResolvedCommon, z.infer<typeof PostgresSpec>, Preset, 'postgres'> = {
  name: 'postgres',
  title: 'Postgres',
  schema: PostgresSpec,
  presets: PRESETS,
  naming: { suffix: 'pg', maxLength: 40, reason: 'CloudNativePG derives `<name>-rw`' },
  resolve: ({ common }) => common,
  transitions: [neverShrinks(RULES)],
  kinds: [{ ref: CLUSTER, condition: CONDITIONS.customResource, reported: CONDITIONS.reportedReady }],
  conditions: CONDITIONS,
  select: (spec) => resolvedByName(spec, 'postgres'),
  desired: ({ parent, spec }) => [
    {
      apiVersion: CLUSTER.apiVersion,
      kind: CLUSTER.kind,
      metadata: { name: spec.name, labels: childLabels(parent, 'postgres') },
      spec: {
        instances: spec.replicas,
        storage: { size: spec.storageSize },
        bootstrap: { initdb: { secret: { name: appSecret(spec) } } },
      },
    },
  ],
  observe: ({ spec, observed }) => {
    const cluster = observed.get(CLUSTER, spec.name);
    if (!cluster) return [];
    const ready = stringField(cluster, 'status', 'phase') === 'Cluster in healthy state';
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
    sources: (spec) => [{ ref: CLUSTER, name: spec.name }],
    credentials: (spec) => [{ name: appSecret(spec), generated: ['password'] }],
    connection: (spec, { namespace }) => ({
      Host: `${spec.name}-rw.${namespace}.svc.cluster.local`,
      Port: '5432',
    }),
  },
  ownedNames: (spec) => [
    ...namesOfKind(CLUSTER.kind, [spec.name]),
    ...namesOfKind('Service', [`${spec.name}-rw`]),
  ],
  relatedRules: () => [],
  refusedEdits: () => [],
  knobsInEffect: () => true,
  withRetentionKnobs: (frozen) => frozen,
  appliedRetention: () => 'none',
  dataVolumes: (spec) => range(spec.replicas).map((i) => `${spec.name}-${i + 1}`),
  retentionPlan: (spec) => ({
    policy: spec.retention,
    volumes: 'kept by CloudNativePG',
    credentials: 'kept',
  }),
};

const REGISTRY: readonly Component[] = [...COMPONENTS, postgres];
const SPEC = { postgres: { enabled: true } };
const env = { now: NOW };

// biome-ignore lint/suspicious/noExplicitAny: reads of generated objects, checked by the assertions
type Any = any;

describe('a sixth component added to the registry only', () => {
  test('the CRD carries its spec slice, status key, printer column and transition rule; the controller owns its kind', () => {
    const crd = weightsAndBiasesCrd(REGISTRY) as Any;
    const version = crd.spec.versions[0];
    const schema = version.schema.openAPIV3Schema;
    expect(Object.keys(schema.properties.spec.properties)).toContain('postgres');
    expect(Object.keys(schema.properties.status.properties)).toContain('postgresStatus');
    expect(version.additionalPrinterColumns).toContainEqual({
      name: 'Postgres',
      type: 'string',
      jsonPath: '.status.postgresStatus.state',
    });
    expect(schema['x-kubernetes-validations'].map((r: Any) => r.fieldPath)).toContain(
      '.spec.postgres.storageSize',
    );
    expect(childResources(REGISTRY).at(-1)).toEqual({
      apiVersion: 'postgresql.cnpg.io/v1',
      resource: 'clusters',
      updateStrategy: { method: 'InPlace' },
    });
    // The default registry knows nothing of it.
    expect(
      Object.keys(
        (weightsAndBiasesCrd() as Any).spec.versions[0].schema.openAPIV3Schema.properties.spec.properties,
      ),
    ).not.toContain('postgres');
  });

  test('sync waits for its Secret, then creates its Cluster and reports its status; finalize removes it', () => {
    const parent = aParent(SPEC);
    const first = reconcile(parsedRequest(syncRequest(parent)), env, REGISTRY);
    expect(first.children).toEqual([]);
    expect(first.status).toHaveProperty('postgresStatus.state', 'Pending');
    expect(first.status).toHaveProperty('mysqlStatus.state', 'Disabled');

    const secret = aSecret('wandb-pg-app', { password: 'p' });
    const connection = aSecret('wandb-pg-connection', { Host: 'h' });
    const created = reconcile(parsedRequest(syncRequest(parent, { related: [secret] })), env, REGISTRY);
    expect(created.children.map((c) => `${c.kind} ${c.metadata.name}`)).toEqual(['Cluster wandb-pg']);

    const cluster = observedObject(created.children[0] as Any as Parameters<typeof observedObject>[0], {
      status: { phase: 'Cluster in healthy state' },
    });
    const ready = reconcile(
      parsedRequest(syncRequest(parent, { children: [cluster], related: [secret, connection] })),
      env,
      REGISTRY,
    );
    expect(ready.status).toHaveProperty('postgresStatus.state', 'Healthy');
    expect(ready.status.ready).toBe(true);

    // Removal: phase 1 applies the retention knobs, phase 2 omits the Cluster, then finalize completes.
    const removing = (status: unknown, children: KubeObject[]) =>
      reconcile(
        parsedRequest(
          syncRequest(aParent(SPEC, { deletionTimestamp: NOW, status }), { children, finalizing: true }),
        ),
        env,
        REGISTRY,
      );
    const phase1 = removing(ready.status, [cluster]);
    expect(phase1.children.map((c) => c.kind)).toEqual(['Cluster']);
    expect(phase1.finalized).toBe(false);
    const phase2 = removing(phase1.status, [cluster]);
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
    expect(attachments.map((a) => a.metadata.name)).toEqual(['wandb-pg-app']);
    expect(decodeData(attachments[0]?.data, 'password')).toMatch(/.{16,}/);
    const rules = customizeSecrets({ controller: {}, parent } as never, REGISTRY).relatedResources;
    expect(rules.find((r) => r.resource === 'secrets')?.names).toContain('wandb-pg-app');
  });
});

describe('the sixth component through render and simulate', () => {
  const parent = () => {
    const { uid: _uid, ...metadata } = aParent(SPEC).metadata;
    return { ...aParent(SPEC), metadata } as Any as Obj;
  };
  const HEALTHY = 'Cluster in healthy state';

  /** The test's CloudNativePG: each Cluster reports healthy on the round after it appears. */
  const cloudNativePg: Operator = {
    name: 'cloudnative-pg',
    step({ cluster }) {
      for (const object of cluster.list(CLUSTER.apiVersion, CLUSTER.kind)) {
        writeStatus(cluster, object, { phase: HEALTHY }, `phase ${HEALTHY}`);
      }
    },
  };

  test('render shows its Cluster and its credential Secret; the default registry refuses its slice', () => {
    const options = { now: NOW, finalizing: false, seed: 'sixth' };
    const rendered = render(parent(), [], options, REGISTRY);
    expect(rendered.invalid).toBeUndefined();
    expect(rendered.children.map((c: Any) => `${c.kind} ${c.metadata.name}`)).toEqual(['Cluster wandb-pg']);
    expect(rendered.attachments.map((a: Any) => a.metadata.name)).toEqual(['wandb-pg-app']);
    expect(rendered.status).toHaveProperty('postgresStatus.state', 'Pending');

    expect(render(parent(), [], options).invalid).toMatch(/postgres/);
  });

  test('simulate: with the operator the test supplies, its Cluster is created and becomes Healthy', () => {
    const simulation = new Simulation({
      now: NOW,
      registry: REGISTRY,
      operators: [...createOperators(), cloudNativePg],
    });
    simulation.apply(parent());
    expect(simulation.run(20).stable).toBe(true);
    const created = simulation.cluster.get(CLUSTER.apiVersion, CLUSTER.kind, 'wandb', 'wandb-pg');
    expect(created?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'WeightsAndBiases',
      controller: true,
    });
    const status = simulation.parent('wandb', 'wandb')?.status;
    expect(status).toHaveProperty('postgresStatus.state', 'Healthy');
    expect(status).toHaveProperty('ready', true);

    // Without it nothing reports, so the component never gets past Pending.
    const unmanaged = new Simulation({ now: NOW, registry: REGISTRY });
    unmanaged.apply(parent());
    unmanaged.run(20);
    expect(unmanaged.parent('wandb', 'wandb')?.status).toHaveProperty('postgresStatus.state', 'Pending');
  });
});
