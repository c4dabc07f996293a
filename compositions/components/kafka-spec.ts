// Kafka's slice of the parent spec: its schema, presets, resolution, names and admission rules (kept
// apart from kafka.ts, which builds the Strimzi objects, to keep both files readable).
import { z } from 'zod';
import { neverShrinks, presetValues, type RuleOwner, replicas, type Side } from '../admission.js';
import type { Component, Preset, ResolvedCommon } from '../component.js';
import { CHILD_KINDS, stringField } from '../kube.js';
import { presetResources } from '../resources.js';
import { componentFields, Replicas, ResourceRequirements } from '../schema.js';
import { neverDowngrades, type VersionPolicy } from '../versions.js';

const KAFKA = CHILD_KINDS.Kafka;

/** The Kafka versions Strimzi 0.49.1 supports (its kafka-versions.yaml); any other fails its reconcile. */
export const SUPPORTED_KAFKA_VERSIONS = ['4.0.0', '4.0.1', '4.1.0', '4.1.1'] as const;
export const KAFKA_VERSION = '4.1.0';

/**
 * The version is `spec.kafka.version` of the Kafka. Strimzi rolls the brokers to a new one keeping the
 * metadata level, and raises `metadataVersion` only when asked (docs/day2-operators.md §1.1).
 */
export const KAFKA_VERSION_POLICY: VersionPolicy = {
  what: 'The Kafka version Strimzi runs (spec.kafka.version of the Kafka)',
  latest: KAFKA_VERSION,
  children: (base) => [{ ref: KAFKA, name: base }],
  read: (kafka) => stringField(kafka, 'spec', 'kafka', 'version'),
  // A version Strimzi does not support is refused by the schema's enum.
};

/** A KRaft metadata level, e.g. `4.1-IV0`. */
const METADATA_PATTERN = /^[0-9]+\.[0-9]+-IV[0-9]+$/;

export const KafkaSpec = z.strictObject({
  ...componentFields,
  version: z
    .enum(SUPPORTED_KAFKA_VERSIONS)
    // Bounds the cost of the downgrade rule, which reads the numbers in it.
    .meta({ maxLength: 16 })
    .optional()
    .describe(
      `Addition. The Kafka version (default for a new cluster: ${KAFKA_VERSION}; Strimzi 0.49.1 supports ` +
        `${SUPPORTED_KAFKA_VERSIONS.join(', ')}). Unset keeps what runs: a release of these hooks never upgrades a ` +
        'running Kafka by itself. Raising it rolls the brokers; lowering it is refused.',
    ),
  metadataVersion: z
    .string()
    .regex(METADATA_PATTERN)
    .meta({ maxLength: 32 })
    .optional()
    .describe(
      "Addition. The KRaft metadata level (e.g. 4.1-IV0), the second step of an upgrade: raise it once the brokers run the new version. Unset keeps the running cluster's level (a new cluster: the version's first level, e.g. 4.1-IV0). It may not exceed the version's series nor go down.",
    ),
  replicas: Replicas.optional().describe(
    'Number of Kafka nodes. The pool holding the KRaft controllers keeps the size it was created with (the size ' +
      "preset's, or fewer: Strimzi 0.49 runs a static quorum); nodes above it are brokers in a broker-only pool. " +
      'Brokers may be removed only through Cruise Control (rebalance.enabled), never below the controller pool.',
  ),
  rebalance: z
    .strictObject({
      enabled: z
        .boolean()
        .describe(
          "Addition. Runs Cruise Control with Strimzi's auto-rebalance: partitions move onto added brokers, and off " +
            'brokers before they are removed. Needs at least 2 nodes.',
        ),
    })
    .optional(),
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

export type KafkaSpec = z.infer<typeof KafkaSpec>;

interface Replication {
  readonly defaultReplicationFactor: number;
  readonly minInSyncReplicas: number;
  readonly offsetsTopicRF: number;
  readonly transactionStateRF: number;
  readonly transactionStateISR: number;
}

export interface ResolvedKafka extends ResolvedCommon {
  readonly replication: Replication;
  /** The user's metadataVersion; the Kafka child keeps its running one when unset (kafka.ts). */
  readonly metadataVersion: string | undefined;
  /**
   * The size of the pool that holds the controllers when it is created: the preset's, or `replicas` when
   * fewer. A running pool keeps its own size (kafka.ts `controllerPoolSize`).
   */
  readonly controllers: number;
  /** Cruise Control with auto-rebalance on added and removed brokers. */
  readonly rebalance: boolean;
}

export interface KafkaPreset extends Preset {
  readonly replication: Replication;
}

/** The reference's presets (reference §2). */
const PRESETS: Readonly<Record<'dev' | 'small', KafkaPreset>> = {
  dev: {
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
  small: {
    storageSize: '5Gi',
    replicas: 3,
    resources: presetResources('500m', '1Gi', '1000m', '2Gi'),
    replication: {
      defaultReplicationFactor: 3,
      minInSyncReplicas: 2,
      offsetsTopicRF: 3,
      transactionStateRF: 3,
      transactionStateISR: 2,
    },
  },
};
const RULES: RuleOwner = { name: 'kafka', presets: PRESETS };
/** `kafka.rebalance.enabled` on one side of an update, as CEL. */
const REBALANCING = (side: Side) => `${side}.?spec.?kafka.?rebalance.?enabled.orValue(false)`;

/** Everything of the Kafka component that is about its spec, spread into `kafka`. */
export const KAFKA_SLICE: Pick<
  Component<ResolvedKafka, KafkaSpec, KafkaPreset, 'kafka'>,
  'name' | 'schema' | 'presets' | 'naming' | 'version' | 'resolve' | 'transitions'
> = {
  name: 'kafka',
  schema: KafkaSpec,
  presets: PRESETS,
  // Strimzi: pods `<base>-<base>-node-pool-<id>` ≤ 63 with up to 3-digit node IDs.
  naming: {
    suffix: 'kafka',
    maxLength: 23,
    reason: 'Strimzi derives pod names `<name>-<name>-node-pool-<id>` (≤ 63 characters)',
  },
  resolve: ({ user, preset, common, problems }) => {
    const own = user?.config?.replicationConfig;
    const replication: Replication = {
      defaultReplicationFactor: own?.defaultReplicationFactor || preset.replication.defaultReplicationFactor,
      minInSyncReplicas: own?.minInSyncReplicas || preset.replication.minInSyncReplicas,
      offsetsTopicRF: own?.offsetsTopicRF || preset.replication.offsetsTopicRF,
      transactionStateRF: own?.transactionStateRF || preset.replication.transactionStateRF,
      transactionStateISR: own?.transactionStateISR || preset.replication.transactionStateISR,
    };
    const rebalance = user?.rebalance?.enabled === true;
    if (common.enabled) {
      if (rebalance && common.replicas < 2) {
        problems.push(
          `spec.kafka.rebalance.enabled needs at least 2 Kafka nodes (kafka.replicas is ${common.replicas}): Cruise Control refuses a single broker`,
        );
      }
      for (const [key, value] of Object.entries(replication)) {
        if (value > common.replicas) {
          problems.push(
            `spec.kafka.config.replicationConfig.${key} is ${value} but kafka.replicas is ${common.replicas}: ` +
              'a replication setting cannot exceed the number of brokers',
          );
        }
      }
    }
    return Object.assign(common, {
      replication,
      metadataVersion: user?.metadataVersion,
      controllers: Math.min(common.replicas, preset.replicas),
      rebalance,
    });
  },
  version: KAFKA_VERSION_POLICY,
  transitions: [
    neverShrinks(RULES),
    neverDowngrades('kafka'),
    {
      field: 'kafka.replicas',
      component: 'kafka',
      resolved: replicas(RULES),
      allowed: (old, now) => `${now} >= ${old} || (${REBALANCING('oldSelf')} && ${REBALANCING('self')})`,
      verb: 'may not shrink',
      why: 'removing brokers needs Cruise Control to move their partitions away first: enable kafka.rebalance, and keep it on while they go',
      unset: `unset or 0 is the size preset (${presetValues(RULES, (p) => String(p.replicas))})`,
      kind: 'number',
    },
  ],
};
