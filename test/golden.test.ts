// Golden fixtures: the hook contract replayed over HTTP. Each test/fixtures/<route>/<scenario>/request.json
// (written by scripts/fixtures.ts, read here as static input) is posted to its route, the answer must
// be a 200 that the strict response schema accepts, and it must equal response.json (refresh with
// `npm run test:update` and review the diff like code). The claims below each scenario's name are
// checked on the live answer too, so a wrong snapshot cannot be accepted silently.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import type { z } from 'zod';
import { COMPONENT_NAMES, COMPONENTS, type ComponentName } from '../compositions/components/index.js';
import { PURGE_FINALIZERS } from '../compositions/components/mysql.js';
import { LAST_APPLIED_ANNOTATION } from '../compositions/freeze.js';
import {
  CompositeSyncResponse,
  CustomizeResponse,
  DecoratorSyncResponse,
} from '../compositions/metacontroller.js';
import type { ComponentStatus } from '../compositions/parent.js';
import { testApp } from './support/app.js';

const ROUTES = {
  sync: '/sync',
  finalize: '/finalize',
  customize: '/customize',
  'secrets-sync': '/secrets/sync',
  'secrets-customize': '/secrets/customize',
} as const;
type Route = keyof typeof ROUTES;

const RESPONSE_SCHEMAS: Record<Route, z.ZodType> = {
  sync: CompositeSyncResponse,
  finalize: CompositeSyncResponse,
  customize: CustomizeResponse,
  'secrets-sync': DecoratorSyncResponse,
  'secrets-customize': CustomizeResponse,
};

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

function scenarios(route: Route): string[] {
  const directory = `${FIXTURES}${route}`;
  return existsSync(directory) ? readdirSync(directory).sort() : [];
}

type Json = Record<string, unknown>;
interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    generation?: number;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: unknown[];
  };
  spec?: Json;
  status?: Json;
  data?: Record<string, string>;
}
type ObjectMap = Record<string, Record<string, Obj>>;
interface CompositeRequest {
  parent: Obj & { status?: Json };
  children: ObjectMap;
  related: ObjectMap;
  finalizing: boolean;
}
interface DecoratorRequest {
  object: Obj;
  attachments: ObjectMap;
  related: ObjectMap;
}
interface CompositeBody {
  status: Json & { ready: boolean; conditions?: Condition[] };
  children: Obj[];
  resyncAfterSeconds?: number;
  finalized?: boolean;
}
interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
}

const readRequest = <T>(route: Route, scenario: string): T =>
  JSON.parse(readFileSync(`${FIXTURES}${route}/${scenario}/request.json`, 'utf8')) as T;

/** One answer per scenario, from a fresh app (fixed clock, randomness seeded as in every test). */
const answers = new Map<string, Promise<request.Response>>();
function answer(route: Route, scenario: string): Promise<request.Response> {
  const key = `${route}/${scenario}`;
  let pending = answers.get(key);
  if (!pending) {
    const { app } = testApp();
    pending = Promise.resolve(request(app).post(ROUTES[route]).send(readRequest(route, scenario)));
    answers.set(key, pending);
  }
  return pending;
}

describe.each(Object.keys(ROUTES) as Route[])('POST %s fixtures', (route) => {
  test.each(scenarios(route))('%s', async (scenario) => {
    const response = await answer(route, scenario);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    RESPONSE_SCHEMAS[route].parse(response.body);
    await expect(`${JSON.stringify(response.body, null, 2)}\n`).toMatchFileSnapshot(
      `./fixtures/${route}/${scenario}/response.json`,
    );
  });
});

test('dev-steady-state: a converged parent resynced at any time gets back exactly its status and children', async () => {
  const later = testApp({ clock: () => '2030-06-01T12:00:00Z' });
  const body = JSON.parse(
    readFileSync(new URL('./fixtures/sync/dev-steady-state/request.json', import.meta.url), 'utf8'),
  );
  const response = await request(later.app).post('/sync').send(body).expect(200);
  const { observedGeneration: _generation, ...previous } = body.parent.status;
  expect(response.body.status).toEqual(previous);
  expect(response.body.status.ready).toBe(true);
  expect(response.body.resyncAfterSeconds).toBe(600);
});

test('the fixture set tells the whole story (scripts/fixtures.ts writes exactly these)', () => {
  const all = (Object.keys(ROUTES) as Route[]).flatMap((route) =>
    scenarios(route).map((s) => `${route}/${s}`),
  );
  expect(all).toEqual([
    'sync/dev-all-ready',
    'sync/dev-fresh-install',
    'sync/dev-secrets-ready',
    'sync/dev-steady-state',
    'sync/invalid-spec-foreign-namespace',
    'sync/invalid-spec-kafka-scale',
    'sync/kafka-recreated-over-retained-volumes',
    'sync/minio-disabled-retain-phase1',
    'sync/small-all-ready',
    'sync/small-fresh-install',
    'sync/small-kafka-stale-pool-generation',
    'finalize/orphan-cascade',
    'finalize/purge-walk-01-first-call-keeps-children-with-purge-knobs',
    'finalize/purge-walk-02-knobs-in-effect-children-omitted',
    'finalize/purge-walk-03-operators-still-deleting',
    'finalize/purge-walk-04-all-gone-finalized',
    'finalize/retain-walk-01-first-call-applies-retain-knobs',
    'finalize/retain-walk-02-waits-for-strimzi-to-apply-deleteclaim',
    'finalize/retain-walk-03-knobs-in-effect-kafka-omitted',
    'finalize/retain-walk-04-all-gone-finalized',
    'customize/small-all-enabled',
    'secrets-sync/small-first-sync',
    'secrets-sync/small-steady-state',
    'secrets-customize/small-all-enabled',
  ]);
});

// ---- helpers for the claims -------------------------------------------------------------------------

const flatten = (map: ObjectMap): Obj[] => Object.values(map).flatMap((group) => Object.values(group));
const ids = (objects: readonly Obj[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');

async function composite(route: 'sync' | 'finalize', scenario: string) {
  const body = (await answer(route, scenario)).body as CompositeBody;
  return { request: readRequest<CompositeRequest>(route, scenario), body };
}

/** What Metacontroller last applied for an observed child (it adds the namespace). */
function lastApplied(object: Obj): Obj {
  const text = object.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) throw new Error(`${object.kind} ${object.metadata.name} has no last-applied configuration`);
  const applied = JSON.parse(text) as Obj & { metadata: { namespace?: string } };
  delete applied.metadata.namespace;
  return applied;
}

/** Our desired child as we returned it (Metacontroller added the selector label before applying). */
const returned = (object: Obj): Obj => withoutSelectorLabel(lastApplied(object));

/**
 * A child without the selector label: Metacontroller adds it when absent, so a child returned with it
 * (a frozen last-applied configuration) and one returned without it apply the same.
 */
function withoutSelectorLabel(object: Obj): Obj {
  const { 'controller-uid': _uid, ...labels } = object.metadata.labels ?? {};
  return { ...object, metadata: { ...object.metadata, labels } };
}

function componentStatus(body: CompositeBody, component: string): ComponentStatus {
  const status = body.status[`${component}Status`] as ComponentStatus | undefined;
  if (!status) throw new Error(`no ${component}Status`);
  return status;
}

function condition(body: CompositeBody, component: string, type: string): Condition {
  const found = componentStatus(body, component).conditions?.find((c) => c.type === type);
  if (!found) throw new Error(`${component}Status has no ${type} condition`);
  return found as Condition;
}

const topCondition = (body: CompositeBody, type: string) =>
  body.status.conditions?.find((c) => c.type === type);

const child = (children: readonly Obj[], kind: string) => {
  const found = children.find((c) => c.kind === kind);
  if (!found) throw new Error(`no ${kind} child`);
  return found;
};

/** A nested field of a child's spec, read without trusting its shape. */
function specField(object: Obj, ...path: string[]): unknown {
  let value: unknown = object.spec;
  for (const key of path)
    value = value !== null && typeof value === 'object' ? (value as Json)[key] : undefined;
  return value;
}
const poolVolumes = (pool: Obj) => (specField(pool, 'storage', 'volumes') ?? []) as Json[];
const claimTemplates = (object: Obj) =>
  (specField(object, 'templates', 'volumeClaimTemplates') ?? []) as Json[];

// The golden stories enable every registered component (sim/story.ts ALL_ENABLED). The default base
// names are pinned facts (decision 1; the reference's with a `wandb` parent), typed by the registry so a
// new component must add its own.
const BASE_NAMES: Record<ComponentName, string> = {
  mysql: 'wandb-mysql',
  redis: 'wandb-redis',
  kafka: 'wandb-kafka',
  minio: 'wandb-minio',
  clickhouse: 'wandb-ch',
};

/** Kafka needs no credential Secret: the stories create it a step ahead of the others, which go alike. */
const ALL_BUT_KAFKA = COMPONENT_NAMES.filter((name) => name !== 'kafka');

// ---- sync --------------------------------------------------------------------------------------------

describe('sync scenarios say what their names claim', () => {
  test.each(['dev', 'small'])(
    '%s-fresh-install: only Kafka is created; the others wait for their credential Secrets',
    async (size) => {
      const { request: req, body } = await composite('sync', `${size}-fresh-install`);
      expect(flatten(req.children)).toEqual([]);
      expect(flatten(req.related).map((o) => o.kind)).toEqual(['WeightsAndBiases']);
      expect(ids(body.children)).toEqual(['Kafka/wandb-kafka', 'KafkaNodePool/wandb-kafka-node-pool']);
      expect(body.status.ready).toBe(false);
      expect(topCondition(body, 'Ready')).toMatchObject({ status: 'False', reason: 'ComponentsNotReady' });
      for (const component of ALL_BUT_KAFKA) {
        const status = componentStatus(body, component);
        expect(status).toMatchObject({ ready: false, state: 'Pending' });
        expect(status.connection).toBeUndefined();
        const waiting = status.conditions?.filter((c) => c.reason === 'PendingCreate') ?? [];
        expect(waiting.length).toBeGreaterThan(0);
        for (const c of waiting) expect(c.message).toMatch(/waits for Secret /);
      }
      expect(condition(body, 'kafka', 'KafkaCustomResource').message).toBe(
        'Kafka wandb-kafka is being created',
      );
    },
  );

  test('dev-secrets-ready: with the credential Secrets observed, every custom resource is created', async () => {
    const { request: req, body } = await composite('sync', 'dev-secrets-ready');
    expect(flatten(req.children)).toEqual([]);
    expect(req.parent.status).toBeUndefined();
    expect(
      flatten(req.related)
        .filter((o) => o.kind === 'Secret')
        .map((o) => o.metadata.name),
    ).toEqual(
      expect.arrayContaining([
        'wandb-ch-credentials',
        'wandb-minio-config',
        'wandb-mysql-user-db-password',
        'wandb-redis-credentials',
      ]),
    );
    expect(ids(body.children)).toEqual([
      'ClickHouseInstallation/wandb-ch-install',
      'Kafka/wandb-kafka',
      'KafkaNodePool/wandb-kafka-node-pool',
      'PerconaXtraDBCluster/wandb-mysql-cluster',
      'Redis/wandb-redis',
      'Tenant/wandb-minio',
    ]);
    for (const [component, type, who] of [
      ['mysql', 'MySQLCustomResource', 'PerconaXtraDBCluster wandb-mysql-cluster'],
      ['redis', 'RedisStandaloneCustomResource', 'Redis wandb-redis'],
      ['minio', 'MinioCustomResource', 'Tenant wandb-minio'],
      ['clickhouse', 'ClickHouseCustomResource', 'ClickHouseInstallation wandb-ch-install'],
    ] as const) {
      expect(condition(body, component, type)).toMatchObject({
        reason: 'PendingCreate',
        message: `${who} is being created`,
      });
    }
    expect(body.status.ready).toBe(false);
  });

  test.each(['dev', 'small'])(
    '%s-all-ready: ready, every component Healthy with its connection url, and nothing to apply',
    async (size) => {
      const { request: req, body } = await composite('sync', `${size}-all-ready`);
      expect(body.status.ready).toBe(true);
      expect(topCondition(body, 'Ready')).toMatchObject({ status: 'True', reason: 'AllComponentsReady' });
      for (const component of COMPONENT_NAMES) {
        expect(componentStatus(body, component)).toMatchObject({
          ready: true,
          state: 'Healthy',
          connection: { url: { name: `${BASE_NAMES[component]}-connection`, key: 'url' } },
        });
      }
      expect(body.resyncAfterSeconds).toBe(600);
      const observed = flatten(req.children);
      expect(ids(body.children)).toEqual(ids(observed));
      for (const desired of body.children) {
        const current = observed.find(
          (o) => o.kind === desired.kind && o.metadata.name === desired.metadata.name,
        );
        expect(desired).toEqual(returned(current as Obj));
      }
    },
  );

  test('small-kafka-stale-pool-generation: Kafka is Pending until Strimzi observes the pool generation', async () => {
    const { request: req, body } = await composite('sync', 'small-kafka-stale-pool-generation');
    const pool = child(flatten(req.children), 'KafkaNodePool');
    expect(pool.metadata.generation).toBe(2);
    expect(pool.status?.observedGeneration).toBe(1);
    expect(child(flatten(req.children), 'Kafka').status?.observedGeneration).toBe(
      child(flatten(req.children), 'Kafka').metadata.generation,
    );
    expect(componentStatus(body, 'kafka')).toMatchObject({ ready: false, state: 'Pending' });
    expect(condition(body, 'kafka', 'KafkaReportedReady')).toMatchObject({
      status: 'False',
      reason: 'StaleGeneration',
      message:
        'KafkaNodePool wandb-kafka-node-pool: the operator has not yet observed generation 2 (observedGeneration 1)',
    });
    for (const component of ALL_BUT_KAFKA) {
      expect(componentStatus(body, component).state).toBe('Healthy');
    }
    expect(body.status.ready).toBe(false);
    expect(topCondition(body, 'Ready')?.message).toMatch(/^waiting: kafka is Pending: KafkaReportedReady: /);
    expect(poolVolumes(child(body.children, 'KafkaNodePool'))).toEqual([
      expect.objectContaining({ size: '10Gi', deleteClaim: false }),
    ]);
  });

  test.each([
    [
      'invalid-spec-foreign-namespace',
      'spec.mysql.namespace "databases" differs from the parent\'s namespace "wandb"',
    ],
    [
      'invalid-spec-kafka-scale',
      'spec.kafka.replicas cannot go from 5 to 3: removing brokers needs Cruise Control',
    ],
  ])(
    '%s: InvalidSpec, and every observed child frozen to what was last applied',
    async (scenario, problem) => {
      const { request: req, body } = await composite('sync', scenario);
      expect(topCondition(body, 'InvalidSpec')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
      expect(topCondition(body, 'InvalidSpec')?.message).toContain(problem);
      expect(topCondition(body, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
      expect(body.status.ready).toBe(false);
      expect(body.resyncAfterSeconds).toBe(180);

      const observed = flatten(req.children);
      expect(observed.length).toBeGreaterThan(0);
      expect(ids(body.children)).toEqual(ids(observed));
      // The observed children carry what operators and the API server added; none of it becomes ours.
      const operatorFinalizers = observed.flatMap((o) =>
        (o.metadata.finalizers ?? []).filter((f) => !(lastApplied(o).metadata.finalizers ?? []).includes(f)),
      );
      expect(operatorFinalizers.length).toBeGreaterThan(0);
      for (const frozen of body.children) {
        const current = observed.find(
          (o) => o.kind === frozen.kind && o.metadata.name === frozen.metadata.name,
        );
        expect(frozen).toEqual(lastApplied(current as Obj));
        expect(frozen.status).toBeUndefined();
        for (const f of operatorFinalizers) expect(frozen.metadata.finalizers ?? []).not.toContain(f);
      }
      if (scenario === 'invalid-spec-foreign-namespace') {
        // The API server defaulted fields we never set (RedisSentinel CRD defaults); they stay out too.
        const sentinel = child(observed, 'RedisSentinel');
        const config = (sentinel.spec?.redisSentinelConfig ?? {}) as Json;
        const ours = (lastApplied(sentinel).spec?.redisSentinelConfig ?? {}) as Json;
        expect(config.downAfterMilliseconds).toBe('30000');
        expect(ours.downAfterMilliseconds).toBeUndefined();
        expect(
          specField(child(body.children, 'RedisSentinel'), 'redisSentinelConfig', 'downAfterMilliseconds'),
        ).toBeUndefined();
      }
      // Component statuses are kept as they were.
      for (const component of COMPONENT_NAMES) {
        expect(body.status[`${component}Status`]).toEqual(req.parent.status?.[`${component}Status`]);
      }
    },
  );

  test('minio-disabled-retain-phase1: the Tenant is kept while removal starts; readiness does not wait for it', async () => {
    const { request: req, body } = await composite('sync', 'minio-disabled-retain-phase1');
    const tenant = child(flatten(req.children), 'Tenant');
    expect(withoutSelectorLabel(child(body.children, 'Tenant'))).toEqual(returned(tenant));
    expect(condition(body, 'minio', 'MinioRemoval')).toMatchObject({
      status: 'False',
      reason: 'ApplyingRetention',
    });
    expect(condition(body, 'minio', 'MinioRemoval').message).toMatch(
      /^spec\.minio\.enabled is false; the retain knobs are in effect; Tenant wandb-minio will be deleted on the next sync; volumes kept/,
    );
    expect(componentStatus(body, 'minio')).toMatchObject({ ready: false, state: 'Unavailable' });
    expect(body.status.ready).toBe(true);
    expect(body.resyncAfterSeconds).toBe(15);
    expect(ids(body.children)).toEqual(ids(flatten(req.children)));
  });

  test('kafka-recreated-over-retained-volumes: Kafka is created paused and status gives the restore command', async () => {
    const { request: req, body } = await composite('sync', 'kafka-recreated-over-retained-volumes');
    expect(flatten(req.children)).toEqual([]);
    const related = flatten(req.related);
    // MinIO's retained volumes are asked for too (its credentials depend on them); Kafka's are these.
    const pvcs = related
      .filter((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name.startsWith('data-'))
      .map((o) => o.metadata.name);
    expect(pvcs).toEqual([0, 1, 2].map((n) => `data-0-wandb-kafka-wandb-kafka-node-pool-${n}`));
    const recorded = related.find((o) => o.metadata.name === 'wandb-kafka-cluster-id');
    const clusterId = decode(recorded?.data?.clusterId);
    expect(clusterId).not.toBe('');

    const kafka = child(body.children, 'Kafka');
    expect(kafka.metadata.annotations).toEqual({ 'strimzi.io/pause-reconciliation': 'true' });
    const pool = child(body.children, 'KafkaNodePool');
    expect(poolVolumes(pool)).toEqual([expect.objectContaining({ deleteClaim: false })]);
    const retained = condition(body, 'kafka', 'KafkaRetainedVolumes');
    expect(retained).toMatchObject({ status: 'True', reason: 'PausedOverRetainedVolumes' });
    expect(retained.message).toContain(
      `kubectl patch kafka wandb-kafka -n wandb --subresource=status --type=merge -p '{"status":{"clusterId":"${clusterId}"}}'`,
    );
    // Never ready under this parent (its status is new), so the quieter Pending, not Unavailable.
    expect(componentStatus(body, 'kafka').state).toBe('Pending');
    // The MinIO root credentials outlived the old parent with its volumes, so the Tenant comes back at once.
    expect(ids(body.children)).toContain('Tenant/wandb-minio');
  });
});

// ---- finalize --------------------------------------------------------------------------------------------

const walkSteps = (kind: 'purge' | 'retain') =>
  scenarios('finalize').filter((s) => s.startsWith(`${kind}-walk-`));

/** Each step's request is what the previous answer leads to: its status fed back, its children applied. */
async function expectChained(kind: 'purge' | 'retain') {
  const steps = walkSteps(kind);
  expect(steps).toHaveLength(4);
  for (let i = 1; i < steps.length; i++) {
    const previous = await composite('finalize', steps[i - 1] as string);
    const current = readRequest<CompositeRequest>('finalize', steps[i] as string);
    const { observedGeneration: _generation, ...status } = current.parent.status ?? {};
    expect(status).toEqual(previous.body.status);
    const observed = flatten(current.children);
    for (const object of observed.filter((o) => o.metadata.deletionTimestamp === undefined)) {
      const desired = previous.body.children.find(
        (c) => c.kind === object.kind && c.metadata.name === object.metadata.name,
      );
      expect(
        desired,
        `${object.kind} ${object.metadata.name} was omitted but is not terminating`,
      ).toBeDefined();
      expect(returned(object)).toEqual(desired && withoutSelectorLabel(desired));
    }
  }
}

async function finalizedAt(kind: 'purge' | 'retain') {
  const steps = walkSteps(kind);
  const answers = await Promise.all(steps.map((s) => composite('finalize', s)));
  for (const { request: req } of answers) {
    expect(req.finalizing).toBe(true);
    expect(req.parent.metadata.deletionTimestamp).toBeDefined();
  }
  return answers.map(({ body }) => body.finalized);
}

const knobs = (children: readonly Obj[]) => ({
  percona: child(children, 'PerconaXtraDBCluster').metadata.finalizers,
  deleteClaim: poolVolumes(child(children, 'KafkaNodePool')).map((v) => v.deleteClaim),
  keepAfterDelete: children
    .filter((c) => c.kind === 'RedisReplication' || c.kind === 'Redis')
    .map((c) => specField(c, 'storage', 'keepAfterDelete')),
  reclaimPolicy: children
    .filter((c) => c.kind.startsWith('ClickHouse'))
    .flatMap((c) => claimTemplates(c).map((t) => t.reclaimPolicy)),
});

describe('the purge walk: from the first finalize call to finalized', () => {
  test('finalized only at the last step, and every step follows from the previous answer', async () => {
    expect(await finalizedAt('purge')).toEqual([false, false, false, true]);
    await expectChained('purge');
  });

  test('01: every child is returned with the purge knobs, and removal starts', async () => {
    const { request: req, body } = await composite('finalize', walkSteps('purge')[0] as string);
    expect(ids(body.children)).toEqual(ids(flatten(req.children)));
    expect(ids(body.children)).toHaveLength(8);
    expect(knobs(body.children)).toEqual({
      percona: ['percona.com/delete-pxc-pods-in-order', ...PURGE_FINALIZERS],
      deleteClaim: [true],
      keepAfterDelete: [false],
      reclaimPolicy: ['Delete', 'Delete'],
    });
    for (const { name, conditions } of COMPONENTS) {
      expect(condition(body, name, conditions.removal)).toMatchObject({ reason: 'ApplyingRetention' });
    }
    expect(condition(body, 'minio', 'MinioRemoval').message).toContain(
      'to remove them run: kubectl delete pvc -n wandb -l v1.min.io/tenant=wandb-minio',
    );
    expect(topCondition(body, 'Ready')).toMatchObject({ status: 'False', reason: 'Deleting' });
  });

  test('02: the knobs are in effect, so every child is omitted (Metacontroller deletes them)', async () => {
    const { body } = await composite('finalize', walkSteps('purge')[1] as string);
    expect(body.children).toEqual([]);
    expect(condition(body, 'kafka', 'KafkaRemoval')).toMatchObject({ reason: 'Deleting' });
  });

  test('03: children still terminating behind operator finalizers are waited for', async () => {
    const { request: req, body } = await composite('finalize', walkSteps('purge')[2] as string);
    const terminating = flatten(req.children);
    expect(terminating.length).toBeGreaterThan(0);
    for (const o of terminating) expect(o.metadata.deletionTimestamp).toBeDefined();
    expect(body.children).toEqual([]);
    expect(body.finalized).toBe(false);
  });

  test('04: nothing left, finalized', async () => {
    const { request: req, body } = await composite('finalize', walkSteps('purge')[3] as string);
    expect(flatten(req.children)).toEqual([]);
    expect(body).toMatchObject({ finalized: true, children: [] });
    expect(topCondition(body, 'Ready')?.message).toBe('deleting: every component is gone');
  });
});

describe('the retain walk: switched from purge to retain just before deletion', () => {
  test('finalized only at the last step, and every step follows from the previous answer', async () => {
    expect(await finalizedAt('retain')).toEqual([false, false, false, true]);
    await expectChained('retain');
  });

  test('01: the children still carry the purge knobs; they are returned with the retain knobs', async () => {
    const { request: req, body } = await composite('finalize', walkSteps('retain')[0] as string);
    expect(knobs(flatten(req.children)).deleteClaim).toEqual([true]);
    expect(ids(body.children)).toEqual(ids(flatten(req.children)));
    expect(knobs(body.children)).toEqual({
      percona: ['percona.com/delete-pxc-pods-in-order'],
      deleteClaim: [false],
      keepAfterDelete: [true],
      reclaimPolicy: ['Retain', 'Retain'],
    });
    for (const c of body.children) {
      for (const f of PURGE_FINALIZERS) expect(c.metadata.finalizers ?? []).not.toContain(f);
    }
    expect(condition(body, 'kafka', 'KafkaRemoval')).toMatchObject({ reason: 'ApplyingRetention' });
  });

  test('02: Kafka waits until Strimzi has reconciled deleteClaim; the others are omitted', async () => {
    const { request: req, body } = await composite('finalize', walkSteps('retain')[1] as string);
    const pool = child(flatten(req.children), 'KafkaNodePool');
    expect(pool.status?.observedGeneration).toBeLessThan(pool.metadata.generation as number);
    expect(ids(body.children)).toEqual(['Kafka/wandb-kafka', 'KafkaNodePool/wandb-kafka-node-pool']);
    expect(poolVolumes(child(body.children, 'KafkaNodePool'))).toEqual([
      expect.objectContaining({ deleteClaim: false }),
    ]);
    expect(condition(body, 'kafka', 'KafkaRemoval')).toMatchObject({ reason: 'ApplyingRetention' });
    expect(condition(body, 'kafka', 'KafkaRemoval').message).toContain(
      'waiting until the retain knobs are in effect on KafkaNodePool wandb-kafka-node-pool',
    );
    for (const [component, title] of [
      ['mysql', 'MySQL'],
      ['redis', 'Redis'],
      ['minio', 'Minio'],
      ['clickhouse', 'ClickHouse'],
    ] as const) {
      expect(condition(body, component, `${title}Removal`)).toMatchObject({ reason: 'Deleting' });
    }
  });

  test('03: Strimzi observed the pool, so Kafka is omitted too', async () => {
    const { request: req, body } = await composite('finalize', walkSteps('retain')[2] as string);
    const pool = child(flatten(req.children), 'KafkaNodePool');
    expect(pool.status?.observedGeneration).toBe(pool.metadata.generation);
    expect(body.children).toEqual([]);
    expect(body.finalized).toBe(false);
  });

  test('04: nothing left, finalized', async () => {
    const { request: req, body } = await composite('finalize', walkSteps('retain')[3] as string);
    expect(flatten(req.children)).toEqual([]);
    expect(body).toMatchObject({ finalized: true, children: [] });
  });
});

test('finalize/orphan-cascade: finalized at once, every child frozen as last applied', async () => {
  const { request: req, body } = await composite('finalize', 'orphan-cascade');
  expect(req.parent.metadata.finalizers).toContain('orphan');
  expect(body.finalized).toBe(true);
  const observed = flatten(req.children);
  expect(observed.length).toBeGreaterThan(0);
  expect(ids(body.children)).toEqual(ids(observed));
  for (const frozen of body.children) {
    const current = observed.find((o) => o.kind === frozen.kind && o.metadata.name === frozen.metadata.name);
    expect(frozen).toEqual(lastApplied(current as Obj));
  }
  expect(topCondition(body, 'Ready')).toMatchObject({ status: 'False', reason: 'Orphaned' });
});

// ---- customize ---------------------------------------------------------------------------------------------

test('customize/small-all-enabled: by name where possible, always in the parent namespace', async () => {
  const { relatedResources } = (await answer('customize', 'small-all-enabled')).body as CustomizeResponse;
  expect(relatedResources.every((rule) => rule.namespace === 'wandb')).toBe(true);
  const names = (resource: string) =>
    relatedResources.filter((r) => r.resource === resource).flatMap((r) => r.names ?? []);
  // Credentials, connections, Kafka's cluster ID and every component's version record (versions.ts).
  expect(names('secrets').sort()).toEqual([
    'wandb-ch-connection',
    'wandb-ch-credentials',
    'wandb-ch-version',
    'wandb-kafka-cluster-id',
    'wandb-kafka-connection',
    'wandb-kafka-version',
    'wandb-minio-config',
    'wandb-minio-connection',
    'wandb-minio-version',
    'wandb-mysql-connection',
    'wandb-mysql-user-db-password',
    'wandb-mysql-version',
    'wandb-redis-connection',
    'wandb-redis-credentials',
    'wandb-redis-version',
  ]);
  expect(names('statefulsets')).toEqual(['wandb-redis-replica', 'wandb-redis-sentinel']);
  // MySQL's and Redis's (their capacity and count tell a growth and a scale-out), Kafka's (retained
  // volumes make a paused Kafka; the broker pool's possible IDs follow the controllers', so 1 and 2 of
  // 3 nodes), MinIO's (they keep lost root credentials from being generated again; their capacity
  // tells a growth) and ClickHouse's servers' (their capacity tells a growth),
  // 3 + 3 + 3 + 2 + 3 servers × 4 + 3.
  expect(names('persistentvolumeclaims')).toEqual([
    ...[0, 1, 2].map((n) => `datadir-wandb-mysql-cluster-pxc-${n}`),
    ...[0, 1, 2].map((n) => `wandb-redis-replica-wandb-redis-replica-${n}`),
    ...[0, 1, 2].map((n) => `data-0-wandb-kafka-wandb-kafka-node-pool-${n}`),
    ...[1, 2].map((n) => `data-0-wandb-kafka-wandb-kafka-brokers-${n}`),
    ...[0, 1, 2].flatMap((server) => [0, 1, 2, 3].map((v) => `${v}-wandb-minio-wandb-minio-pool-${server}`)),
    ...[0, 1, 2].map((n) => `wandb-ch-voltempl-chi-wandb-ch-install-wandb-ch-0-${n}-0`),
  ]);
  // Every parent of the namespace (unique names, oldest first; one Tenant per namespace) and every Tenant.
  for (const resource of ['weightsandbiases', 'tenants']) {
    expect(relatedResources.find((r) => r.resource === resource)).toEqual({
      apiVersion: expect.any(String),
      resource,
      namespace: 'wandb',
    });
  }
});

test('secrets-customize/small-all-enabled: the operator resources and retained volumes, by name', async () => {
  const { relatedResources } = (await answer('secrets-customize', 'small-all-enabled'))
    .body as CustomizeResponse;
  expect(relatedResources.every((rule) => rule.namespace === 'wandb')).toBe(true);
  // By name, except the parents of the namespace: an older one keeps the names both want.
  expect(relatedResources.filter((rule) => (rule.names?.length ?? 0) === 0)).toEqual([
    { apiVersion: 'apps.wandb.com/v2', resource: 'weightsandbiases', namespace: 'wandb' },
  ]);
  expect(relatedResources.map((r) => `${r.resource}: ${r.names?.length}`)).toEqual(
    expect.arrayContaining([
      'perconaxtradbclusters: 1',
      'redisreplications: 1',
      'redissentinels: 1',
      'kafkas: 1',
      'tenants: 1',
      'clickhouseinstallations: 1',
      // Every component's volumes, which own its version record: 3 MySQL, 3 Redis, 3 + 2 Kafka (the
      // broker pool's possible names), 3 MinIO servers × 4, 3 ClickHouse and 3 Keeper.
      'persistentvolumeclaims: 29',
      // 5 credential or record Secrets, 5 version records.
      'secrets: 10',
    ]),
  );
});

// ---- secrets ---------------------------------------------------------------------------------------------

interface DecoratorBody {
  status: null;
  attachments: Obj[];
}

test('secrets-sync/small-first-sync: credentials generated once; no connection before the resources exist', async () => {
  const body = (await answer('secrets-sync', 'small-first-sync')).body as DecoratorBody;
  expect(body.status).toBeNull();
  expect(body.attachments.map((a) => a.metadata.name)).toEqual([
    'wandb-ch-credentials',
    'wandb-minio-config',
    'wandb-mysql-user-db-password',
    'wandb-redis-credentials',
  ]);
  for (const secret of body.attachments) {
    const password = decode(secret.data?.password ?? secret.data?.rootPassword);
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
  }
  const minio = body.attachments.find((a) => a.metadata.name === 'wandb-minio-config');
  expect(decode(minio?.data?.['config.env'])).toContain(
    `export MINIO_ROOT_PASSWORD="${decode(minio?.data?.rootPassword)}"`,
  );
});

test('secrets-sync/small-steady-state: observed Secrets fed back give identical credentials and nothing to apply', async () => {
  const req = readRequest<DecoratorRequest>('secrets-sync', 'small-steady-state');
  const body = (await answer('secrets-sync', 'small-steady-state')).body as DecoratorBody;
  const observed = flatten(req.attachments);
  expect(body.attachments.map((a) => a.metadata.name)).toEqual(observed.map((o) => o.metadata.name).sort());
  for (const secret of body.attachments) {
    const current = observed.find((o) => o.metadata.name === secret.metadata.name) as Obj;
    expect(secret.data).toEqual(current.data);
    const { annotations = {}, ...metadata } = lastApplied(current).metadata;
    const { 'metacontroller.k8s.io/decorator-controller': _decorator, ...ours } = annotations;
    expect(secret).toEqual({
      ...lastApplied(current),
      metadata: { ...metadata, ...(Object.keys(ours).length > 0 ? { annotations: ours } : {}) },
    });
  }
  // The credentials are still the ones generated at the first sync.
  const first = (await answer('secrets-sync', 'small-first-sync')).body as DecoratorBody;
  for (const secret of first.attachments) {
    expect(body.attachments.find((a) => a.metadata.name === secret.metadata.name)?.data).toEqual(secret.data);
  }
  // Retained: the Kafka cluster ID and MinIO root credentials are owned by their volumes too.
  const owners = (name: string) =>
    (body.attachments.find((a) => a.metadata.name === name)?.metadata.ownerReferences ?? []).length;
  expect(owners('wandb-kafka-cluster-id')).toBe(3);
  expect(owners('wandb-minio-config')).toBe(12);
});
