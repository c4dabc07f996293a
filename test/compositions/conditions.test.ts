// The condition vocabulary: every type a component declares is its own, and every condition that
// describes an enabled component's health is present from the first sync, Unknown until known.
import { describe, expect, test } from 'vitest';
import type { Component } from '../../compositions/component.js';
import { COMPONENTS } from '../../compositions/components/index.js';
import { readConditions } from '../../compositions/conditions.js';
import { ComponentStatus } from '../../compositions/parent.js';
import { reconcile, type SyncResult } from '../../compositions/reconcile.js';
import { aParent, contextFor, NOW, parsedRequest, syncRequest } from '../support/builders.js';

/** Every type a component declares: its kinds' and its own. */
const declaredTypes = (component: Component): string[] => [
  ...component.kinds.flatMap((k) => [k.condition, ...(k.reported ? [k.reported] : [])]),
  ...Object.values(component.conditions),
];

const componentStatus = (result: SyncResult, name: string) =>
  ComponentStatus.parse(new Map(Object.entries(result.status)).get(`${name}Status`));

// The state alerts leave out a component that has a condition of this pattern (prometheus-rule.yaml).
const REMOVAL_PATTERN = /^.+Removal$/;

const allEnabled = (size: 'dev' | 'small') =>
  Object.fromEntries([['size', size], ...COMPONENTS.map((c) => [c.name, { enabled: true }])]);

describe('declared condition types', () => {
  test('no two components declare the same type, and each declares its own Removal type', () => {
    const owners = new Map<string, string>();
    for (const component of COMPONENTS) {
      for (const type of new Set(declaredTypes(component))) {
        expect(owners.get(type), `${type} of ${component.name}`).toBeUndefined();
        owners.set(type, component.name);
      }
      expect(component.conditions.removal).toMatch(REMOVAL_PATTERN);
      expect(
        declaredTypes(component).filter((t) => REMOVAL_PATTERN.test(t)),
        `${component.name}: only its removal condition may match the alerts' removal pattern`,
      ).toEqual([component.conditions.removal]);
    }
  });
});

describe.each([{ size: 'dev' as const }, { size: 'small' as const }])(
  'the first sync of a $size parent with every component enabled',
  ({ size }) => {
    const result = reconcile(parsedRequest(syncRequest(aParent(allEnabled(size)))), { now: NOW });

    test.each(COMPONENTS.map((component) => ({ component })))(
      "$component.name: each desired kind's conditions, ReportedReady, ConnectionInfo and HasBeenReady are present",
      ({ component }) => {
        const status = componentStatus(result, component.name);
        const types = status?.conditions?.map((c) => c.type) ?? [];
        const desired = component.desired(contextFor(component, allEnabled(size)));
        const desiredKinds = component.kinds.filter((k) => desired.some((c) => c.kind === k.ref.kind));
        expect(desiredKinds.length).toBeGreaterThan(0);
        for (const kind of desiredKinds) {
          expect(types).toContain(kind.condition);
          if (kind.reported) expect(types).toContain(kind.reported);
        }
        expect(types).toEqual(
          expect.arrayContaining([
            component.conditions.reportedReady,
            component.conditions.connectionInfo,
            component.conditions.hasBeenReady,
          ]),
        );
        // Situational conditions appear only while their situation lasts: a Removal condition here
        // would silence every state alert of a fresh install.
        expect(types).not.toContain(component.conditions.removal);
        expect(types).not.toContain(component.conditions.credentials);
        expect(types).not.toContain(component.conditions.operation);
      },
    );

    test('a readiness condition of a child not created yet is Unknown, reason NoResource, and leaves the state Pending', () => {
      for (const component of COMPONENTS) {
        const status = componentStatus(result, component.name);
        expect(status?.state).toBe('Pending');
        const reported = status?.conditions?.find((c) => c.type === component.conditions.reportedReady);
        expect(reported).toMatchObject({ status: 'Unknown', reason: 'NoResource' });
      }
    });
  },
);

describe('reading the previous conditions', () => {
  const condition = (lastTransitionTime: unknown) => ({
    type: 'Ready',
    status: 'True',
    reason: 'R',
    message: 'm',
    lastTransitionTime,
  });

  test.each([
    { reason: 'what the API server writes', time: '2026-01-01T00:00:00Z', kept: true },
    { reason: 'fractional seconds', time: '2026-01-01T00:00:00.123456Z', kept: true },
    { reason: 'an offset', time: '2026-01-01T01:00:00+01:00', kept: true },
    { reason: 'a date in another form (another writer), stamped anew', time: 'Jan 1 2026', kept: false },
    { reason: 'a month that does not exist', time: '2026-13-01T00:00:00Z', kept: false },
    { reason: 'no zone', time: '2026-01-01T00:00:00', kept: false },
    { reason: 'not a text', time: 1767225600, kept: false },
  ])('$reason ($time): kept $kept', ({ time, kept }) => {
    expect(readConditions([condition(time)])).toHaveLength(kept ? 1 : 0);
  });
});
