// The hook pipeline (hooks/handlers.ts) that the app, render, the simulator and the fixtures share.
import { describe, expect, test } from 'vitest';
import { CompositeSyncRequest } from '../compositions/metacontroller.js';
import { HookError } from '../hooks/errors.js';
import { compositeHook, finalizeHook, HOOKS, secretsSyncHook, syncHook } from '../hooks/handlers.js';
import { seededRandom } from './support/app.js';
import { aParent, NOW, observedObject, syncRequest } from './support/builders.js';

const mysqlParent = () => aParent({ mysql: { enabled: true } });

describe('hook pipeline', () => {
  test('a child of a kind the controller declared beyond ours is kept, not refused', () => {
    // The fixtures script's copy checked responses without the request's kinds and refused this.
    const extra = observedObject({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'wandb-widget' },
    });
    const answer = syncHook(syncRequest(mysqlParent(), { children: [extra] }), { now: NOW });
    expect(answer.body.children).toContainEqual(expect.objectContaining({ kind: 'Widget' }));
  });

  test('a body that is not the request is a 422 naming the route it came to', () => {
    const call = () => finalizeHook({ hello: 'world' }, { now: NOW });
    expect(call).toThrow(HookError);
    expect(call).toThrow(/^not a Metacontroller finalize request: /);
    try {
      call();
    } catch (error) {
      expect((error as HookError).status).toBe(422);
    }
  });

  test('compositeHook picks sync or finalize from the request, as Metacontroller picks the URL', () => {
    const finalizing = compositeHook(syncRequest(mysqlParent(), { finalizing: true }), { now: NOW });
    expect(finalizing.log).toHaveProperty('finalized');
    const syncing = compositeHook(syncRequest(mysqlParent()), { now: NOW });
    expect(syncing.log).not.toHaveProperty('finalized');
  });

  test('the decorator hook logs the parent and counts', () => {
    const parent = mysqlParent();
    const answer = secretsSyncHook(
      { controller: {}, object: parent, attachments: {}, related: {} },
      { random: seededRandom(7) },
    );
    expect(answer.outcome).toBe('ok');
    expect(answer.log).toMatchObject({ observed: 0, attachments: answer.body.attachments.length });
  });

  test('every route has one handler', () => {
    expect(new Set(HOOKS.map((h) => h.route)).size).toBe(HOOKS.length);
  });

  describe("Metacontroller's object maps: checked in place, zod's messages only for a map that fails", () => {
    const request = (children: unknown) => ({ parent: mysqlParent(), children });
    const messages = (children: unknown) => () => syncHook(request(children), { now: NOW });
    test.each([
      {
        reason: 'an object without apiVersion names its group and key',
        children: {
          'Kafka.kafka.strimzi.io/v1': { 'wandb-kafka': { kind: 'Kafka', metadata: { name: 'k' } } },
        },
        want: /body\.children\.Kafka\.kafka\.strimzi\.io\/v1\.wandb-kafka: must be a Kubernetes object/,
      },
      {
        reason: 'a group that is a list',
        children: { 'Kafka.kafka.strimzi.io/v1': [] },
        want: /body\.children\.Kafka\.kafka\.strimzi\.io\/v1: Invalid input: expected record, received array/,
      },
      {
        reason: 'a map that is a number',
        children: 5,
        want: /body\.children: Invalid input: expected record/,
      },
      {
        reason: 'a name longer than the API server allows',
        children: {
          'Kafka.kafka.strimzi.io/v1': {
            k: { apiVersion: 'v', kind: 'K', metadata: { name: 'n'.repeat(254) } },
          },
        },
        want: /body\.children\.Kafka\.kafka\.strimzi\.io\/v1\.k: must be a Kubernetes object/,
      },
    ])('$reason', ({ children, want }) => {
      expect(messages(children)).toThrow(want);
    });

    test.each([
      { reason: 'as sent', others: '' },
      { reason: 'when null groups make the map be rebuilt', others: ',"Empty.v1":null' },
    ])(
      'a group keyed __proto__ stays a group of the map, so its objects are kept ($reason)',
      ({ others }) => {
        const group = '{"x":{"apiVersion":"v1","kind":"K","metadata":{"name":"x"}}}';
        const body = `{"parent":${JSON.stringify(mysqlParent())},"children":{"__proto__":${group}${others}}}`;
        const parsed = CompositeSyncRequest.parse(JSON.parse(body));
        expect(Object.keys(parsed.children)[0]).toBe('__proto__');
        expect(Object.getPrototypeOf(parsed.children)).toBe(Object.prototype);
        expect(Object.values(parsed.children)[0]).toHaveProperty('x');
      },
    );

    test('absent and null maps, and null groups, read as empty', () => {
      const parsed = CompositeSyncRequest.parse({
        parent: mysqlParent(),
        related: null,
        children: { 'Kafka.kafka.strimzi.io/v1': null },
      });
      expect(parsed.children).toEqual({ 'Kafka.kafka.strimzi.io/v1': {} });
      expect(parsed.related).toEqual({});
      expect(CompositeSyncRequest.parse({ parent: mysqlParent() }).children).toEqual({});
    });
  });
});
