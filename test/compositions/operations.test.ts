// The `<Title>Operation` condition: one condition for every day-2 operation in flight, Degraded while
// the operator works, Error when a step failed, with the time it took its present reason.
import { describe, expect, test } from 'vitest';
import { declareConditions } from '../../compositions/conditions.js';
import { type Operation, operationFinding } from '../../compositions/operations.js';
import type { Condition } from '../../compositions/parent.js';

const { operation: TYPE } = declareConditions({ operation: 'DemoOperation' });
const NOW = '2026-01-01T01:00:00Z';
const EARLIER = '2026-01-01T00:40:00Z';

const upgrade: Operation = { kind: 'Upgrading', change: 'from 1.0 to 1.1', progress: '1 of 3 nodes updated' };
const resize: Operation = { kind: 'Resizing', change: 'from 10Gi to 20Gi', progress: '0 of 3 volumes grown' };
const previous = (reason: string, status: Condition['status'] = 'True'): Condition[] => [
  { type: TYPE, status, reason, message: '', lastTransitionTime: EARLIER, observedGeneration: 1 },
];

describe('operationFinding', () => {
  test('nothing in flight: no condition at all', () => {
    expect(operationFinding(TYPE, 'Demo', [], previous('Upgrading'), NOW)).toBeUndefined();
  });

  test.each([
    {
      name: 'one operation, first seen now',
      operations: [upgrade],
      before: [],
      want: {
        status: 'True',
        reason: 'Upgrading',
        implies: 'Degraded',
        message: `Demo upgrade from 1.0 to 1.1: 1 of 3 nodes updated (since ${NOW})`,
      },
    },
    {
      name: 'the same reason seen before keeps its start',
      operations: [upgrade],
      before: previous('Upgrading'),
      want: {
        reason: 'Upgrading',
        message: `Demo upgrade from 1.0 to 1.1: 1 of 3 nodes updated (since ${EARLIER})`,
      },
    },
    {
      name: 'another reason before starts anew',
      operations: [resize],
      before: previous('Upgrading'),
      want: {
        reason: 'Resizing',
        message: `Demo storage growth from 10Gi to 20Gi: 0 of 3 volumes grown (since ${NOW})`,
      },
    },
    {
      name: 'two operations: listed in a fixed order, the first names the reason',
      operations: [resize, upgrade],
      before: [],
      want: {
        reason: 'Upgrading',
        message:
          'Demo upgrade from 1.0 to 1.1: 1 of 3 nodes updated; storage growth from 10Gi to 20Gi: 0 of 3 volumes grown' +
          ` (since ${NOW})`,
      },
    },
    {
      name: 'a failed step is an Error and says what the operator said',
      operations: [upgrade, { ...resize, failed: 'StorageClass standard does not allow expansion' }],
      before: previous('Resizing'),
      want: {
        status: 'False',
        reason: 'OperationFailed',
        implies: 'Error',
        message:
          'Demo upgrade from 1.0 to 1.1: 1 of 3 nodes updated; storage growth from 10Gi to 20Gi: 0 of 3 volumes grown; ' +
          `failed: StorageClass standard does not allow expansion (since ${NOW})`,
      },
    },
  ])('$name', ({ operations, before, want }) => {
    expect(operationFinding(TYPE, 'Demo', operations, before, NOW)).toMatchObject({ type: TYPE, ...want });
  });
});
