// Removal never applies what sync refuses (issue 12, items 6–8): phase 1 returns each observed child as
// last applied with only its retention knobs changed; a policy switched after deletion began is
// reported, not applied; a Kafka created paused over retained volumes can be removed.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { COMPONENTS } from '../compositions/components/index.js';
import { PURGE_FINALIZERS } from '../compositions/components/mysql.js';
import { freeze } from '../compositions/freeze.js';
import type { Child, KubeObject } from '../compositions/kube.js';
import type { RetentionMode } from '../compositions/presets.js';
import { reconcile, type SyncResult } from '../compositions/reconcile.js';
import { aParent, aSecret, NOW, parsedRequest, syncRequest } from './support/builders.js';
import { asObserved, desiredChildren, specChoice, toSpec } from './support/world.js';

type Options = {
  children?: readonly KubeObject[];
  related?: readonly KubeObject[];
  finalizing?: boolean;
  status?: unknown;
};
const run = (spec: unknown, options: Options = {}): SyncResult =>
  reconcile(
    parsedRequest(
      syncRequest(
        aParent(spec, {
          ...(options.status !== undefined ? { status: options.status } : {}),
          ...(options.finalizing ? { deletionTimestamp: NOW } : {}),
        }),
        {
          children: options.children ?? [],
          related: options.related ?? [],
          finalizing: options.finalizing ?? false,
        },
      ),
    ),
    { now: NOW },
  );

/**
 * Where each kind's retention knobs live, written down here independently of the code (decision 8,
 * shared/reference/infra-crds.md): a phase-1 child may differ from what was last applied only there.
 */
const KNOB_PATHS: Record<string, RegExp[]> = {
  PerconaXtraDBCluster: [/^metadata\.finalizers(\.\d+)?$/],
  KafkaNodePool: [/^spec\.storage\.volumes\.\d+\.deleteClaim$/],
  Redis: [/^spec\.storage\.keepAfterDelete$/],
  RedisReplication: [/^spec\.storage\.keepAfterDelete$/],
  ClickHouseInstallation: [/^spec\.templates\.volumeClaimTemplates\.\d+\.reclaimPolicy$/],
  ClickHouseKeeperInstallation: [/^spec\.templates\.volumeClaimTemplates\.\d+\.reclaimPolicy$/],
};

/**
 * Without a last-applied record a list knob brings the observed list (Metacontroller replaces lists
 * wholesale): the whole branch may then appear, and nothing else.
 */
const IDENTITY_KNOB_BRANCHES: Record<string, RegExp[]> = {
  PerconaXtraDBCluster: [/^metadata\.finalizers(\.\d+)?$/],
  KafkaNodePool: [/^spec\.storage\./],
  Redis: [/^spec\.storage\.keepAfterDelete$/],
  RedisReplication: [/^spec\.storage\.keepAfterDelete$/],
  ClickHouseInstallation: [/^spec\.templates\.volumeClaimTemplates\./],
  ClickHouseKeeperInstallation: [/^spec\.templates\.volumeClaimTemplates\./],
};

/** Every leaf path where `a` and `b` differ (arrays by index; a missing map reads as empty). */
function differences(a: unknown, b: unknown, path = ''): string[] {
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (a === undefined && isMap(b)) return differences(Array.isArray(b) ? [] : {}, b, path);
  if (isMap(a) && isMap(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => differences(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

const outsideKnobs = (child: Child, before: unknown, after: unknown, knobs = KNOB_PATHS) =>
  differences(before, after).filter((p) => !(knobs[child.kind] ?? []).some((r) => r.test(p)));

const ownerOf = (object: { apiVersion: string; kind: string }) => {
  const owner = COMPONENTS.find((c) =>
    c.kinds.some((k) => k.ref.kind === object.kind && k.ref.apiVersion === object.apiVersion),
  );
  if (!owner) throw new Error(`no component owns ${object.kind}`);
  return owner;
};

const ALL = {
  mysql: { enabled: true },
  redis: { enabled: true },
  kafka: { enabled: true },
  minio: { enabled: true },
  clickhouse: { enabled: true },
};
const opposite = (policy: RetentionMode): RetentionMode => (policy === 'retain' ? 'purge' : 'retain');

describe('withRetentionKnobs: only the knobs change (per component)', () => {
  const cases = (['dev', 'small'] as const).flatMap((size) =>
    (['retain', 'purge'] as const).flatMap((policy) =>
      desiredChildren({ size, retentionPolicy: { onDelete: opposite(policy) }, ...ALL }).map(
        (child) => [`${size} ${child.kind}`, policy, child] as const,
      ),
    ),
  );

  test.each(cases)('%s, created under the other policy, switched to %s', (_name, policy, child) => {
    const component = ownerOf(child);
    const observed = asObserved(child);
    const knobbed = component.withRetentionKnobs(freeze(observed), observed, policy);
    expect(outsideKnobs(child, freeze(observed), knobbed)).toEqual([]);
    const applied = component.appliedRetention(asObserved(knobbed));
    expect([policy, 'none']).toContain(applied);
    // A kind with knobs really carries them: the other policy's reading changed.
    if (KNOB_PATHS[child.kind]) expect(applied).toBe(policy);
    expect(component.knobsInEffect).toBeTypeOf('function');
  });

  test.each(cases)(
    '%s without a last-applied record (not made by us): identity plus the knobs, %s',
    (_name, policy, child) => {
      const component = ownerOf(child);
      const observed = asObserved(child, { lastApplied: false });
      const identity = freeze(observed);
      expect(Object.keys(identity)).toEqual(['apiVersion', 'kind', 'metadata']);
      const knobbed = component.withRetentionKnobs(identity, observed, policy);
      expect(knobbed.metadata.name).toBe(child.metadata.name);
      if (KNOB_PATHS[child.kind]) {
        expect(component.appliedRetention(asObserved(knobbed))).toBe(policy);
      } else {
        expect(knobbed).toEqual(identity);
      }
      // Nothing of the spec but the knob's own branch (a list knob brings its observed list).
      expect(outsideKnobs(child, identity, knobbed, IDENTITY_KNOB_BRANCHES)).toEqual([]);
    },
  );
});

describe('removal phase 1 never applies a refused edit (item 6)', () => {
  const pxcOf = (children: readonly Child[]) => {
    const pxc = children.find((c) => c.kind === 'PerconaXtraDBCluster');
    if (!pxc) throw new Error('no PXC');
    return pxc as Child & { spec: { pxc: { size: number }; tls: { enabled: boolean } } };
  };
  const live = { size: 'small', mysql: { enabled: true, replicas: 3 } } as const;
  const observedPxc = asObserved(pxcOf(desiredChildren(live)), {
    status: { state: 'ready', observedGeneration: 1 },
  });

  test.each([
    ['disabling', { ...live, mysql: { enabled: false, replicas: 1 } }, false],
    ['deleting the parent', { ...live, mysql: { enabled: true, replicas: 1 } }, true],
  ])(
    '%s with mysql.replicas 3 → 1: the PXC stays size 3 with TLS on, only the purge finalizers added',
    (_name, spec, finalizing) => {
      const result = run(
        { ...spec, retentionPolicy: { onDelete: 'purge' } },
        { children: [observedPxc], finalizing },
      );
      const pxc = pxcOf(result.children);
      expect(pxc.spec.pxc.size).toBe(3);
      expect(pxc.spec.tls.enabled).toBe(true);
      expect(pxc.metadata.finalizers).toEqual(['percona.com/delete-pxc-pods-in-order', ...PURGE_FINALIZERS]);
      expect(outsideKnobs(pxc, freeze(observedPxc), pxc)).toEqual([]);
    },
  );

  test('property: phase-1 children depend only on the observed children and the policy, never on other spec edits', () => {
    const edit = fc.record({
      size: fc.constantFrom('dev', 'small'),
      telemetry: fc.boolean(),
      sentinel: fc.boolean(),
    });
    fc.assert(
      fc.property(specChoice, edit, fc.boolean(), fc.boolean(), (choice, change, finalizing, lastApplied) => {
        const base = toSpec(choice);
        const observed = desiredChildren(base).map((c) => asObserved(c, { lastApplied }));
        // The same policy, anything else edited; every component disabled unless the parent is deleted.
        const edited = toSpec({
          ...choice,
          size: change.size,
          telemetry: change.telemetry,
          sentinel: change.sentinel,
          enabled: Object.fromEntries(
            Object.keys(choice.enabled).map((n) => [n, finalizing]),
          ) as typeof choice.enabled,
        });
        const disabled = toSpec({
          ...choice,
          enabled: Object.fromEntries(
            Object.keys(choice.enabled).map((n) => [n, finalizing]),
          ) as typeof choice.enabled,
        });
        const after = run(edited, { children: observed, finalizing, related: [] });
        const unchanged = run(disabled, { children: observed, finalizing, related: [] });
        expect(after.children).toEqual(unchanged.children);
        for (const child of after.children) {
          const source = observed.find(
            (o) => o.kind === child.kind && o.metadata.name === child.metadata.name,
          );
          expect(source, `${child.kind} ${child.metadata.name} was observed`).toBeDefined();
          const knobs = lastApplied ? KNOB_PATHS : IDENTITY_KNOB_BRANCHES;
          if (source) expect(outsideKnobs(child, freeze(source), child, knobs)).toEqual([]);
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe('a policy switched after phase 2 began (item 7)', () => {
  const spec = (policy: RetentionMode) => ({
    redis: { enabled: false },
    retentionPolicy: { onDelete: policy },
  });
  const replication = () => {
    const child = desiredChildren({ redis: { enabled: true }, retentionPolicy: { onDelete: 'retain' } }).find(
      (c) => c.kind === 'Redis',
    );
    if (!child) throw new Error('no Redis');
    return child;
  };
  const removal = (result: SyncResult) =>
    result.status.redisStatus?.conditions?.find((c) => c.type === 'RedisRemoval');

  test('children omitted under retain, then purge: still omitted, and the status says the deletion runs with retain', () => {
    const redis = asObserved(replication());
    const phase1 = run(spec('retain'), { children: [redis] });
    const phase2 = run(spec('retain'), { children: [redis], status: phase1.status });
    expect(phase2.children).toEqual([]);
    const switched = run(spec('purge'), { children: [redis], status: phase2.status });
    expect(switched.children).toEqual([]);
    expect(removal(switched)).toMatchObject({ reason: 'Deleting' });
    expect(removal(switched)?.message).toContain(
      'the retention policy is now purge, but Redis wandb-redis was already being deleted and knobs cannot change ' +
        'on an object being deleted, so the deletion runs with retain: volumes kept: storage.keepAfterDelete is true',
    );
  });

  test('a child terminating during phase 1 (kubectl delete) is not waited on for knobs it can no longer take', () => {
    const redis = asObserved(replication());
    const terminating = { ...redis, metadata: { ...redis.metadata, deletionTimestamp: NOW } } as KubeObject;
    const first = run(spec('purge'), { children: [terminating] });
    expect(removal(first)?.message).not.toContain('waiting until the purge knobs are in effect');
    expect(removal(first)?.message).toContain('so the deletion runs with retain');
    const second = run(spec('purge'), { children: [terminating], status: first.status });
    expect(removal(second)).toMatchObject({ reason: 'Deleting' });
    expect(second.children).toEqual([]);
  });
});

describe('removing a Kafka created paused over retained volumes (item 8)', () => {
  const pvc = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data-0-wandb-kafka-wandb-kafka-node-pool-0', namespace: 'wandb', uid: 'pvc-0' },
  } as KubeObject;
  const recorded = aSecret('wandb-kafka-cluster-id', { clusterId: 'OLD-ID' });
  const kafkaSpec = (policy: RetentionMode) => ({
    kafka: { enabled: true },
    retentionPolicy: { onDelete: policy },
  });
  /** The Kafka and pool a re-created parent made over the volume: paused, never reconciled by Strimzi. */
  const pausedChildren = (policy: RetentionMode) => {
    const created = run(kafkaSpec(policy), { related: [pvc, recorded] }).children;
    expect(created.find((c) => c.kind === 'Kafka')?.metadata.annotations).toEqual({
      'strimzi.io/pause-reconciliation': 'true',
    });
    return created.map((c) =>
      asObserved(c, {
        status:
          c.kind === 'Kafka' ? { conditions: [{ type: 'ReconciliationPaused', status: 'True' }] } : undefined,
      }),
    );
  };
  const kafkaCondition = (result: SyncResult, type: string) =>
    result.status.kafkaStatus?.conditions?.find((c) => c.type === type);
  const deleteTwice = (policy: RetentionMode, related: KubeObject[]) => {
    const children = pausedChildren(policy);
    const first = run(kafkaSpec(policy), { children, related, finalizing: true });
    const second = run(kafkaSpec(policy), { children, related, finalizing: true, status: first.status });
    return { first, second };
  };

  test('retain: the pool is not waited on (it owns no volume), and the status keeps explaining the volumes', () => {
    const { first, second } = deleteTwice('retain', [pvc, recorded]);
    expect(first.children.map((c) => c.kind).sort()).toEqual(['Kafka', 'KafkaNodePool']);
    expect(second.children).toEqual([]);
    expect(kafkaCondition(second, 'KafkaRemoval')).toMatchObject({ reason: 'Deleting' });
    expect(kafkaCondition(second, 'KafkaRetainedVolumes')?.message).toBe(
      'Kafka wandb-kafka was created paused over retained volumes data-0-wandb-kafka-wandb-kafka-node-pool-0 and ' +
        'never ran: they are not its volumes, so removing it leaves them, and Secret wandb-kafka-cluster-id with ' +
        'them; a parent that names wandb-kafka again finds them',
    );
  });

  test('purge: never unpaused, and removal waits for the user, who is told both ways out', () => {
    const { second } = deleteTwice('purge', [pvc, recorded]);
    expect(second.children.map((c) => c.kind).sort()).toEqual(['Kafka', 'KafkaNodePool']);
    const kafkaCr = second.children.find((c) => c.kind === 'Kafka');
    expect(kafkaCr?.metadata.annotations?.['strimzi.io/pause-reconciliation']).toBe('true');
    expect(second.finalized).toBe(false);
    expect(kafkaCondition(second, 'KafkaRetainedVolumes')).toMatchObject({ reason: 'PurgeWaitsForUser' });
    const message = kafkaCondition(second, 'KafkaRetainedVolumes')?.message ?? '';
    expect(message).toContain(
      'To delete them: kubectl delete pvc -n wandb data-0-wandb-kafka-wandb-kafka-node-pool-0.',
    );
    expect(message).toContain(
      `To keep them instead: kubectl patch wandb wandb -n wandb --type=merge -p '{"spec":{"kafka":{"retentionPolicy":{"onDelete":"retain"}}}}'`,
    );
  });

  test('purge, once the user deleted the volumes: removal goes on', () => {
    const { second } = deleteTwice('purge', []);
    expect(second.children).toEqual([]);
  });

  test('a pool reconciled once and paused later is still waited on (it may own PVCs)', () => {
    const children = pausedChildren('retain').map((o) =>
      o.kind === 'KafkaNodePool'
        ? ({
            ...o,
            metadata: { ...o.metadata, generation: 2 },
            status: { observedGeneration: 1 },
          } as KubeObject)
        : o,
    );
    const first = run(kafkaSpec('retain'), { children, related: [pvc], finalizing: true });
    const second = run(kafkaSpec('retain'), {
      children,
      related: [pvc],
      finalizing: true,
      status: first.status,
    });
    expect(second.children.map((c) => c.kind)).toContain('KafkaNodePool');
  });
});
