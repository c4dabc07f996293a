// Every name we make is unique in its namespace (issue 12, item 10): components of one parent, and
// parents of one namespace, never share a Secret, custom resource, Service, StatefulSet or volume.
import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { nameCollisions, namesOf } from '../compositions/collisions.js';
import { COMPONENTS } from '../compositions/components/index.js';
import { ObservedObjects } from '../compositions/kube.js';
import { DecoratorSyncRequest } from '../compositions/metacontroller.js';
import { WeightsAndBiasesSpec } from '../compositions/parent.js';
import { parentRef, resolveSpec } from '../compositions/presets.js';
import { reconcile } from '../compositions/reconcile.js';
import { syncSecrets } from '../compositions/secrets.js';
import { seededRandom, testApp } from './support/app.js';
import {
  aParent,
  aSecret,
  contextFor,
  NOW,
  objectMap,
  parsedRequest,
  syncRequest,
} from './support/builders.js';

type Parent = ReturnType<typeof aParent>;

const invalidSpec = (result: ReturnType<typeof reconcile>) =>
  result.status.conditions?.find((c) => c.type === 'InvalidSpec')?.message;

const sync = (parent: Parent, related: readonly Parent[] = []) =>
  reconcile(parsedRequest(syncRequest(parent, { related: related as never })), { now: NOW });

const secretsSync = (parent: Parent, related: readonly Parent[] = []) =>
  syncSecrets(
    DecoratorSyncRequest.parse({
      controller: {},
      object: parent,
      attachments: {},
      related: objectMap(related as never),
    }),
    { random: seededRandom(1) },
  );

describe('within one parent', () => {
  test('two components with the same name are refused, naming what they both make', () => {
    const spec = { redis: { enabled: true, name: 'data' }, clickhouse: { enabled: true, name: 'data' } };
    const message = invalidSpec(sync(aParent(spec)));
    expect(message).toContain(
      'spec.redis.name "data" and spec.clickhouse.name "data" both make Secret data-credentials, Secret data-connection',
    );
    // The decorator refuses it too: before, it returned data-credentials twice (wiring ClickHouse to
    // Redis's password), and the response check turned every call into a 500.
    expect(secretsSync(aParent(spec)).attachments).toEqual([]);
  });

  test("a name an operator derives counts: a Redis named minio would take MinIO's Service", () => {
    const spec = { redis: { enabled: true, name: 'minio' }, minio: { enabled: true } };
    expect(invalidSpec(sync(aParent(spec)))).toContain(
      'spec.redis.name "minio" and spec.minio.name "wandb-minio" both make Service minio',
    );
  });

  test('/secrets/sync answers 200 for two components with the same name (it answered 500)', async () => {
    const { app } = testApp();
    const spec = { mysql: { enabled: true, name: 'same' }, redis: { enabled: true, name: 'same' } };
    const response = await request(app)
      .post('/secrets/sync')
      .send({ controller: {}, object: aParent(spec), attachments: {}, related: {} });
    expect(response.status, response.text).toBe(200);
  });

  test('a component still being removed keeps its names: a fresh one enabled under them is refused', async () => {
    // ClickHouse `data` disabled while its installation is still removed, Redis enabled as `data`:
    // both want Secrets data-credentials and data-connection. Before, neither controller refused
    // it: the decorator returned data-credentials twice (every /secrets/sync a 500) and Redis was
    // created on ClickHouse's password.
    const spec = { redis: { enabled: true, name: 'data' }, clickhouse: { enabled: false, name: 'data' } };
    const chi = {
      apiVersion: 'clickhouse.altinity.com/v1',
      kind: 'ClickHouseInstallation',
      metadata: { name: 'data-install', namespace: 'wandb', uid: 'uid-chi' },
    };
    const composite = reconcile(parsedRequest(syncRequest(aParent(spec), { children: [chi] })), { now: NOW });
    expect(invalidSpec(composite)).toContain(
      'spec.redis.name "data" and spec.clickhouse.name "data" (disabled, still being removed) both make Secret data-credentials',
    );
    expect(composite.children.map((c) => c.metadata.name)).toEqual(['data-install']);
    const stored = aSecret('data-credentials', { password: 'clickhouse' });
    const { app } = testApp();
    const response = await request(app)
      .post('/secrets/sync')
      .send({
        controller: {},
        object: aParent(spec),
        attachments: objectMap([stored]),
        related: objectMap([chi]),
      });
    expect(response.status, response.text).toBe(200);
    expect(response.body.attachments.map((a: { metadata: { name: string } }) => a.metadata.name)).toEqual([
      'data-credentials',
    ]);
    // Once the installation is gone, the name is free.
    expect(invalidSpec(sync(aParent(spec)))).toBeUndefined();
  });

  test('default names never meet, whatever the parent is called', () => {
    const name = fc.stringMatching(/^[a-z][-a-z0-9]{0,62}$/);
    fc.assert(
      fc.property(name, fc.constantFrom('dev', 'small'), (parentName, size) => {
        const spec = {
          size,
          mysql: { enabled: true },
          redis: { enabled: true },
          kafka: { enabled: true },
          minio: { enabled: true },
          clickhouse: { enabled: true },
        };
        const parent = parentRef(parsedRequest(syncRequest(aParent({}, { name: parentName }))).parent);
        const resolved = resolveSpec(WeightsAndBiasesSpec.parse(spec), parent).spec;
        expect(nameCollisions(resolved, parent, new ObservedObjects([]))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  test.each(['dev', 'small'])('%s: every child a component makes is among the names it declares', (size) => {
    const spec = {
      size,
      mysql: { enabled: true },
      redis: { enabled: true },
      kafka: { enabled: true },
      minio: { enabled: true },
      clickhouse: { enabled: true },
    };
    for (const component of COMPONENTS) {
      const context = contextFor(component, spec);
      const resolved = resolveSpec(WeightsAndBiasesSpec.parse(spec), context.parent).spec;
      const declared = new Set(namesOf(component, resolved).map((n) => `${n.kind} ${n.name}`));
      for (const child of component.desired(context)) {
        expect(declared, component.name).toContain(`${child.kind} ${child.metadata.name}`);
      }
    }
  });
});

describe('between parents of one namespace: the older keeps its names', () => {
  const spec = { redis: { enabled: true, name: 'cache' } };
  const older = aParent(spec, { name: 'first', uid: 'uid-1', creationTimestamp: '2026-01-01T00:00:00Z' });
  const younger = aParent(spec, { name: 'second', uid: 'uid-2', creationTimestamp: '2026-01-02T00:00:00Z' });

  test('the younger parent is refused, naming the older one and what both make', () => {
    const message = invalidSpec(sync(younger, [older, younger]));
    expect(message).toContain(
      'spec.redis.name "cache" makes Redis cache, StatefulSet cache, Service cache, Service cache-headless and',
    );
    expect(message).toContain('which the older WeightsAndBiases first in namespace wandb also makes');
    expect(secretsSync(younger, [older, younger]).attachments).toEqual([]);
  });

  test('the older parent goes on', () => {
    expect(invalidSpec(sync(older, [older, younger]))).toBeUndefined();
    expect(secretsSync(older, [older, younger]).attachments.map((a) => a.metadata.name)).toEqual([
      'cache-credentials',
    ]);
  });

  test('created in the same second, the lower UID is the older', () => {
    const a = aParent(spec, { name: 'a', uid: 'uid-a', creationTimestamp: '2026-01-01T00:00:00Z' });
    const b = aParent(spec, { name: 'b', uid: 'uid-b', creationTimestamp: '2026-01-01T00:00:00Z' });
    expect(invalidSpec(sync(a, [a, b]))).toBeUndefined();
    expect(invalidSpec(sync(b, [a, b]))).toContain('older WeightsAndBiases a');
  });

  test('an older parent being deleted still holds its names until it is gone', () => {
    const leaving = aParent(spec, {
      name: 'first',
      uid: 'uid-1',
      creationTimestamp: '2026-01-01T00:00:00Z',
      deletionTimestamp: '2026-01-03T00:00:00Z',
    });
    expect(invalidSpec(sync(younger, [leaving, younger]))).toContain('this clears once it is gone');
  });

  test('MinIO in two parents under different names is still the one-Tenant rule, not a name collision', () => {
    const first = aParent(
      { minio: { enabled: true } },
      { name: 'one', uid: 'uid-1', creationTimestamp: NOW },
    );
    const second = aParent(
      { minio: { enabled: true } },
      { name: 'two', uid: 'uid-2', creationTimestamp: '2026-01-02T00:00:00Z' },
    );
    const result = sync(second, [first, second]);
    expect(invalidSpec(result)).toBeUndefined();
    expect(result.status.minioStatus?.conditions?.map((c) => c.type)).toContain('MinioNamespaceConflict');
  });

  test('deleting a refused parent is not blocked by the names it never got', () => {
    const deleting = aParent(spec, {
      name: 'second',
      uid: 'uid-2',
      creationTimestamp: '2026-01-02T00:00:00Z',
      deletionTimestamp: '2026-01-03T00:00:00Z',
    });
    const result = reconcile(
      parsedRequest(syncRequest(deleting, { related: [older, deleting] as never, finalizing: true })),
      { now: NOW },
    );
    expect(invalidSpec(result)).toBeUndefined();
    expect(result.finalized).toBe(true);
  });
});
