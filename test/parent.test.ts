import { describe, expect, expectTypeOf, test } from 'vitest';
import type { z } from 'zod';
import { mysql } from '../compositions/components/mysql.js';
import { formatIssues } from '../compositions/issues.js';
import { WeightsAndBiasesSpec } from '../compositions/parent.js';
import { type ParentRef, resolveSpec } from '../compositions/presets.js';

const parent: ParentRef = {
  name: 'wandb',
  namespace: 'wandb',
  uid: 'u1',
  generation: 1,
  creationTimestamp: '',
};
const resolve = (spec: unknown) => resolveSpec(WeightsAndBiasesSpec.parse(spec), parent);
const problemsOf = (spec: unknown): string[] => {
  const parsed = WeightsAndBiasesSpec.safeParse(spec);
  return parsed.success ? [...resolveSpec(parsed.data, parent).problems] : formatIssues(parsed.error, 'spec');
};

describe('WeightsAndBiases spec schema', () => {
  test('retentionPolicy.onDelete is retain | purge | undefined (no schema default)', () => {
    expectTypeOf<z.output<typeof WeightsAndBiasesSpec>['retentionPolicy']>().toEqualTypeOf<
      { onDelete: 'retain' | 'purge' } | undefined
    >();
  });

  test('accepts a reference-shaped parent (autoCleanupEnabled, all five blocks, telemetry, replication config)', () => {
    const spec = {
      size: 'small',
      autoCleanupEnabled: false,
      wandb: {
        hostname: 'https://wandb.example.com',
        license: 'x',
        oidc: { clientId: 'a', clientSecret: 'b', issuerUrl: 'c', authMethod: 'pkce' },
      },
      mysql: {
        enabled: true,
        storageSize: '20Gi',
        replicas: 3,
        config: { resources: { requests: { cpu: '1', memory: '2Gi' } } },
        telemetry: { enabled: true },
      },
      redis: { enabled: true, sentinel: { enabled: true, config: { masterName: 'gorilla' } } },
      kafka: {
        enabled: true,
        config: {
          replicationConfig: {
            defaultReplicationFactor: 3,
            minInSyncReplicas: 2,
            offsetsTopicRF: 3,
            transactionStateRF: 3,
            transactionStateISR: 2,
          },
        },
      },
      minio: { enabled: true, config: { rootUser: 'admin', minioBrowserSetting: 'on' } },
      clickhouse: { enabled: true, version: '23.8', telemetry: {} },
    };
    expect(WeightsAndBiasesSpec.safeParse(spec).success).toBe(true);
  });

  test.each([
    [{ size: 'medium' }, 'spec.size: Invalid option: expected one of "dev"|"small"'],
    [{ mysql: { enabled: true, replicas: -1 } }, 'spec.mysql.replicas: Too small: expected number to be >=0'],
    [{ mysql: { enabled: 'yes' } }, 'spec.mysql.enabled: Invalid input: expected boolean, received string'],
    [
      { kafka: { enabled: true, replicas: 1.5 } },
      'spec.kafka.replicas: Invalid input: expected int, received number',
    ],
    [
      { redis: { enabled: true, sentinel: { enabled: true, replicas: 4 } } },
      'spec.redis.sentinel.replicas: must be odd',
    ],
    [{ minio: { enabled: true, typo: 1 } }, 'spec.minio: Unrecognized key: "typo"'],
    [
      { mysql: { enabled: true, config: { resources: { limits: { cpu: 'lots' } } } } },
      'spec.mysql.config.resources.limits.cpu',
    ],
  ])('rejects %j with "%s"', (spec, message) => {
    expect(problemsOf(spec).join('\n')).toContain(message);
  });
});

describe('resolveSpec: presets and policies', () => {
  test('dev is the default size, with the reference dev presets', () => {
    const { spec } = resolve({ mysql: { enabled: true } });
    expect(spec.size).toBe('dev');
    expect(spec.mysql).toMatchObject({ storageSize: '1Gi', replicas: 1, resources: undefined });
    expect(spec.redis.sentinel).toBe(false);
  });

  test('small fills the reference small presets', () => {
    const { spec } = resolve({ size: 'small' });
    expect(spec.mysql).toMatchObject({ storageSize: mysql.presets.small.storageSize, replicas: 3 });
    expect(spec.kafka.replication).toEqual({
      defaultReplicationFactor: 3,
      minInSyncReplicas: 2,
      offsetsTopicRF: 3,
      transactionStateRF: 3,
      transactionStateISR: 2,
    });
    expect(spec.minio.volumesPerServer).toBe(4);
    expect(spec.clickhouse.keeperReplicas).toBe(3);
    expect(spec.redis).toMatchObject({ sentinel: true, masterName: 'gorilla', sentinelReplicas: 3 });
  });

  test('a user-set sentinel flag wins over the size (the reference overwrote it)', () => {
    expect(
      resolve({ size: 'small', redis: { enabled: true, sentinel: { enabled: false } } }).spec.redis.sentinel,
    ).toBe(false);
    expect(
      resolve({ size: 'dev', redis: { enabled: true, sentinel: { enabled: true } } }).spec.redis.sentinel,
    ).toBe(true);
  });

  test('resources merge per key: user keys win, preset keys fill the gaps', () => {
    const { spec } = resolve({
      size: 'small',
      mysql: { enabled: true, config: { resources: { limits: { memory: '8Gi' } } } },
    });
    expect(spec.mysql.resources).toEqual({
      limits: { cpu: '1000m', memory: '8Gi' },
      requests: { cpu: '500m', memory: '1Gi' },
    });
  });

  test.each([
    [{}, 'retain'],
    [{ autoCleanupEnabled: false }, 'retain'],
    [{ autoCleanupEnabled: true }, 'purge'],
    [{ autoCleanupEnabled: true, retentionPolicy: { onDelete: 'retain' } }, 'retain'],
    [{ retentionPolicy: { onDelete: 'purge' } }, 'purge'],
    [
      {
        retentionPolicy: { onDelete: 'purge' },
        mysql: { enabled: true, retentionPolicy: { onDelete: 'retain' } },
      },
      'retain',
    ],
  ])('retention for mysql with %j → %s', (spec, policy) => {
    expect(resolve(spec).spec.mysql.retention).toBe(policy);
  });

  test('default base names are <parent>-<component> (ClickHouse: -ch), fitted to each budget with a stable hash', () => {
    const short = resolve({}).spec;
    expect([
      short.mysql.name,
      short.redis.name,
      short.kafka.name,
      short.minio.name,
      short.clickhouse.name,
    ]).toEqual(['wandb-mysql', 'wandb-redis', 'wandb-kafka', 'wandb-minio', 'wandb-ch']);
    const long = resolveSpec({}, { ...parent, name: 'a'.repeat(63) }).spec;
    expect(long.mysql.name.length).toBeLessThanOrEqual(14);
    expect(long.clickhouse.name.length).toBeLessThanOrEqual(15);
    expect(long.mysql.name).toMatch(/^a+-[0-9a-f]{5}$/);
    expect(resolveSpec({}, { ...parent, name: 'a'.repeat(63) }).spec.mysql.name).toBe(long.mysql.name);
    const digits = resolveSpec({}, { ...parent, name: '1.wandb' }).spec;
    expect(digits.redis.name).toBe('w1-wandb-redis');
  });

  test.each([
    [
      { mysql: { enabled: true, namespace: 'other' } },
      'spec.mysql.namespace "other" differs from the parent\'s namespace "wandb"',
    ],
    [
      { kafka: { enabled: true, storageSize: 'ten gigs' } },
      'spec.kafka.storageSize "ten gigs" is not a Kubernetes quantity',
    ],
    [
      { mysql: { enabled: true, name: 'a-very-long-mysql-name' } },
      'spec.mysql.name "a-very-long-mysql-name" is 22 characters; at most 14 fit',
    ],
    [{ redis: { enabled: true, name: 'Redis_1' } }, 'spec.redis.name "Redis_1" must be a DNS label'],
    [
      { mysql: { enabled: true, replicas: 2 } },
      'spec.mysql.replicas is 2; Percona XtraDB Cluster runs 1 (unsafe, dev), 3 or 5 nodes',
    ],
    [
      { kafka: { enabled: true, config: { replicationConfig: { defaultReplicationFactor: 3 } } } },
      'defaultReplicationFactor is 3 but kafka.replicas is 1',
    ],
  ])('%j is a problem: "%s"', (spec, message) => {
    expect(problemsOf(spec).join('\n')).toContain(message);
  });

  test('a disabled component is not checked (its namespace or size may be anything)', () => {
    expect(problemsOf({ mysql: { enabled: false, namespace: 'other', storageSize: 'x' } })).toEqual([]);
  });
});
