// Kafka created over retained volumes (decision 8): paused until the recorded cluster ID is restored.
import { describe, expect, test } from 'vitest';
import { kafka } from '../../compositions/components/kafka.js';
import type { KubeObject } from '../../compositions/kube.js';
import { aSecret, contextFor, observedObject } from '../support/builders.js';

const DEV = { kafka: { enabled: true } };

describe('kafka over retained volumes (decision 8)', () => {
  const pvc = (node: number) =>
    ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: `data-0-wandb-kafka-wandb-kafka-node-pool-${node}`,
        namespace: 'wandb',
        uid: `pvc-${node}`,
      },
    }) as KubeObject;
  const recorded = aSecret('wandb-kafka-cluster-id', { clusterId: 'OLD-ID' });
  const pausedAnnotation = (children: readonly { metadata: { annotations?: Record<string, string> } }[]) =>
    children[0]?.metadata.annotations?.['strimzi.io/pause-reconciliation'];

  test('no retained volumes → the Kafka is created unpaused', () => {
    const context = contextFor(kafka, DEV);
    expect(pausedAnnotation(kafka.desired(context))).toBeUndefined();
    expect(kafka.observe(context)).toEqual([]);
  });

  test('retained volumes and a recorded ID → created paused, and status gives the one command that restores the ID', () => {
    const context = contextFor(kafka, DEV, { related: [pvc(0), recorded] });
    expect(pausedAnnotation(kafka.desired(context))).toBe('true');
    const [finding] = kafka.observe(context);
    expect(finding).toMatchObject({ type: 'KafkaRetainedVolumes', status: 'True', implies: 'Unavailable' });
    expect(finding?.message).toBe(
      'Kafka wandb-kafka is paused over retained volumes data-0-wandb-kafka-wandb-kafka-node-pool-0; restore its cluster ID with: ' +
        `kubectl patch kafka wandb-kafka -n wandb --subresource=status --type=merge -p '{"status":{"clusterId":"OLD-ID"}}' ` +
        '(the pause lifts once status.clusterId matches). To start empty instead: kubectl delete pvc -n wandb data-0-wandb-kafka-wandb-kafka-node-pool-0',
    );
  });

  test('retained volumes without a recorded ID → paused, and status says where to read the ID', () => {
    const [finding] = kafka.observe(contextFor(kafka, DEV, { related: [pvc(0)] }));
    expect(finding?.message).toContain(
      'its cluster ID was not recorded; read cluster.id from meta.properties',
    );
  });

  describe('an observed paused Kafka stays paused until status.clusterId is the recorded ID', () => {
    const cases: Array<{
      name: string;
      args: { clusterId?: string };
      want: { pauseAnnotation: string | undefined };
    }> = [
      { name: 'clusterId still unset → paused', args: {}, want: { pauseAnnotation: 'true' } },
      {
        name: 'another clusterId → paused',
        args: { clusterId: 'NEW-ID' },
        want: { pauseAnnotation: 'true' },
      },
      {
        name: 'the recorded clusterId → unpaused',
        args: { clusterId: 'OLD-ID' },
        want: { pauseAnnotation: undefined },
      },
    ];
    test.each(cases)('$name', ({ args: { clusterId }, want }) => {
      const context = contextFor(kafka, DEV, { related: [pvc(0), recorded] });
      const [desiredKafka] = kafka.desired(context);
      const observedKafka = observedObject(desiredKafka as never, {
        status: clusterId
          ? { clusterId, conditions: [{ type: 'ReconciliationPaused', status: 'True' }] }
          : {},
      });
      const next = contextFor(kafka, DEV, { related: [pvc(0), recorded], children: [observedKafka] });
      expect(pausedAnnotation(kafka.desired(next))).toBe(want.pauseAnnotation);
    });
  });

  test('volumes deleted by the user while paused → unpaused (a new, empty cluster)', () => {
    const [desiredKafka] = kafka.desired(contextFor(kafka, DEV, { related: [pvc(0)] }));
    const next = contextFor(kafka, DEV, {
      children: [observedObject(desiredKafka as never, { status: {} })],
    });
    expect(pausedAnnotation(kafka.desired(next))).toBeUndefined();
  });

  test('a running Kafka (never paused by us) is not paused by the volumes it made itself', () => {
    const [desiredKafka] = kafka.desired(contextFor(kafka, DEV));
    const running = observedObject(desiredKafka as never, { status: { clusterId: 'NEW-ID' } });
    const context = contextFor(kafka, DEV, { related: [pvc(0), recorded], children: [running] });
    expect(pausedAnnotation(kafka.desired(context))).toBeUndefined();
  });
});
