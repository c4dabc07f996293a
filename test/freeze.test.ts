// Freezing a child from its last-applied record: a record edited by hand never makes a hook fail.
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { freeze, LAST_APPLIED_ANNOTATION } from '../compositions/freeze.js';
import type { KubeObject } from '../compositions/kube.js';
import { testApp } from './support/app.js';
import { aParent, syncRequest } from './support/builders.js';

const NAME = 'wandb-mysql-cluster';
const base = { apiVersion: 'pxc.percona.com/v1', kind: 'PerconaXtraDBCluster' };
const pxc = (lastApplied: unknown): KubeObject =>
  ({
    ...base,
    metadata: {
      name: NAME,
      namespace: 'wandb',
      uid: 'u1',
      annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(lastApplied) },
    },
    spec: { pxc: { size: 3 } },
  }) as KubeObject;

const MALFORMED = [
  { name: 'labels null', metadata: { name: NAME, labels: null } },
  { name: 'finalizers a string', metadata: { name: NAME, finalizers: 'percona.com/delete-pxc-pvc' } },
  { name: 'generateName', metadata: { name: NAME, generateName: 'x' } },
  { name: 'a label value over 63 characters', metadata: { name: NAME, labels: { a: 'x'.repeat(64) } } },
];

describe('a malformed last-applied record (hand-edited)', () => {
  test.for(MALFORMED)(
    '$name: every route that freezes or removes the child answers 200',
    async ({ metadata }) => {
      const { app } = testApp();
      const child = pxc({ ...base, metadata, spec: { pxc: { size: 3 } } });
      for (const [path, spec, finalizing] of [
        ['/finalize', { mysql: { enabled: true } }, true],
        ['/sync', { mysql: { enabled: false } }, false],
        ['/sync', { mysql: { enabled: true }, size: 'huge' }, false],
      ] as const) {
        const response = await request(app)
          .post(path)
          .send(syncRequest(aParent(spec), { children: [child], finalizing }));
        expect(response.status, `${path} ${JSON.stringify(spec)} ${response.text}`).toBe(200);
        const returned = response.body.children.find((c: KubeObject) => c.metadata.name === NAME);
        expect(returned?.spec, path).toEqual({ pxc: { size: 3 } });
      }
    },
  );

  test('keeps what a child may carry, drops the rest, in the recorded order', () => {
    const frozen = freeze(
      pxc({
        ...base,
        metadata: {
          name: NAME,
          generateName: 'x',
          labels: { keep: 'yes', long: 'x'.repeat(64), number: 1 },
          finalizers: ['a', 2, 'b'],
          annotations: { note: 'kept' },
        },
        spec: {},
      }),
    );
    expect(frozen.metadata).toEqual({
      name: NAME,
      labels: { keep: 'yes' },
      finalizers: ['a', 'b'],
      annotations: { note: 'kept' },
    });
    expect(Object.keys(frozen.metadata)).toEqual(['name', 'labels', 'finalizers', 'annotations']);
  });

  test('a well-formed record comes back unchanged', () => {
    const record = {
      ...base,
      metadata: { name: NAME, labels: { a: 'b' }, finalizers: ['f'] },
      spec: { x: 1 },
    };
    expect(JSON.stringify(freeze(pxc(record)))).toBe(JSON.stringify(record));
  });
});
