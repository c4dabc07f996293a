// The last checks on a composite response (compositions/checks.ts): what must never reach Metacontroller.
import { describe, expect, test } from 'vitest';
import { checkCompositeResponse } from '../../compositions/checks.js';
import { CHILD_KINDS } from '../../compositions/kube.js';

const NAMESPACE = 'wandb';
const child = (kind: { apiVersion: string; kind: string }, name: string, namespace?: string) => ({
  apiVersion: kind.apiVersion,
  kind: kind.kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});
const response = (...children: unknown[]) => ({ status: { ready: true }, children });
const widget = { apiVersion: 'example.com/v1', kind: 'Widget' };

describe('checkCompositeResponse', () => {
  test.each([
    {
      reason: 'children of declared kinds, each once, in the parent namespace',
      children: [
        child(CHILD_KINDS.Kafka, 'wandb-kafka'),
        child(CHILD_KINDS.Tenant, 'wandb-minio', NAMESPACE),
      ],
      observedKinds: [],
      want: [],
    },
    {
      reason: 'one name under two kinds is two objects',
      children: [child(CHILD_KINDS.Kafka, 'wandb'), child(CHILD_KINDS.KafkaNodePool, 'wandb')],
      observedKinds: [],
      want: [],
    },
    {
      reason: 'a child returned twice',
      children: [child(CHILD_KINDS.Kafka, 'wandb-kafka'), child(CHILD_KINDS.Kafka, 'wandb-kafka')],
      observedKinds: [],
      want: ['kafka.strimzi.io/v1 Kafka wandb-kafka: returned twice'],
    },
    {
      reason: 'a kind the controller does not declare',
      children: [child(widget, 'w')],
      observedKinds: [],
      want: ['example.com/v1 Widget w: kind is not declared by the controller'],
    },
    {
      reason: 'a kind the request carried, so the controller declares it',
      children: [child(widget, 'w')],
      observedKinds: [widget],
      want: [],
    },
    {
      reason: 'another namespace',
      children: [child(CHILD_KINDS.Kafka, 'wandb-kafka', 'other')],
      observedKinds: [],
      want: ["kafka.strimzi.io/v1 Kafka wandb-kafka: namespace other is not the parent's (wandb)"],
    },
  ])('$reason', ({ children, observedKinds, want }) => {
    expect(checkCompositeResponse(response(...children), NAMESPACE, observedKinds)).toEqual(want);
  });

  test('a status without ready, and a child with a status, are refused', () => {
    expect(checkCompositeResponse({ status: {}, children: [] }, NAMESPACE)).toEqual([
      'status.ready must be a boolean',
    ]);
    const withStatus = { ...child(CHILD_KINDS.Kafka, 'k'), status: {} };
    expect(checkCompositeResponse(response(withStatus), NAMESPACE)).toEqual([
      'children.0.status: children status is owned by their operator',
    ]);
  });
});
