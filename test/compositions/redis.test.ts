import { describe, expect, test } from 'vitest';
import { credentialSecrets } from '../../compositions/component.js';
import {
  EXPORTER_IMAGE,
  REDIS_IMAGE,
  redis,
  SENTINEL_IMAGE,
  sentinelStatefulSetName,
} from '../../compositions/components/redis.js';
import type { Child, KubeObject } from '../../compositions/kube.js';
import { contextFor, observedObject } from '../support/builders.js';
import { assertValidAgainstCrd } from '../support/crd-validator.js';

const DEV = { size: 'dev', redis: { enabled: true } };
const SMALL = { size: 'small', redis: { enabled: true } };

type Spec = Record<string, unknown>;
const specOf = (child: Child | undefined) =>
  (child?.spec ?? {}) as Spec & { storage?: Spec; kubernetesConfig?: Spec };
const byKind = (children: Child[], kind: string) => children.find((c) => c.kind === kind);

function observedChildren(spec: unknown, status?: Record<string, unknown>): KubeObject[] {
  return redis
    .desired(contextFor(redis, spec))
    .map((child) => observedObject(child, child.kind === 'RedisReplication' && status ? { status } : {}));
}

function aStatefulSet(
  name: string,
  options: { replicas: number; ready: number; generation?: number; observedGeneration?: number },
): KubeObject {
  const generation = options.generation ?? 1;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'wandb', uid: `uid-sts-${name}`, generation },
    spec: { replicas: options.replicas },
    status: {
      replicas: options.replicas,
      // The API server omits zero counts.
      ...(options.ready > 0 ? { readyReplicas: options.ready } : {}),
      observedGeneration: options.observedGeneration ?? generation,
    },
  };
}

describe('redis', () => {
  describe('desired children', () => {
    test('dev parent → one valid standalone Redis with auth and storage', () => {
      const children = redis.desired(contextFor(redis, DEV));
      expect(children.map((c) => `${c.kind} ${c.metadata.name}`)).toEqual(['Redis wandb-redis']);
      for (const child of children) assertValidAgainstCrd(child);
      expect(specOf(children[0])).toEqual({
        kubernetesConfig: {
          image: REDIS_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          redisSecret: { name: 'wandb-redis-credentials', key: 'password' },
        },
        storage: {
          volumeClaimTemplate: {
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Mi' } } },
          },
          keepAfterDelete: true,
        },
      });
    });

    test('small parent → valid RedisReplication and RedisSentinel wired together', () => {
      const children = redis.desired(contextFor(redis, SMALL));
      expect(children.map((c) => `${c.kind} ${c.metadata.name}`)).toEqual([
        'RedisReplication wandb-redis-replica',
        'RedisSentinel wandb-redis',
      ]);
      for (const child of children) assertValidAgainstCrd(child);
      const replication = specOf(byKind(children, 'RedisReplication'));
      expect(replication.clusterSize).toBe(3);
      expect(replication.kubernetesConfig).toMatchObject({
        image: REDIS_IMAGE,
        redisSecret: { name: 'wandb-redis-credentials', key: 'password' },
        resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      });
      const sentinel = specOf(byKind(children, 'RedisSentinel'));
      expect(sentinel).toMatchObject({
        clusterSize: 3,
        kubernetesConfig: {
          image: SENTINEL_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          resources: { requests: { cpu: '125m', memory: '128Mi' }, limits: { cpu: '256m', memory: '256Mi' } },
        },
        redisSentinelConfig: {
          redisReplicationName: 'wandb-redis-replica',
          masterGroupName: 'gorilla',
          quorum: '2',
          redisReplicationPassword: { secretKeyRef: { name: 'wandb-redis-credentials', key: 'password' } },
        },
      });
    });

    test('sentinel and replica counts → clusterSize and a majority quorum', () => {
      const spec = {
        size: 'small',
        redis: {
          enabled: true,
          replicas: 4,
          sentinel: { enabled: true, replicas: 5, config: { masterName: 'main' } },
        },
      };
      const children = redis.desired(contextFor(redis, spec));
      expect(specOf(byKind(children, 'RedisReplication')).clusterSize).toBe(4);
      expect(specOf(byKind(children, 'RedisSentinel'))).toMatchObject({
        clusterSize: 5,
        redisSentinelConfig: { masterGroupName: 'main', quorum: '3' },
      });
    });

    test('telemetry on → the exporter on every CR, still valid', () => {
      const spec = { size: 'small', redis: { enabled: true, telemetry: { enabled: true } } };
      const children = redis.desired(contextFor(redis, spec));
      for (const child of children) {
        assertValidAgainstCrd(child);
        expect(specOf(child).redisExporter).toEqual({
          enabled: true,
          image: EXPORTER_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          port: 9121,
        });
      }
      expect(specOf(redis.desired(contextFor(redis, DEV))[0])).not.toHaveProperty('redisExporter');
    });

    test('CR labels → never the app/role labels Opstree selects pods by', () => {
      for (const child of redis.desired(contextFor(redis, SMALL))) {
        expect(Object.keys(child.metadata.labels ?? {})).not.toEqual(
          expect.arrayContaining([expect.stringMatching(/^(app|role|redis_setup_type)$/)]),
        );
      }
    });

    const longParentCases: Array<{ name: string; args: { spec: unknown } }> = [
      { name: 'dev (standalone)', args: { spec: DEV } },
      { name: 'small (sentinel mode)', args: { spec: SMALL } },
    ];
    describe('63-character parent name → every derived name within budget', () => {
      test.each(longParentCases)('$name', ({ args }) => {
        const context = contextFor(redis, args.spec, { parent: { name: 'r'.repeat(63) } });
        const children = redis.desired(context);
        for (const child of children) assertValidAgainstCrd(child);
        const base = context.spec.name;
        // StatefulSets: `<name>` (standalone), `<name>-replica`, `<name>-sentinel`.
        for (const statefulSet of [base, `${base}-replica`, sentinelStatefulSetName(context.spec)]) {
          expect(statefulSet.length).toBeLessThanOrEqual(52);
        }
        // Services: the longest Opstree derives.
        for (const service of [
          `${base}-sentinel-additional`,
          `${base}-replica-additional`,
          `${base}-replica-headless`,
        ]) {
          expect(service.length).toBeLessThanOrEqual(63);
          expect(service).toMatch(/^[a-z]/);
        }
        const rules = redis.relatedRules(context.spec, context.parent.namespace);
        for (const name of rules[0]?.names ?? []) expect(name.length).toBeLessThanOrEqual(52);
      });
    });

    test('credential Secret → the password Secret the CRs reference', () => {
      expect(credentialSecrets(redis, contextFor(redis, SMALL).spec)).toEqual(['wandb-redis-credentials']);
    });
  });

  describe('RedisReportedReady', () => {
    type Want = { status: string; reason: string; implies: string };
    const standaloneCases: Array<{ name: string; args: { related: KubeObject[] }; want: Want }> = [
      {
        name: 'pod ready → ready',
        args: { related: [aStatefulSet('wandb-redis', { replicas: 1, ready: 1 })] },
        want: { status: 'True', reason: 'ResourceExists', implies: 'Healthy' },
      },
      {
        name: 'no pod ready → unavailable',
        args: { related: [aStatefulSet('wandb-redis', { replicas: 1, ready: 0 })] },
        want: { status: 'False', reason: 'ResourceExists', implies: 'Unavailable' },
      },
      {
        name: 'stale generation → pending',
        args: {
          related: [
            aStatefulSet('wandb-redis', { replicas: 1, ready: 1, generation: 2, observedGeneration: 1 }),
          ],
        },
        want: { status: 'False', reason: 'StaleGeneration', implies: 'Pending' },
      },
      {
        name: 'StatefulSet missing → pending',
        args: { related: [] },
        want: { status: 'False', reason: 'StatefulSetMissing', implies: 'Pending' },
      },
    ];
    describe('standalone', () => {
      test.each(standaloneCases)('$name', ({ args, want }) => {
        const context = contextFor(redis, DEV, { children: observedChildren(DEV), related: args.related });
        expect(redis.observe(context)).toEqual([
          expect.objectContaining({ type: 'RedisReportedReady', ...want }),
        ]);
      });
    });

    const MASTER = { masterNode: 'wandb-redis-replica-0' };
    const replica = (
      ready: number,
      extra: { replicas?: number; generation?: number; observedGeneration?: number } = {},
    ) => aStatefulSet('wandb-redis-replica', { replicas: 3, ready, ...extra });
    const sentinels = (ready: number) => aStatefulSet('wandb-redis-sentinel', { replicas: 3, ready });

    const sentinelCases: Array<{
      name: string;
      args: { related: KubeObject[]; replicationStatus?: Record<string, unknown> };
      want: Want;
    }> = [
      {
        name: 'all pods ready with a master → ready',
        args: { related: [replica(3), sentinels(3)], replicationStatus: MASTER },
        want: { status: 'True', reason: 'ResourceExists', implies: 'Healthy' },
      },
      {
        name: 'no master elected yet → pending',
        args: { related: [replica(3), sentinels(3)] },
        want: { status: 'False', reason: 'NoMaster', implies: 'Pending' },
      },
      {
        name: 'some pods ready → degraded',
        args: { related: [replica(2), sentinels(3)], replicationStatus: MASTER },
        want: { status: 'False', reason: 'degraded', implies: 'Degraded' },
      },
      {
        name: 'some sentinels ready → degraded',
        args: { related: [replica(3), sentinels(1)], replicationStatus: MASTER },
        want: { status: 'False', reason: 'degraded', implies: 'Degraded' },
      },
      {
        name: 'no replica ready → unavailable',
        args: { related: [replica(0), sentinels(3)], replicationStatus: MASTER },
        want: { status: 'False', reason: 'ResourceExists', implies: 'Unavailable' },
      },
      {
        name: 'no sentinel ready → unavailable',
        args: { related: [replica(3), sentinels(0)], replicationStatus: MASTER },
        want: { status: 'False', reason: 'ResourceExists', implies: 'Unavailable' },
      },
      {
        name: 'stale StatefulSet generation → pending',
        args: {
          related: [replica(3, { generation: 3, observedGeneration: 2 }), sentinels(3)],
          replicationStatus: MASTER,
        },
        want: { status: 'False', reason: 'StaleGeneration', implies: 'Pending' },
      },
      {
        name: 'not resized to clusterSize → pending',
        args: {
          related: [aStatefulSet('wandb-redis-replica', { replicas: 2, ready: 2 }), sentinels(3)],
          replicationStatus: MASTER,
        },
        want: { status: 'False', reason: 'StaleGeneration', implies: 'Pending' },
      },
      {
        name: 'sentinel StatefulSet missing → pending',
        args: { related: [replica(3)], replicationStatus: MASTER },
        want: { status: 'False', reason: 'StatefulSetMissing', implies: 'Pending' },
      },
    ];
    describe('sentinel mode', () => {
      test.each(sentinelCases)('$name', ({ args, want }) => {
        const context = contextFor(redis, SMALL, {
          children: observedChildren(SMALL, args.replicationStatus),
          related: args.related,
        });
        expect(redis.observe(context)).toEqual([
          expect.objectContaining({ type: 'RedisReportedReady', ...want }),
        ]);
      });
    });

    test('degraded → the counts in the message', () => {
      const context = contextFor(redis, SMALL, {
        children: observedChildren(SMALL, MASTER),
        related: [replica(2), sentinels(3)],
      });
      expect(redis.observe(context)[0]?.message).toContain(
        'StatefulSet wandb-redis-replica: 2 of 3 pods ready',
      );
    });

    test('no CR observed yet → no readiness finding', () => {
      expect(redis.observe(contextFor(redis, DEV, { related: [] }))).toEqual([]);
    });

    test('related rules → the StatefulSets and data volumes by name, in the parent namespace', () => {
      const dev = contextFor(redis, DEV, { parent: { namespace: 'team-a' } });
      expect(redis.relatedRules(dev.spec, dev.parent.namespace)).toEqual([
        { apiVersion: 'apps/v1', resource: 'statefulsets', namespace: 'team-a', names: ['wandb-redis'] },
        {
          apiVersion: 'v1',
          resource: 'persistentvolumeclaims',
          namespace: 'team-a',
          names: ['wandb-redis-wandb-redis-0'],
        },
      ]);
      const small = contextFor(redis, SMALL, { parent: { namespace: 'team-b' } });
      expect(redis.relatedRules(small.spec, small.parent.namespace)).toEqual([
        {
          apiVersion: 'apps/v1',
          resource: 'statefulsets',
          namespace: 'team-b',
          names: ['wandb-redis-replica', 'wandb-redis-sentinel'],
        },
        {
          apiVersion: 'v1',
          resource: 'persistentvolumeclaims',
          namespace: 'team-b',
          names: [0, 1, 2].map((i) => `wandb-redis-replica-wandb-redis-replica-${i}`),
        },
      ]);
    });
  });

  describe('retention', () => {
    const keepCases: Array<{ name: string; args: { onDelete: string }; want: { keepAfterDelete: boolean } }> =
      [
        {
          name: 'retain → Opstree keeps the volumes',
          args: { onDelete: 'retain' },
          want: { keepAfterDelete: true },
        },
        {
          name: 'purge → Opstree deletes the volumes',
          args: { onDelete: 'purge' },
          want: { keepAfterDelete: false },
        },
      ];
    describe('keepAfterDelete on every CR with volumes', () => {
      test.each(keepCases)('$name', ({ args, want }) => {
        for (const base of [DEV, SMALL]) {
          const spec = { ...base, retentionPolicy: { onDelete: args.onDelete } };
          const children = redis.desired(contextFor(redis, spec));
          for (const child of children.filter((c) => c.kind !== 'RedisSentinel')) {
            expect(specOf(child).storage?.keepAfterDelete).toBe(want.keepAfterDelete);
          }
        }
      });
    });

    test('per-component policy → wins over the top-level one', () => {
      const spec = {
        retentionPolicy: { onDelete: 'retain' },
        redis: { enabled: true, retentionPolicy: { onDelete: 'purge' } },
      };
      expect(specOf(redis.desired(contextFor(redis, spec))[0]).storage?.keepAfterDelete).toBe(false);
    });

    // The sentinel has no volumes, so its knobs are always in effect.
    const inEffectCases: Array<{
      name: string;
      args: { observedPolicy: string; policy: string };
      want: { replication: boolean };
    }> = [
      {
        name: 'retain, retain → in effect',
        args: { observedPolicy: 'retain', policy: 'retain' },
        want: { replication: true },
      },
      {
        name: 'purge, purge → in effect',
        args: { observedPolicy: 'purge', policy: 'purge' },
        want: { replication: true },
      },
      {
        name: 'retain, purge → not yet',
        args: { observedPolicy: 'retain', policy: 'purge' },
        want: { replication: false },
      },
      {
        name: 'purge, retain → not yet',
        args: { observedPolicy: 'purge', policy: 'retain' },
        want: { replication: false },
      },
    ];
    describe("the replication's knobs in effect (applied policy, wanted policy)", () => {
      test.each(inEffectCases)('$name', ({ args, want }) => {
        const observed = observedChildren({ ...SMALL, retentionPolicy: { onDelete: args.observedPolicy } });
        const context = contextFor(redis, { ...SMALL, retentionPolicy: { onDelete: args.policy } });
        const replication = observed.find((o) => o.kind === 'RedisReplication') as KubeObject;
        const sentinel = observed.find((o) => o.kind === 'RedisSentinel') as KubeObject;
        expect(redis.knobsInEffect(context, replication)).toBe(want.replication);
        expect(redis.knobsInEffect(context, sentinel)).toBe(true);
      });
    });

    test('observed CR without keepAfterDelete → in effect only for purge (Opstree default)', () => {
      const [observed] = observedChildren(DEV);
      const bare = { ...(observed as KubeObject), spec: { kubernetesConfig: { image: REDIS_IMAGE } } };
      expect(
        redis.knobsInEffect(contextFor(redis, { ...DEV, retentionPolicy: { onDelete: 'purge' } }), bare),
      ).toBe(true);
      expect(redis.knobsInEffect(contextFor(redis, DEV), bare)).toBe(false);
    });
  });

  describe('refused edits', () => {
    test('unchanged topology and storage → nothing refused', () => {
      expect(redis.refusedEdits(contextFor(redis, DEV, { children: observedChildren(DEV) }))).toEqual([]);
      expect(redis.refusedEdits(contextFor(redis, SMALL, { children: observedChildren(SMALL) }))).toEqual([]);
    });

    test('standalone observed, sentinel desired → refused', () => {
      const problems = redis.refusedEdits(contextFor(redis, SMALL, { children: observedChildren(DEV) }));
      expect(problems).toEqual([expect.stringContaining('Redis wandb-redis runs standalone')]);
      expect(problems[0]).toContain('delete');
    });

    test('sentinel observed, standalone desired → refused', () => {
      const problems = redis.refusedEdits(contextFor(redis, DEV, { children: observedChildren(SMALL) }));
      expect(problems).toEqual([
        expect.stringContaining(
          'RedisReplication wandb-redis-replica and RedisSentinel wandb-redis run in sentinel mode',
        ),
      ]);
    });

    test('storage shrunk → refused; grown, or the same size in other units → accepted', () => {
      const children = observedChildren({ redis: { enabled: true, storageSize: '1Gi' } });
      const refused = (storageSize: string) =>
        redis.refusedEdits(contextFor(redis, { redis: { enabled: true, storageSize } }, { children }));
      expect(refused('512Mi')).toEqual([
        expect.stringContaining('spec.redis.storageSize cannot shrink from 1Gi to 512Mi'),
      ]);
      expect(refused('2Gi')).toEqual([]);
      expect(refused('1024Mi')).toEqual([]);
    });

    test('replication scaled → accepted (Opstree scales the StatefulSet)', () => {
      const children = observedChildren(SMALL);
      const scaled = { size: 'small', redis: { enabled: true, replicas: 5 } };
      expect(redis.refusedEdits(contextFor(redis, scaled, { children }))).toEqual([]);
    });
  });
});
