import { describe, expect, test, vi } from 'vitest';
import {
  assertValidAgainstCrd,
  type CrdValidationResult,
  servedKinds,
  validateAgainstCrd,
} from './support/crd-validator.js';

// Hand-written minimal objects (not upstream examples). Each builder returns a fresh object so tests
// can mutate it.

const kafka = (kafkaSpec: Record<string, unknown> = {}) => ({
  apiVersion: 'kafka.strimzi.io/v1',
  kind: 'Kafka',
  metadata: {
    name: 'wandb-kafka',
    namespace: 'wandb',
    labels: { 'app.kubernetes.io/part-of': 'wandb' } as Record<string, string>,
  },
  spec: {
    kafka: {
      listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }],
      ...kafkaSpec,
    },
  },
});

const nodePool = (spec: Record<string, unknown>) => ({
  apiVersion: 'kafka.strimzi.io/v1',
  kind: 'KafkaNodePool',
  metadata: { name: 'wandb-kafka-pool', labels: { 'strimzi.io/cluster': 'wandb-kafka' } },
  spec,
});

const clickhouse = (configuration: Record<string, unknown>) => ({
  apiVersion: 'clickhouse.altinity.com/v1',
  kind: 'ClickHouseInstallation',
  metadata: { name: 'wandb-clickhouse' },
  spec: { configuration },
});

const tenantPool = (pool: Record<string, unknown> = {}) => ({
  name: 'pool-0',
  servers: 1,
  volumesPerServer: 2,
  volumeClaimTemplate: {
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
  },
  ...pool,
});

const tenant = (pool: Record<string, unknown>) => ({
  apiVersion: 'minio.min.io/v2',
  kind: 'Tenant',
  metadata: { name: 'wandb-minio' },
  spec: { pools: [pool] },
});

const percona = (extra: Record<string, unknown> = {}, pxc: Record<string, unknown> = {}) => ({
  apiVersion: 'pxc.percona.com/v1',
  kind: 'PerconaXtraDBCluster',
  metadata: { name: 'wandb-mysql' },
  spec: { crVersion: '1.18.0', pxc: { size: 1, image: 'percona/percona-xtradb-cluster:8.0', ...pxc } },
  ...extra,
});

const redis = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'redis.redis.opstreelabs.in/v1beta2',
  kind: 'Redis',
  metadata: { name: 'wandb-redis' },
  spec: { kubernetesConfig: { image: 'quay.io/opstree/redis:v7.0.15' } },
  ...extra,
});

function errorsOf(result: CrdValidationResult): string[] {
  return result.valid ? [] : result.errors;
}

describe('Strimzi Kafka v1', () => {
  test('minimal Kafka with one internal listener → valid', () => {
    expect(validateAgainstCrd(kafka())).toEqual({ valid: true });
  });

  test('spec.kafka.replicas (removed in v1) → rejected as unknown field', () => {
    const result = validateAgainstCrd(kafka({ replicas: 3 }));
    expect(result.valid).toBe(false);
    expect(errorsOf(result)).toContain('spec.kafka.replicas: must NOT have additional properties (replicas)');
  });

  test('spec.kafka.config is preserve-unknown → arbitrary broker settings accepted', () => {
    const result = validateAgainstCrd(
      kafka({ config: { 'offsets.topic.replication.factor': 1, any: { x: 1 } } }),
    );
    expect(result).toEqual({ valid: true });
  });

  test('bad listener type → error with indexed path and allowed values', () => {
    const result = validateAgainstCrd(
      kafka({ listeners: [{ name: 'plain', port: 9092, type: 'internl', tls: false }] }),
    );
    const errors = errorsOf(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^spec\.kafka\.listeners\[0\]\.type: must be equal to one of the allowed values/,
    );
    expect(errors[0]).toContain('"internal"');
  });

  test('deprecated but served v1beta2 still accepts spec.kafka.replicas', () => {
    const object = {
      ...kafka({ replicas: 3, storage: { type: 'ephemeral' } }),
      apiVersion: 'kafka.strimzi.io/v1beta2',
    };
    expect(validateAgainstCrd(object)).toEqual({ valid: true });
  });
});

describe('Strimzi KafkaNodePool v1', () => {
  const storage = {
    type: 'jbod',
    volumes: [{ id: 0, type: 'persistent-claim', size: '5Gi', deleteClaim: false }],
  };

  test('replicas, roles and jbod storage → valid', () => {
    expect(validateAgainstCrd(nodePool({ replicas: 3, roles: ['broker', 'controller'], storage }))).toEqual({
      valid: true,
    });
  });

  test('missing roles → required-property error', () => {
    const result = validateAgainstCrd(nodePool({ replicas: 3, storage }));
    expect(errorsOf(result)).toEqual(["spec: must have required property 'roles'"]);
  });

  test('unknown role → enum error', () => {
    const result = validateAgainstCrd(nodePool({ replicas: 1, roles: ['leader'], storage }));
    expect(errorsOf(result)[0]).toMatch(/^spec\.roles\[0\]: must be equal to one of the allowed values/);
  });
});

describe('Altinity ClickHouseInstallation v1', () => {
  test('cluster name longer than 15 characters → maxLength and pattern errors', () => {
    const result = validateAgainstCrd(clickhouse({ clusters: [{ name: 'a-very-long-cluster-name' }] }));
    const errors = errorsOf(result);
    expect(
      errors.some((e) => e.startsWith('spec.configuration.clusters[0].name: must NOT have more than 15')),
    ).toBe(true);
    expect(errors.some((e) => e.startsWith('spec.configuration.clusters[0].name: must match pattern'))).toBe(
      true,
    );
  });

  test('configuration.users with arbitrary nested keys (preserve-unknown) → valid', () => {
    const result = validateAgainstCrd(
      clickhouse({
        clusters: [{ name: 'wandb', layout: { shardsCount: 1, replicasCount: 1 } }],
        users: {
          'wandb/password': 'x',
          'wandb/networks': { ip: ['::/0'] },
          nested: { deeper: { deepest: [1, 2] } },
        },
      }),
    );
    expect(result).toEqual({ valid: true });
  });

  test('unknown key next to the preserve-unknown nodes (configuration.userz) → rejected', () => {
    const result = validateAgainstCrd(clickhouse({ userz: {} }));
    expect(errorsOf(result)).toEqual([
      'spec.configuration.userz: must NOT have additional properties (userz)',
    ]);
  });
});

describe('Percona PerconaXtraDBCluster', () => {
  test('v1 root is preserve-unknown → extra top-level fields accepted', () => {
    const result = validateAgainstCrd(percona({ futureField: { anything: [1, 'two'] }, another: true }));
    expect(result).toEqual({ valid: true });
  });

  test('v1 spec itself is strict (preserve-unknown applies to the root node only) → unknown spec field rejected', () => {
    const object = percona();
    (object.spec as Record<string, unknown>).notAField = 1;
    expect(errorsOf(validateAgainstCrd(object))).toEqual([
      'spec.notAField: must NOT have additional properties (notAField)',
    ]);
  });

  test('deprecated served v1-11-0 has a preserve-unknown spec → any spec accepted', () => {
    const object = { ...percona(), apiVersion: 'pxc.percona.com/v1-11-0', spec: { whatever: { x: 1 } } };
    expect(validateAgainstCrd(object)).toEqual({ valid: true });
  });

  test('listed but not served version v1-9-0 → no CRD serves it', () => {
    const result = validateAgainstCrd({ ...percona(), apiVersion: 'pxc.percona.com/v1-9-0' });
    expect(errorsOf(result)[0]).toMatch(/^no CRD serves pxc\.percona\.com\/v1-9-0 PerconaXtraDBCluster/);
  });
});

describe('MinIO Tenant v2', () => {
  test('pool with all required fields → valid', () => {
    expect(validateAgainstCrd(tenant(tenantPool()))).toEqual({ valid: true });
  });

  test('pool missing volumesPerServer → required-property error', () => {
    const { volumesPerServer: _omitted, ...pool } = tenantPool();
    expect(errorsOf(validateAgainstCrd(tenant(pool)))).toEqual([
      "spec.pools[0]: must have required property 'volumesPerServer'",
    ]);
  });

  test('servers beyond int32 → format error', () => {
    const result = validateAgainstCrd(tenant(tenantPool({ servers: 2 ** 31 })));
    expect(errorsOf(result)).toEqual(['spec.pools[0].servers: must match format "int32" (got 2147483648)']);
  });

  test('duplicate key in a list-type map (resources.claims by name) → rejected', () => {
    const pool = tenantPool({ resources: { claims: [{ name: 'gpu' }, { name: 'gpu' }] } });
    expect(errorsOf(validateAgainstCrd(tenant(pool)))[0]).toMatch(
      /^spec\.pools\[0\]\.resources\.claims: must have unique list-map keys/,
    );
  });
});

describe('x-kubernetes-int-or-string (resource quantities)', () => {
  test.each([
    ['number', 2],
    ['string', '500m'],
  ])('Tenant pool resources.requests.cpu as %s → valid', (_label, cpu) => {
    const pool = tenantPool({
      resources: { requests: { cpu, memory: '4Gi' }, limits: { memory: 4294967296 } },
    });
    expect(validateAgainstCrd(tenant(pool))).toEqual({ valid: true });
  });

  test.each([
    ['number', 1],
    ['string', '1G'],
  ])('Percona pxc.resources.requests.memory as %s → valid', (_label, memory) => {
    expect(validateAgainstCrd(percona({}, { resources: { requests: { cpu: '600m', memory } } }))).toEqual({
      valid: true,
    });
  });

  test('fractional number (not an integer) → type error', () => {
    const result = validateAgainstCrd(percona({}, { resources: { requests: { cpu: 0.5 } } }));
    expect(errorsOf(result)).toEqual(['spec.pxc.resources.requests.cpu: must be integer,string (got 0.5)']);
  });

  test('string that is not a quantity → pattern error', () => {
    const result = validateAgainstCrd(percona({}, { resources: { requests: { cpu: 'lots' } } }));
    expect(errorsOf(result)[0]).toMatch(/^spec\.pxc\.resources\.requests\.cpu: must match pattern/);
  });
});

describe('apiVersion, kind and metadata', () => {
  test('unknown kind → "no CRD serves" error', () => {
    const result = validateAgainstCrd({ ...kafka(), kind: 'KafkaConnectz' });
    expect(result).toEqual({ valid: false, errors: ['no CRD serves kafka.strimzi.io/v1 KafkaConnectz'] });
  });

  test('unknown version of a known kind → "no CRD serves" error', () => {
    const result = validateAgainstCrd({ ...kafka(), apiVersion: 'kafka.strimzi.io/v2' });
    expect(result).toEqual({ valid: false, errors: ['no CRD serves kafka.strimzi.io/v2 Kafka'] });
  });

  test('kind with the wrong case → no match (exact match required)', () => {
    expect(errorsOf(validateAgainstCrd({ ...kafka(), kind: 'kafka' }))).toEqual([
      'no CRD serves kafka.strimzi.io/v1 kafka',
    ]);
  });

  test('not an object / no apiVersion → error', () => {
    expect(validateAgainstCrd(null).valid).toBe(false);
    expect(validateAgainstCrd({ kind: 'Kafka' }).valid).toBe(false);
  });

  test('metadata.name with uppercase letters → pattern error', () => {
    const object = kafka();
    object.metadata.name = 'Wandb-Kafka';
    expect(errorsOf(validateAgainstCrd(object))[0]).toMatch(/^metadata\.name: must match pattern/);
  });

  test('missing metadata.name → required-property error', () => {
    const { metadata: _m, ...object } = kafka();
    expect(errorsOf(validateAgainstCrd({ ...object, metadata: {} }))).toEqual([
      "metadata: must have required property 'name'",
    ]);
  });

  test('label value over 63 characters and invalid label key → both reported', () => {
    const object = kafka();
    object.metadata.labels = { 'app.kubernetes.io/part-of': 'x'.repeat(64), 'bad key!': 'v' };
    const errors = errorsOf(validateAgainstCrd(object));
    expect(errors).toContain(
      'metadata.labels["app.kubernetes.io/part-of"]: must NOT have more than 63 characters (got "' +
        `${'x'.repeat(56)}...)`,
    );
    expect(errors).toContain(
      'metadata.labels["bad key!"]: must match format "k8s-qualified-name" (got "bad key!")',
    );
  });

  test('server-populated metadata field (uid) → rejected; annotations and finalizers → accepted', () => {
    const object = kafka();
    expect(
      validateAgainstCrd({
        ...object,
        metadata: { ...object.metadata, annotations: { 'example.com/note': 'a b c' }, finalizers: ['x/y'] },
      }),
    ).toEqual({ valid: true });
    expect(errorsOf(validateAgainstCrd({ ...object, metadata: { ...object.metadata, uid: 'abc' } }))).toEqual(
      ['metadata.uid: must NOT have additional properties (uid)'],
    );
  });
});

describe('status subtrees', () => {
  // Opstree Redis v1beta2 declares `status: {type: object}` with no properties, no additionalProperties
  // and no x-kubernetes-preserve-unknown-fields. The API server prunes every field below such a node, so
  // under fieldValidation=Strict `status.state` is an unknown field. The validator treats it the same way.
  test('Redis with status.state → rejected as unknown field', () => {
    const result = validateAgainstCrd(redis({ status: { state: 'Ready' } }));
    expect(errorsOf(result)).toEqual(['status.state: must NOT have additional properties (state)']);
  });

  test('Redis with an empty status → valid', () => {
    expect(validateAgainstCrd(redis({ status: {} }))).toEqual({ valid: true });
  });
});

describe('assertValidAgainstCrd', () => {
  test('valid object → does not throw', () => {
    expect(() => assertValidAgainstCrd(kafka())).not.toThrow();
  });

  test('invalid object → throws listing kind, name and every error', () => {
    expect(() => assertValidAgainstCrd(kafka({ replicas: 3 }))).toThrowError(
      'Kafka wandb-kafka (kafka.strimzi.io/v1) is not valid against its CRD:\n' +
        '  - spec.kafka.replicas: must NOT have additional properties (replicas)',
    );
  });
});

describe('servedKinds', () => {
  test('lists every served version with plural and scope, and no unserved version', () => {
    const kinds = servedKinds();
    expect(kinds).toContainEqual({
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      plural: 'kafkas',
      namespaced: true,
    });
    expect(kinds).toContainEqual({
      apiVersion: 'metacontroller.k8s.io/v1alpha1',
      kind: 'CompositeController',
      plural: 'compositecontrollers',
      namespaced: false,
    });
    expect(kinds.map((k) => `${k.apiVersion} ${k.kind}`)).toEqual(
      expect.arrayContaining([
        'clickhouse.altinity.com/v1 ClickHouseInstallation',
        'clickhouse-keeper.altinity.com/v1 ClickHouseKeeperInstallation',
        'kafka.strimzi.io/v1 KafkaNodePool',
        'kafka.strimzi.io/v1 KafkaTopic',
        'minio.min.io/v2 Tenant',
        'pxc.percona.com/v1 PerconaXtraDBCluster',
        'redis.redis.opstreelabs.in/v1beta2 Redis',
        'redis.redis.opstreelabs.in/v1beta2 RedisReplication',
        'redis.redis.opstreelabs.in/v1beta2 RedisSentinel',
        'metacontroller.k8s.io/v1alpha1 DecoratorController',
      ]),
    );
    expect(kinds.some((k) => k.apiVersion === 'pxc.percona.com/v1-9-0')).toBe(false);
  });
});

describe('caching', () => {
  test('validating an already compiled kind again → fast and same result', () => {
    const first = validateAgainstCrd(kafka());
    const start = performance.now();
    const runs = 100;
    for (let i = 0; i < runs; i++) expect(validateAgainstCrd(kafka())).toEqual(first);
    // Loose sanity check, not a benchmark: a recompile would take hundreds of milliseconds.
    expect((performance.now() - start) / runs).toBeLessThan(5);
  });

  test('WANDB_SHARED_DIR pointing nowhere → clear error from a fresh module instance', async () => {
    vi.stubEnv('WANDB_SHARED_DIR', '/nonexistent/shared');
    vi.resetModules();
    try {
      const fresh = await import('./support/crd-validator.js');
      expect(() => fresh.servedKinds()).toThrowError(
        /\/nonexistent\/shared\/crds does not exist.*WANDB_SHARED_DIR/,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
