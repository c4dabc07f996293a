// Kafka's day-2 rehearsals (docs/operations/kafka-*.yaml) told through the simulator: what the hooks
// write, what the scripted Strimzi does with it, and what KafkaOperation says on the way.
import { describe, expect, test } from 'vitest';
import { strimzi } from '../sim/operators/strimzi.js';
import { createOperators } from '../sim/operators.js';
import { conditionTimeline, type Phase, runScenario, stateTimeline } from './support/operations.js';

const POD = ['v1', 'Pod'] as const;
const kafkaPods = (scenario: ReturnType<typeof runScenario>) =>
  scenario.simulation.cluster
    .list(...POD, { namespace: 'wandb' })
    .map((p) => p.metadata.name)
    .sort();
const pool = (scenario: ReturnType<typeof runScenario>, name: string) =>
  scenario.simulation.cluster.get('kafka.strimzi.io/v1', 'KafkaNodePool', 'wandb', name);
/** The capacity each Kafka data volume reports. */
const dataCapacities = (scenario: ReturnType<typeof runScenario>) =>
  scenario.simulation.cluster
    .list('v1', 'PersistentVolumeClaim', { namespace: 'wandb' })
    .filter((c) => c.metadata.name.startsWith('data-0-wandb-kafka-'))
    .map((c) => (c.status as { capacity?: { storage?: string } }).capacity?.storage);
/** The scenario's edit phase `index`, which must have run. */
function edit(scenario: ReturnType<typeof runScenario>, index: number): Phase {
  const phase = scenario.edits[index];
  if (!phase) throw new Error(`edit ${index} did not run`);
  return phase;
}
/** The reasons the condition took during the phase, in order, and whether it is gone at the end. */
const reasons = (timeline: ReadonlyArray<{ reason: string } | undefined>) => [
  ...new Set(timeline.flatMap((c) => (c ? [c.reason] : []))),
  timeline.at(-1) === undefined ? 'gone' : 'still there',
];

describe('kafka day 2 (docs/operations/kafka-*.yaml)', () => {
  test('add brokers, small 3 → 5: a broker pool with IDs 3 and 4, ScalingOut until ready, then Healthy', () => {
    const scenario = runScenario('small', 'kafka-add-brokers');
    const scale = edit(scenario, 0);
    const rebalance = edit(scenario, 1);
    expect(scale.stable).toBe(true);
    const operation = conditionTimeline(scale, 'kafka', 'KafkaOperation');
    expect(reasons(operation)).toEqual(['ScalingOut', 'gone']);
    expect(operation.find((c) => c)?.message).toContain(
      'KafkaNodePool wandb-kafka-brokers to 2 nodes: 0 of 2 nodes ready',
    );
    expect(stateTimeline(scale, 'kafka')).not.toContain('Error');
    expect(pool(scenario, 'wandb-kafka-node-pool')?.spec).toMatchObject({
      replicas: 3,
      roles: ['broker', 'controller'],
    });
    expect(pool(scenario, 'wandb-kafka-brokers')?.status).toMatchObject({
      nodeIds: [3, 4],
      roles: ['broker'],
    });
    expect(kafkaPods(scenario)).toEqual([
      'wandb-kafka-wandb-kafka-brokers-3',
      'wandb-kafka-wandb-kafka-brokers-4',
      'wandb-kafka-wandb-kafka-node-pool-0',
      'wandb-kafka-wandb-kafka-node-pool-1',
      'wandb-kafka-wandb-kafka-node-pool-2',
    ]);
    expect(rebalance.stable).toBe(true);
    expect(stateTimeline(rebalance, 'kafka').at(-1)).toBe('Healthy');
    const kafka = scenario.simulation.cluster.get('kafka.strimzi.io/v1', 'Kafka', 'wandb', 'wandb-kafka');
    expect((kafka?.status as { autoRebalance?: unknown } | undefined)?.autoRebalance).toMatchObject({
      state: 'Idle',
    });
  });

  test('add brokers, dev 1 → 3: one controller for life, brokers 1 and 2', () => {
    const scenario = runScenario('dev', 'kafka-add-brokers-dev');
    const scale = edit(scenario, 0);
    expect(scale.stable).toBe(true);
    expect(reasons(conditionTimeline(scale, 'kafka', 'KafkaOperation'))).toEqual(['ScalingOut', 'gone']);
    expect(pool(scenario, 'wandb-kafka-node-pool')?.spec).toMatchObject({ replicas: 1 });
    expect(pool(scenario, 'wandb-kafka-brokers')?.status).toMatchObject({ nodeIds: [1, 2] });
    expect(stateTimeline(scale, 'kafka').at(-1)).toBe('Healthy');
  });

  test('grow storage 5Gi → 10Gi: Resizing while the volumes expand, then every data volume at 10Gi, never an Error', () => {
    const scenario = runScenario('small', 'kafka-grow-storage');
    const grow = edit(scenario, 0);
    expect(grow.stable).toBe(true);
    const operation = conditionTimeline(grow, 'kafka', 'KafkaOperation');
    expect(reasons(operation)).toEqual(['Resizing', 'gone']);
    expect(operation.find((c) => c)?.message).toContain('0 of 3 volumes at 10Gi');
    expect(stateTimeline(grow, 'kafka')).not.toContain('Error');
    expect(stateTimeline(grow, 'kafka').at(-1)).toBe('Healthy');
    expect(dataCapacities(scenario)).toEqual(['10Gi', '10Gi', '10Gi']);
  });

  test('grow storage where the StorageClass cannot expand: Strimzi leaves the PVCs, KafkaOperation fails with its PvcResizingWarning', () => {
    const operators = createOperators().map((o) =>
      o.name === 'strimzi' ? strimzi(undefined, { expandableClasses: [] }) : o,
    );
    const scenario = runScenario('small', 'kafka-grow-storage', { operators });
    const grow = edit(scenario, 0);
    expect(grow.stable).toBe(true);
    const last = conditionTimeline(grow, 'kafka', 'KafkaOperation').at(-1);
    expect(last?.reason).toBe('OperationFailed');
    expect(last?.message).toContain('does not support resizing of volumes');
    expect(stateTimeline(grow, 'kafka').at(-1)).toBe('Error');
    expect(dataCapacities(scenario)).toEqual(['5Gi', '5Gi', '5Gi']);
  });

  test('remove brokers without Cruise Control: refused, the brokers stay', () => {
    const scenario = runScenario('small', 'kafka-remove-brokers-refused');
    const shrink = edit(scenario, 1);
    expect(shrink.stable).toBe(true);
    // Nothing is changed while the spec is invalid: the parent says why, Kafka keeps running.
    const last = shrink.statuses.at(-1) as { conditions?: Array<{ type: string; message: string }> };
    expect(last.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(
      'spec.kafka.replicas cannot go from 5 to 3: removing brokers needs Cruise Control',
    );
    expect(pool(scenario, 'wandb-kafka-brokers')?.spec).toMatchObject({ replicas: 2 });
    expect(kafkaPods(scenario)).toHaveLength(5);
  });

  test('remove brokers with Cruise Control: held while partitions move away, then removed', () => {
    const scenario = runScenario('small', 'kafka-remove-brokers');
    const shrink = edit(scenario, 1);
    expect(shrink.stable).toBe(true);
    const operation = conditionTimeline(shrink, 'kafka', 'KafkaOperation');
    expect(reasons(operation)).toEqual(['ScalingIn', 'gone']);
    expect(operation.find((c) => c)?.message).toContain('Cruise Control moves their partitions away');
    // The held brokers keep serving: Degraded while they are emptied, never Pending or Error.
    expect(stateTimeline(shrink, 'kafka')).toEqual(['Healthy', 'Degraded', 'Healthy', 'Healthy']);
    expect(pool(scenario, 'wandb-kafka-brokers')?.spec).toMatchObject({ replicas: 0 });
    expect(kafkaPods(scenario)).toHaveLength(3);
    expect(stateTimeline(shrink, 'kafka').at(-1)).toBe('Healthy');
  });
});
