// Size presets (reference §2, internal/defaults/*.go) and the resolution of a parent spec into one
// fully filled spec per component. Resolved on every sync, so nothing is frozen into the parent;
// edits that would reshape running data are refused instead (admission.ts CEL rules, component checks).
import { BASE_NAME_BUDGETS, type BudgetedComponent, baseNameProblem, fitName } from './names.js';
import {
  type ComponentName,
  DEFAULT_SIZE,
  type ResourceRequirements,
  type Size,
  type WeightsAndBiasesSpec,
} from './parent.js';
import { isQuantity } from './quantity.js';

export type RetentionMode = 'retain' | 'purge';

export interface ParentRef {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly generation: number;
  readonly creationTimestamp: string;
}

interface ResolvedCommon {
  readonly enabled: boolean;
  /** Base name of the component's custom resources (decision 1). */
  readonly name: string;
  readonly storageSize: string;
  readonly replicas: number;
  readonly resources: ResourceRequirements | undefined;
  readonly telemetry: boolean;
  readonly retention: RetentionMode;
}

export type ResolvedMySQL = ResolvedCommon;

export interface ResolvedRedis extends ResolvedCommon {
  readonly sentinel: boolean;
  readonly sentinelReplicas: number;
  readonly masterName: string;
  readonly sentinelResources: ResourceRequirements | undefined;
}

export interface ResolvedKafka extends ResolvedCommon {
  readonly replication: {
    readonly defaultReplicationFactor: number;
    readonly minInSyncReplicas: number;
    readonly offsetsTopicRF: number;
    readonly transactionStateRF: number;
    readonly transactionStateISR: number;
  };
}

export interface ResolvedMinio extends ResolvedCommon {
  readonly volumesPerServer: number;
  readonly rootUser: string;
  readonly browser: string;
}

export interface ResolvedClickHouse extends ResolvedCommon {
  readonly version: string;
  readonly keeperReplicas: number;
}

export interface ResolvedSpec {
  readonly size: Size;
  readonly mysql: ResolvedMySQL;
  readonly redis: ResolvedRedis;
  readonly kafka: ResolvedKafka;
  readonly minio: ResolvedMinio;
  readonly clickhouse: ResolvedClickHouse;
}

const resources = (requestCpu: string, requestMemory: string, limitCpu: string, limitMemory: string) => ({
  requests: { cpu: requestCpu, memory: requestMemory },
  limits: { cpu: limitCpu, memory: limitMemory },
});

/** The reference's presets (reference §2). */
export const PRESETS = {
  dev: {
    mysql: { storageSize: '1Gi', replicas: 1, resources: undefined },
    redis: {
      storageSize: '100Mi',
      replicas: 3,
      resources: undefined,
      sentinel: false,
      sentinelResources: undefined,
    },
    kafka: {
      storageSize: '1Gi',
      replicas: 1,
      resources: undefined,
      replication: {
        defaultReplicationFactor: 1,
        minInSyncReplicas: 1,
        offsetsTopicRF: 1,
        transactionStateRF: 1,
        transactionStateISR: 1,
      },
    },
    minio: { storageSize: '10Gi', replicas: 1, resources: undefined },
    clickhouse: { storageSize: '10Gi', replicas: 1, resources: undefined, version: '23.8' },
  },
  small: {
    mysql: { storageSize: '10Gi', replicas: 3, resources: resources('500m', '1Gi', '1000m', '2Gi') },
    redis: {
      storageSize: '2Gi',
      replicas: 3,
      resources: resources('250m', '256Mi', '500m', '512Mi'),
      sentinel: true,
      sentinelResources: resources('125m', '128Mi', '256m', '256Mi'),
    },
    kafka: {
      storageSize: '5Gi',
      replicas: 3,
      resources: resources('500m', '1Gi', '1000m', '2Gi'),
      replication: {
        defaultReplicationFactor: 3,
        minInSyncReplicas: 2,
        offsetsTopicRF: 3,
        transactionStateRF: 3,
        transactionStateISR: 2,
      },
    },
    minio: { storageSize: '10Gi', replicas: 3, resources: resources('500m', '1Gi', '1000m', '2Gi') },
    clickhouse: {
      storageSize: '10Gi',
      replicas: 3,
      resources: resources('500m', '1Gi', '1000m', '2Gi'),
      version: '23.8',
    },
  },
} as const;

/** Default base name suffix per component (the reference used `wandb-ch` for ClickHouse). */
const DEFAULT_SUFFIX: Record<ComponentName, string> = {
  mysql: 'mysql',
  redis: 'redis',
  kafka: 'kafka',
  minio: 'minio',
  clickhouse: 'ch',
};

/** Per-key merge of resources, as the reference's webhook did: user keys win, preset keys fill gaps. */
function mergeResources(
  user: ResourceRequirements | undefined,
  preset: ResourceRequirements | undefined,
): ResourceRequirements | undefined {
  if (!user) return preset && structuredCloneResources(preset);
  if (!preset) return user;
  const merged: ResourceRequirements = {};
  const requests = { ...preset.requests, ...user.requests };
  const limits = { ...preset.limits, ...user.limits };
  if (Object.keys(limits).length > 0) merged.limits = limits;
  if (Object.keys(requests).length > 0) merged.requests = requests;
  if (user.claims) merged.claims = user.claims;
  return merged;
}

/** A copy, so no child shares the preset's objects; built key by key for the reason given at `redis` below. */
function structuredCloneResources(r: ResourceRequirements): ResourceRequirements {
  const copy: ResourceRequirements = {};
  if (r.limits) copy.limits = { ...r.limits };
  if (r.requests) copy.requests = { ...r.requests };
  return copy;
}

export interface Resolution {
  readonly spec: ResolvedSpec;
  /** Why the spec cannot be carried out; empty when it can. One readable sentence each. */
  readonly problems: readonly string[];
}

/** Resolve presets and policies for every component, enabled or not (finalize needs the names). */
export function resolveSpec(spec: WeightsAndBiasesSpec, parent: ParentRef): Resolution {
  const size: Size = spec.size ?? DEFAULT_SIZE;
  const preset = PRESETS[size];
  const problems: string[] = [];

  const retentionFor = (own: { onDelete: RetentionMode } | undefined): RetentionMode =>
    own?.onDelete ??
    spec.retentionPolicy?.onDelete ??
    (spec.autoCleanupEnabled === true ? 'purge' : 'retain');

  const common = <C extends BudgetedComponent>(
    component: C,
    user: WeightsAndBiasesSpec[C],
    defaults: { storageSize: string; replicas: number; resources: ResourceRequirements | undefined },
  ): ResolvedCommon => {
    const enabled = user?.enabled === true;
    const name =
      user?.name ?? fitName(`${parent.name}-${DEFAULT_SUFFIX[component]}`, BASE_NAME_BUDGETS[component].max);
    const storageSize = user?.storageSize || defaults.storageSize;
    if (enabled) {
      if (user?.namespace && user.namespace !== parent.namespace) {
        problems.push(
          `spec.${component}.namespace "${user.namespace}" differs from the parent's namespace "${parent.namespace}": ` +
            'Metacontroller creates children only in the parent namespace; leave it empty',
        );
      }
      if (user?.name !== undefined) {
        const problem = baseNameProblem(component, user.name);
        if (problem) problems.push(problem);
      }
      if (!isQuantity(storageSize)) {
        problems.push(
          `spec.${component}.storageSize "${storageSize}" is not a Kubernetes quantity (e.g. 10Gi)`,
        );
      }
    }
    return {
      enabled,
      name,
      storageSize,
      replicas: user?.replicas || defaults.replicas,
      resources: mergeResources(user?.config?.resources, defaults.resources),
      telemetry: user?.telemetry?.enabled ?? false,
      retention: retentionFor(user?.retentionPolicy),
    };
  };

  const mysql = common('mysql', spec.mysql, preset.mysql);
  if (mysql.enabled && ![1, 3, 5].includes(mysql.replicas)) {
    problems.push(
      `spec.mysql.replicas is ${mysql.replicas}; Percona XtraDB Cluster runs 1 (unsafe, dev), 3 or 5 nodes`,
    );
  }

  const redisUser = spec.redis;
  // Object.assign onto the fresh common part, not `{ ...base, more }`: on Node 20's V8 each property
  // added after a spread costs about 1 µs, which made these four objects a quarter of a sync.
  const redis: ResolvedRedis = Object.assign(common('redis', redisUser, preset.redis), {
    replicas: redisUser?.replicas ?? preset.redis.replicas,
    sentinel: redisUser?.sentinel?.enabled ?? preset.redis.sentinel,
    sentinelReplicas: redisUser?.sentinel?.replicas ?? 3,
    masterName: redisUser?.sentinel?.config?.masterName || 'gorilla',
    sentinelResources: mergeResources(redisUser?.sentinel?.config?.resources, preset.redis.sentinelResources),
  });

  const kafkaUser = spec.kafka;
  const kafkaBase = common('kafka', kafkaUser, preset.kafka);
  const userReplication = kafkaUser?.config?.replicationConfig;
  const replication = {
    defaultReplicationFactor:
      userReplication?.defaultReplicationFactor || preset.kafka.replication.defaultReplicationFactor,
    minInSyncReplicas: userReplication?.minInSyncReplicas || preset.kafka.replication.minInSyncReplicas,
    offsetsTopicRF: userReplication?.offsetsTopicRF || preset.kafka.replication.offsetsTopicRF,
    transactionStateRF: userReplication?.transactionStateRF || preset.kafka.replication.transactionStateRF,
    transactionStateISR: userReplication?.transactionStateISR || preset.kafka.replication.transactionStateISR,
  };
  const kafka: ResolvedKafka = Object.assign(kafkaBase, { replication });
  if (kafka.enabled) {
    for (const [key, value] of Object.entries(replication)) {
      if (value > kafka.replicas) {
        problems.push(
          `spec.kafka.config.replicationConfig.${key} is ${value} but kafka.replicas is ${kafka.replicas}: ` +
            'a replication setting cannot exceed the number of brokers',
        );
      }
    }
  }

  const minioUser = spec.minio;
  const minioBase = common('minio', minioUser, preset.minio);
  const minio: ResolvedMinio = Object.assign(minioBase, {
    volumesPerServer: minioBase.replicas > 1 ? 4 : 1,
    rootUser: minioUser?.config?.rootUser || 'admin',
    browser: minioUser?.config?.minioBrowserSetting || 'on',
  });

  const clickhouseUser = spec.clickhouse;
  const clickhouseBase = common('clickhouse', clickhouseUser, preset.clickhouse);
  const clickhouse: ResolvedClickHouse = Object.assign(clickhouseBase, {
    version: clickhouseUser?.version || preset.clickhouse.version,
    keeperReplicas: clickhouseBase.replicas > 1 ? 3 : 0,
  });
  if (clickhouse.enabled && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(clickhouse.version)) {
    problems.push(`spec.clickhouse.version "${clickhouse.version}" is not a valid image tag`);
  }

  return { spec: { size, mysql, redis, kafka, minio, clickhouse }, problems };
}
