// Redis day 2 (issue 15): what the hooks write for a growth and a scaling, and what Opstree 0.22.1 is
// still carrying out, read from its StatefulSets and PVCs (its CRs keep no status). Named tables.
import { describe, expect, test } from 'vitest';
import { redis, SENTINEL_IMAGE } from '../../compositions/components/redis.js';
import type { Child, KubeObject } from '../../compositions/kube.js';
import { WeightsAndBiasesSpec } from '../../compositions/parent.js';
import { type ParentRef, resolveSpec } from '../../compositions/presets.js';
import { contextFor, observedObject } from '../support/builders.js';
import { assertValidAgainstCrd } from '../support/crd-validator.js';

const SMALL = { size: 'small', redis: { enabled: true } };
const IMAGE = 'quay.io/opstree/redis:v7.0.15';
const PARENT: ParentRef = {
  name: 'wandb',
  namespace: 'wandb',
  uid: 'u1',
  generation: 1,
  creationTimestamp: '',
};

describe('desired', () => {
  test('the CRs with volumes ask Opstree to replace the StatefulSet on a new template, pods kept', () => {
    const annotations = (spec: unknown) =>
      redis.desired(contextFor(redis, spec)).map((c: Child) => [c.kind, c.metadata.annotations]);
    const recreate = {
      'redis.opstreelabs.in/recreate-statefulset': 'true',
      'redis.opstreelabs.in/recreate-statefulset-strategy': 'orphan',
    };
    expect(annotations(SMALL)).toEqual([
      ['RedisReplication', recreate],
      ['RedisSentinel', undefined],
    ]);
    expect(annotations({ redis: { enabled: true } })).toEqual([['Redis', recreate]]);
    for (const child of redis.desired(contextFor(redis, SMALL))) assertValidAgainstCrd(child as KubeObject);
  });

  test('a count of servers on a standalone Redis cannot be carried out: InvalidSpec', () => {
    const problems = (redisSpec: unknown) =>
      resolveSpec(WeightsAndBiasesSpec.parse({ size: 'dev', redis: redisSpec }), PARENT).problems;
    expect(problems({ enabled: true, replicas: 3 })).toEqual([
      expect.stringContaining('spec.redis.replicas is 3, but a standalone Redis'),
    ]);
    expect(problems({ enabled: true })).toEqual([]);
    expect(problems({ enabled: true, replicas: 3, sentinel: { enabled: true } })).toEqual([]);
  });
});

interface Set {
  name?: string;
  replicas?: number;
  created?: number;
  ready?: number;
  template?: string;
  image?: string;
  revisions?: [string, string];
  updated?: number;
}
function statefulSet({
  name = 'wandb-redis-replica',
  replicas = 3,
  created = replicas,
  ready = created,
  template = '2Gi',
  image = IMAGE,
  revisions = ['r1', 'r1'],
  updated = created,
}: Set): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'wandb', generation: 1 },
    spec: {
      replicas,
      template: { spec: { containers: [{ name, image }] } },
      volumeClaimTemplates: [{ spec: { resources: { requests: { storage: template } } } }],
    },
    status: {
      observedGeneration: 1,
      replicas: created,
      readyReplicas: ready,
      updatedReplicas: updated,
      currentRevision: revisions[0],
      updateRevision: revisions[1],
    },
  };
}
const claim = (i: number, request: string, capacity?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: `wandb-redis-replica-wandb-redis-replica-${i}`, namespace: 'wandb' },
  spec: { resources: { requests: { storage: request } } },
  ...(capacity ? { status: { capacity: { storage: capacity } } } : {}),
});
const claims = (request: string, capacity?: string) => [0, 1, 2].map((i) => claim(i, request, capacity));

describe('operations', () => {
  const cases: Array<{
    name: string;
    args: { spec?: Record<string, unknown>; master?: boolean; related: KubeObject[] };
    want: Array<{ kind: string; change?: string; progress?: RegExp }>;
  }> = [
    {
      name: 'settled: nothing in flight',
      args: {
        related: [
          statefulSet({}),
          statefulSet({ name: 'wandb-redis-sentinel', image: SENTINEL_IMAGE }),
          ...claims('2Gi', '2Gi'),
        ],
      },
      want: [],
    },
    {
      name: 'an installation (no master yet) is no scale-out',
      args: { master: false, related: [statefulSet({ created: 1, ready: 0 }), ...claims('2Gi')] },
      want: [],
    },
    {
      name: 'a pod restarting is no scaling',
      args: { related: [statefulSet({ ready: 2 }), ...claims('2Gi', '2Gi')] },
      want: [],
    },
    {
      name: 'growth: volumes counted, the template waits for the replacement',
      args: {
        spec: { storageSize: '4Gi' },
        related: [statefulSet({}), claim(0, '4Gi', '4Gi'), claim(1, '4Gi', '2Gi'), claim(2, '2Gi', '2Gi')],
      },
      want: [
        {
          kind: 'Resizing',
          change: 'volumes to 4Gi of RedisReplication wandb-redis-replica',
          progress:
            /^1 of 3 volumes grown; StatefulSet wandb-redis-replica still has 2Gi in its template, Opstree replaces it/,
        },
      ],
    },
    {
      name: 'growth done on the volumes and the template',
      args: {
        spec: { storageSize: '4Gi' },
        related: [statefulSet({ template: '4Gi' }), ...claims('4Gi', '4Gi')],
      },
      want: [],
    },
    {
      name: 'scale-out not yet taken up by Opstree',
      args: { spec: { replicas: 5 }, related: [statefulSet({}), ...claims('2Gi', '2Gi')] },
      want: [{ kind: 'ScalingOut', change: '3 → 5 pods of RedisReplication wandb-redis-replica' }],
    },
    {
      name: 'scale-out in flight: pods created one after the other',
      args: {
        spec: { replicas: 5 },
        related: [statefulSet({ replicas: 5, created: 4, ready: 3 }), ...claims('2Gi', '2Gi')],
      },
      want: [{ kind: 'ScalingOut', progress: /^StatefulSet wandb-redis-replica: 4 of 5 pods, 3 ready$/ }],
    },
    {
      name: 'sentinels scaled in',
      args: {
        spec: { sentinel: { enabled: true, replicas: 3 } },
        related: [
          statefulSet({}),
          statefulSet({ name: 'wandb-redis-sentinel', created: 5, image: SENTINEL_IMAGE }),
          ...claims('2Gi', '2Gi'),
        ],
      },
      want: [{ kind: 'ScalingIn', change: 'to 3 pods of RedisSentinel wandb-redis' }],
    },
    {
      name: 'a new image not yet in the StatefulSet',
      args: {
        spec: { version: 'v7.0.16' },
        related: [statefulSet({}), ...claims('2Gi', '2Gi')],
      },
      want: [
        { kind: 'Upgrading', progress: /^Opstree has not yet patched StatefulSet wandb-redis-replica$/ },
      ],
    },
    {
      name: 'a roll in flight: pods on the new revision counted',
      args: { related: [statefulSet({ revisions: ['r1', 'r2'], updated: 1 }), ...claims('2Gi', '2Gi')] },
      want: [{ kind: 'Upgrading', progress: /^StatefulSet wandb-redis-replica: 1 of 3 pods updated$/ }],
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    const spec = { size: 'small', redis: { enabled: true, ...args.spec } };
    const children = redis
      .desired(contextFor(redis, spec))
      .map((c) =>
        observedObject(
          c,
          c.kind === 'RedisReplication' && args.master !== false ? { status: { masterNode: 'm-0' } } : {},
        ),
      );
    const operations = redis.operations?.(contextFor(redis, spec, { children, related: args.related })) ?? [];
    expect(operations.map((o) => o.kind)).toEqual(want.map((w) => w.kind));
    for (const [i, w] of want.entries()) {
      if (w.change) expect(operations[i]?.change).toBe(w.change);
      if (w.progress) expect(operations[i]?.progress).toMatch(w.progress);
    }
  });
});
