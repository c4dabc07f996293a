// The WeightsAndBiases (apps.wandb.com/v2) API: the single source of the parent schema. The CRD in
// manifests/crd.yaml is generated from it (scripts/manifests.ts) and a test fails on drift.
// Field names and meanings follow the reference operator at d49cd81e (api/v2/weightsandbiases_types.go);
// additions are marked "Addition" in their descriptions and listed in docs/decisions.md.
import { z } from 'zod';

/** CEL rules on one field's own value. The transition rules are in admission.ts, on the object's root. */
const celRules = (rules: Array<{ rule: string; message: string }>) => ({ 'x-kubernetes-validations': rules });

// Kubernetes' own quantity pattern (as in corev1.ResourceRequirements).
const QUANTITY_PATTERN =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

const ResourceQuantity = z
  .union([z.number().int(), z.string().regex(QUANTITY_PATTERN)])
  .meta({ 'x-kubernetes-int-or-string': true });

export const ResourceRequirements = z
  .strictObject({
    limits: z
      .record(z.string(), ResourceQuantity)
      .optional()
      .describe('Limits describes the maximum amount of compute resources allowed.'),
    requests: z
      .record(z.string(), ResourceQuantity)
      .optional()
      .describe('Requests describes the minimum amount of compute resources required.'),
    claims: z
      .array(z.strictObject({ name: z.string(), request: z.string().optional() }))
      .optional()
      .describe(
        'Claims lists the names of resources, defined in spec.resourceClaims, used by this container.',
      ),
  })
  .describe('ResourceRequirements describes the compute resource requirements.');
export type ResourceRequirements = z.infer<typeof ResourceRequirements>;

export const RetentionPolicy = z
  .strictObject({
    onDelete: z
      .enum(['retain', 'purge'])
      .describe(
        'What happens to data volumes and credentials when the component is removed (parent deleted or enabled: false): ' +
          'retain keeps them for a later parent to reuse; purge deletes them.',
      ),
  })
  .describe(
    'Addition. Retention of data when the component is removed. Resolved in the hook: the per-component policy, ' +
      'then spec.retentionPolicy, then purge if autoCleanupEnabled is true, else retain.',
  );
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;

const Telemetry = z
  .strictObject({ enabled: z.boolean().default(true) })
  .describe('Telemetry defines telemetry configuration for infrastructure components');

// A Kubernetes quantity without a sign, or empty (the preset, as the reference's webhook read it). In
// the CRD only: the hook reports a value that is not a quantity as InvalidSpec, for objects admitted
// before the pattern existed. maxLength bounds the cost of the CEL rules that read it.
const STORAGE_SIZE_PATTERN =
  /^$|^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

const StorageSize = z
  .string()
  .meta({ pattern: STORAGE_SIZE_PATTERN.source, maxLength: 64 })
  .describe('Size of each data volume, as a Kubernetes quantity (e.g. 10Gi). Defaults from spec.size.');

const componentFields = {
  enabled: z.boolean().describe('Whether the hooks run this component.'),
  name: z
    .string()
    .optional()
    .describe(
      'Base name of the component\'s custom resources (the reference\'s suffixes are added, e.g. "<name>-cluster" for ' +
        'Percona). Defaults to "<parent>-<component>", shortened with a stable hash when an operator limit requires it.',
    ),
  namespace: z
    .string()
    .optional()
    .describe(
      "Must be empty or the parent's namespace: Metacontroller keeps children in the parent's namespace.",
    ),
  storageSize: StorageSize.optional(),
  telemetry: Telemetry.optional(),
  retentionPolicy: RetentionPolicy.optional(),
} as const;

const Replicas = z.number().int().min(0).max(2147483647);

export const MySQLSpec = z.strictObject({
  ...componentFields,
  replicas: Replicas.optional().describe(
    'Number of Percona XtraDB Cluster nodes (1, 3 or 5). 0 means the preset.',
  ),
  config: z.strictObject({ resources: ResourceRequirements.optional() }).optional(),
});

export const RedisSpec = z.strictObject({
  ...componentFields,
  replicas: z
    .number()
    .int()
    .min(2)
    .max(2147483647)
    .optional()
    .describe('Addition. Redis servers in the replication (sentinel mode only); at least 2. Default 3.'),
  config: z.strictObject({ resources: ResourceRequirements.optional() }).optional(),
  sentinel: z
    .strictObject({
      enabled: z
        .boolean()
        .describe(
          'Run a RedisReplication watched by a RedisSentinel instead of a standalone Redis. Fixed once set.',
        ),
      replicas: z
        .number()
        .int()
        .min(3)
        .max(2147483647)
        .refine((n) => n % 2 === 1, 'must be odd')
        .meta(celRules([{ rule: 'self % 2 == 1', message: 'redis.sentinel.replicas must be odd' }]))
        .optional()
        .describe('Addition. Number of sentinels: odd and at least 3 (quorum is a majority). Default 3.'),
      config: z
        .strictObject({
          masterName: z.string().optional().describe('Sentinel master group name. Default "gorilla".'),
          resources: ResourceRequirements.optional(),
        })
        .optional(),
    })
    .optional(),
});

export const KafkaSpec = z.strictObject({
  ...componentFields,
  replicas: Replicas.optional().describe(
    'Number of Kafka nodes. Never shrinks (refused at admission). Growth is admitted, but the hooks refuse any ' +
      'change of a running Kafka (InvalidSpec) until they add broker-only nodes: its one pool holds the KRaft ' +
      'controllers, which Strimzi 0.49 cannot scale.',
  ),
  config: z
    .strictObject({
      resources: ResourceRequirements.optional(),
      replicationConfig: z
        .strictObject({
          defaultReplicationFactor: z.number().int().optional().describe('default.replication.factor'),
          minInSyncReplicas: z.number().int().optional().describe('min.insync.replicas'),
          offsetsTopicRF: z.number().int().optional().describe('offsets.topic.replication.factor'),
          transactionStateRF: z
            .number()
            .int()
            .optional()
            .describe(
              'transaction.state.log.replication.factor (the reference swapped these two tags; fixed here)',
            ),
          transactionStateISR: z.number().int().optional().describe('transaction.state.log.min.isr'),
        })
        .optional(),
    })
    .optional(),
});

export const MinioSpec = z.strictObject({
  ...componentFields,
  replicas: Replicas.optional().describe(
    'MinIO servers in the pool. Fixed once set: MinIO pools cannot be resized.',
  ),
  config: z
    .strictObject({
      resources: ResourceRequirements.optional(),
      rootUser: z.string().optional().describe('Root user name. Default "admin".'),
      minioBrowserSetting: z
        .string()
        .optional()
        .describe('MINIO_BROWSER value ("on" or "off"). Default "on".'),
    })
    .optional(),
});

export const ClickHouseSpec = z.strictObject({
  ...componentFields,
  replicas: Replicas.optional().describe(
    'ClickHouse replicas in one shard; above 1 a ClickHouse Keeper is added.',
  ),
  version: z.string().optional().describe('ClickHouse server version (image tag). Default from spec.size.'),
  config: z.strictObject({ resources: ResourceRequirements.optional() }).optional(),
});

export const WandbAppSpec = z
  .strictObject({
    hostname: z.string(),
    license: z.string().optional(),
    additionalHostnames: z.array(z.string()).optional(),
    oidc: z
      .strictObject({
        clientId: z.string(),
        clientSecret: z.string(),
        issuerUrl: z.string(),
        authMethod: z.string(),
      })
      .optional()
      .describe('OpenID Connect settings for the W&B application.'),
  })
  .describe('WandbAppSpec defines the configuration for the Wandb application deployment.');

export const SIZES = ['dev', 'small'] as const;
export type Size = (typeof SIZES)[number];
export const DEFAULT_SIZE: Size = 'dev';

export const WeightsAndBiasesSpec = z
  .strictObject({
    size: z
      .enum(SIZES)
      // Bounds the cost of the CEL rules that read it (an enum alone does not).
      .meta({ maxLength: Math.max(...SIZES.map((s) => s.length)) })
      .optional()
      .describe('Size preset for every component: dev or small. Default dev. Fixed once the parent exists.'),
    autoCleanupEnabled: z
      .boolean()
      .optional()
      .describe(
        'Reference field. true purges data when the parent is deleted, unless a retentionPolicy says otherwise; ' +
          'false (default) retains it.',
      ),
    retentionPolicy: RetentionPolicy.optional(),
    wandb: WandbAppSpec.optional(),
    mysql: MySQLSpec.optional(),
    redis: RedisSpec.optional(),
    kafka: KafkaSpec.optional(),
    minio: MinioSpec.optional(),
    clickhouse: ClickHouseSpec.optional(),
  })
  .describe('WeightsAndBiasesSpec defines the desired state of WeightsAndBiases.');
export type WeightsAndBiasesSpec = z.infer<typeof WeightsAndBiasesSpec>;

// ---- status ----------------------------------------------------------------------------------

export const Condition = z.strictObject({
  type: z.string().max(316),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
  message: z.string().max(32768),
  lastTransitionTime: z.string().describe('RFC 3339 time of the last change of status.'),
  observedGeneration: z.number().int().min(0).optional(),
});
export type Condition = z.infer<typeof Condition>;

export const STATES = [
  'Healthy',
  'Degraded',
  'Unavailable',
  'Pending',
  'Error',
  'Unknown',
  'Disabled',
] as const;
export type State = (typeof STATES)[number];

const SecretKeySelector = z.strictObject({
  name: z.string().default(''),
  key: z.string(),
  optional: z.boolean().optional(),
});

export const ComponentStatus = z.strictObject({
  ready: z.boolean(),
  state: z.enum(STATES).optional(),
  conditions: z.array(Condition).optional(),
  connection: z.strictObject({ url: SecretKeySelector.optional() }).optional(),
});
export type ComponentStatus = z.infer<typeof ComponentStatus>;

export const WeightsAndBiasesStatus = z
  .strictObject({
    ready: z.boolean().describe('True when every enabled component is ready.'),
    observedGeneration: z.number().int().optional().describe('Set by Metacontroller to metadata.generation.'),
    conditions: z
      .array(Condition)
      .optional()
      .describe('Addition. Ready, with the blocking components and why.'),
    mysqlStatus: ComponentStatus.optional(),
    redisStatus: ComponentStatus.optional(),
    kafkaStatus: ComponentStatus.optional(),
    minioStatus: ComponentStatus.optional(),
    clickhouseStatus: ComponentStatus.optional(),
    generatedSecrets: z
      .record(z.string(), SecretKeySelector)
      .optional()
      .describe('Reference field; unused here.'),
  })
  .describe('WeightsAndBiasesStatus defines the observed state of WeightsAndBiases.');
export type WeightsAndBiasesStatus = z.infer<typeof WeightsAndBiasesStatus>;

export const COMPONENT_NAMES = ['mysql', 'redis', 'kafka', 'minio', 'clickhouse'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];
