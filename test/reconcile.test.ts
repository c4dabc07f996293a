import { describe, expect, test } from 'vitest';
import { PURGE_FINALIZERS } from '../compositions/components/mysql.js';
import { LAST_APPLIED_ANNOTATION } from '../compositions/freeze.js';
import type { KubeObject } from '../compositions/kube.js';
import { reconcile, type SyncResult } from '../compositions/reconcile.js';
import {
  aParent,
  aSecret,
  LATER,
  NOW,
  observedObject,
  parsedRequest,
  syncRequest,
} from './support/builders.js';

type Options = Parameters<typeof syncRequest>[1] & { parent?: Parameters<typeof aParent>[1] };
const run = (spec: unknown, options: Options = {}, now = NOW): SyncResult =>
  reconcile(parsedRequest(syncRequest(aParent(spec, options.parent ?? {}), options)), { now });

const MYSQL = { mysql: { enabled: true } };
const PASSWORD_SECRET = aSecret('wandb-mysql-user-db-password', { password: 'p' });
const CONNECTION_SECRET = aSecret('wandb-mysql-connection', { url: 'mysql://…' });

/** The PXC as the API server returns it after Metacontroller created it from `desired`. */
function observedPxc(
  desired: SyncResult,
  status?: unknown,
  extra: { generation?: number; finalizers?: string[] } = {},
) {
  const child = desired.children.find((c) => c.kind === 'PerconaXtraDBCluster');
  if (!child) throw new Error('no PerconaXtraDBCluster desired');
  const lastApplied = JSON.stringify({ ...child, metadata: { ...child.metadata, namespace: 'wandb' } });
  return observedObject(
    { ...child, metadata: { ...child.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: lastApplied } } },
    { status, ...extra, finalizers: extra.finalizers ?? child.metadata.finalizers ?? [] },
  );
}

const firstSync = () => run(MYSQL, { related: [PASSWORD_SECRET] });

describe('sync: write, read, infer, summarize (mysql)', () => {
  test('without its credential Secret the PerconaXtraDBCluster is not created, and status says what it waits for', () => {
    const result = run(MYSQL);
    expect(result.children).toEqual([]);
    expect(result.status.mysqlStatus).toMatchObject({ ready: false, state: 'Pending' });
    const condition = result.status.mysqlStatus?.conditions?.find((c) => c.type === 'MySQLCustomResource');
    expect(condition).toMatchObject({ status: 'False', reason: 'PendingCreate' });
    expect(condition?.message).toBe(
      'PerconaXtraDBCluster wandb-mysql-cluster waits for Secret wandb-mysql-user-db-password (written by the wandb-secrets DecoratorController)',
    );
  });

  test('once the Secret is observed the cluster is created; an existing cluster is kept even if the Secret vanishes', () => {
    const created = firstSync();
    expect(created.children.map((c) => `${c.kind}/${c.metadata.name}`)).toEqual([
      'PerconaXtraDBCluster/wandb-mysql-cluster',
    ]);
    const kept = run(MYSQL, { children: [observedPxc(created)] });
    expect(kept.children).toHaveLength(1);
  });

  test.each([
    [{ state: 'initializing', observedGeneration: 1 }, 'Pending', false],
    [{ state: 'ready', observedGeneration: 1 }, 'Healthy', true],
    [{ state: 'ready', observedGeneration: 0 }, 'Pending', false],
    [{ state: 'error', observedGeneration: 1, message: ['pod unschedulable'] }, 'Error', false],
    [{ state: 'paused', observedGeneration: 1 }, 'Unavailable', false],
    [{}, 'Unknown', false],
  ])('operator status %j with the connection Secret → %s', (status, state, ready) => {
    const result = run(MYSQL, {
      children: [observedPxc(firstSync(), status)],
      related: [PASSWORD_SECRET, CONNECTION_SECRET],
    });
    expect(result.status.mysqlStatus).toMatchObject({ state, ready });
    expect(result.status.ready).toBe(ready);
  });

  test('ready cluster without connection Secret → Error (the reference rule); with it → Healthy and connection.url set', () => {
    const pxc = observedPxc(firstSync(), { state: 'ready', observedGeneration: 1 });
    const missing = run(MYSQL, { children: [pxc], related: [PASSWORD_SECRET] });
    expect(missing.status.mysqlStatus?.state).toBe('Error');
    expect(
      missing.status.mysqlStatus?.conditions?.find((c) => c.type === 'MySQLConnectionInfo')?.message,
    ).toBe(
      'MySQL connection info is unavailable, but MySQL is reported as ready (Secret wandb-mysql-connection is missing)',
    );
    const present = run(MYSQL, { children: [pxc], related: [PASSWORD_SECRET, CONNECTION_SECRET] });
    expect(present.status.mysqlStatus).toMatchObject({
      ready: true,
      state: 'Healthy',
      connection: { url: { name: 'wandb-mysql-connection', key: 'url' } },
    });
    expect(present.status.conditions).toEqual([
      expect.objectContaining({
        type: 'Ready',
        status: 'True',
        reason: 'AllComponentsReady',
        message: 'ready: mysql',
      }),
    ]);
    expect(present.resyncAfterSeconds).toBe(600);
  });

  test('the Ready message names the blocking component and why', () => {
    const result = run(MYSQL, {
      children: [observedPxc(firstSync(), { state: 'initializing', observedGeneration: 1 })],
      related: [PASSWORD_SECRET],
    });
    expect(result.status.conditions?.[0]?.message).toBe(
      'waiting: mysql is Pending: MySQLReportedReady: PerconaXtraDBCluster wandb-mysql-cluster is initializing, MySQLConnectionInfo: Secret wandb-mysql-connection is not written yet',
    );
    expect(result.resyncAfterSeconds).toBe(120);
  });

  test('disabled components are Disabled, ready, and never block readiness', () => {
    const result = run({});
    expect(result.status.ready).toBe(true);
    expect(result.status.kafkaStatus ?? result.status.mysqlStatus).toMatchObject({
      ready: true,
      state: 'Disabled',
    });
    expect(result.status.conditions?.[0]).toMatchObject({ status: 'True', reason: 'NoComponentsEnabled' });
  });

  test('a later sync with the previous status and nothing changed yields the same status (no churn)', () => {
    const children = [observedPxc(firstSync(), { state: 'initializing', observedGeneration: 1 })];
    const first = run(MYSQL, { children, related: [PASSWORD_SECRET] });
    const second = run(
      MYSQL,
      { children, related: [PASSWORD_SECRET], parent: { status: first.status } },
      LATER,
    );
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  test('lastTransitionTime moves only when a condition status changes', () => {
    const initializing = run(MYSQL, {
      children: [observedPxc(firstSync(), { state: 'initializing', observedGeneration: 1 })],
      related: [PASSWORD_SECRET],
    });
    const ready = run(
      MYSQL,
      {
        children: [observedPxc(firstSync(), { state: 'ready', observedGeneration: 1 })],
        related: [PASSWORD_SECRET, CONNECTION_SECRET],
        parent: { status: initializing.status },
      },
      LATER,
    );
    const time = (r: SyncResult, type: string) =>
      r.status.mysqlStatus?.conditions?.find((c) => c.type === type)?.lastTransitionTime;
    expect(time(ready, 'MySQLCustomResource')).toBe(NOW);
    expect(time(ready, 'MySQLReportedReady')).toBe(LATER);
  });
});

describe('invalid spec: a 200 that changes nothing (decision 7)', () => {
  const operatorOwned = (): KubeObject =>
    observedObject(
      {
        apiVersion: 'pxc.percona.com/v1',
        kind: 'PerconaXtraDBCluster',
        metadata: { name: 'wandb-mysql-cluster', labels: { 'controller-uid': 'u' } },
        spec: { crVersion: '1.18.0', pxc: { size: 1, image: 'operator-default' } },
      },
      {
        status: { state: 'ready' },
        finalizers: ['percona.com/delete-pxc-pods-in-order', 'operator.example/keep'],
      },
    );

  test.each([
    [{ size: 'huge', ...MYSQL }, 'spec.size: Invalid option'],
    [{ mysql: { enabled: true, namespace: 'elsewhere' } }, 'spec.mysql.namespace "elsewhere" differs'],
    [{ mysql: { enabled: true, storageSize: '10 gigabytes' } }, 'is not a Kubernetes quantity'],
    [{ mysql: { enabled: true, name: 'much-too-long-for-percona' } }, 'at most 14 fit'],
    [{ mysql: { enabled: true, replicas: 3 } }, 'spec.mysql.replicas cannot change from 1 to 3'],
    [
      { mysql: { enabled: true, name: 'renamed' } },
      'no longer yields the existing PerconaXtraDBCluster wandb-mysql-cluster',
    ],
  ])('%j → InvalidSpec "%s", every observed child frozen', (spec, message) => {
    const withLastApplied = observedPxc(firstSync(), { state: 'ready', observedGeneration: 1 });
    const previous = { ready: true, mysqlStatus: { ready: true, state: 'Healthy', conditions: [] } };
    for (const child of [withLastApplied, operatorOwned()]) {
      const result = run(spec, { children: [child], parent: { status: previous } });
      expect(result.children).toHaveLength(1);
      const invalid = result.status.conditions?.find((c) => c.type === 'InvalidSpec');
      expect(invalid?.message).toContain(message);
      expect(result.status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
        status: 'False',
        reason: 'InvalidSpec',
      });
      expect(result.status.mysqlStatus).toEqual(previous.mysqlStatus);
      expect(result.status.ready).toBe(false);
    }
  });

  test('a frozen child is its last-applied configuration, not the observed object', () => {
    const pxc = observedPxc(firstSync(), { state: 'ready', observedGeneration: 1 });
    const frozen = run({ size: 'huge', ...MYSQL }, { children: [pxc] }).children[0];
    const lastApplied = JSON.parse(pxc.metadata.annotations?.[LAST_APPLIED_ANNOTATION] ?? '{}');
    delete lastApplied.metadata.namespace;
    expect(frozen).toEqual(lastApplied);
  });

  test('without last-applied configuration only the identity is returned (operator finalizers and fields stay theirs)', () => {
    const frozen = run({ size: 'huge', ...MYSQL }, { children: [operatorOwned()] }).children[0];
    expect(frozen).toEqual({
      apiVersion: 'pxc.percona.com/v1',
      kind: 'PerconaXtraDBCluster',
      metadata: { name: 'wandb-mysql-cluster', labels: { 'controller-uid': 'u' } },
    });
  });
});

describe('removal in two phases (decision 8)', () => {
  const retained = (policy: 'retain' | 'purge') => ({
    mysql: { enabled: false },
    retentionPolicy: { onDelete: policy },
  });

  test('disabling: phase 1 returns the child with the policy knobs and waits; phase 2 omits it; then Disabled', () => {
    const pxc = observedPxc(firstSync()); // created under retain: no purge finalizers
    const phase1 = run(retained('purge'), { children: [pxc] });
    expect(phase1.children).toHaveLength(1);
    expect(phase1.children[0]?.metadata.finalizers).toEqual(expect.arrayContaining([...PURGE_FINALIZERS]));
    expect(phase1.status.mysqlStatus?.conditions?.find((c) => c.type === 'MySQLRemoval')).toMatchObject({
      reason: 'ApplyingRetention',
    });

    const applied = {
      ...pxc,
      metadata: { ...pxc.metadata, finalizers: phase1.children[0]?.metadata.finalizers },
    } as KubeObject;
    const phase2 = run(retained('purge'), { children: [applied], parent: { status: phase1.status } });
    expect(phase2.children).toEqual([]);
    expect(phase2.status.mysqlStatus?.conditions?.find((c) => c.type === 'MySQLRemoval')).toMatchObject({
      reason: 'Deleting',
    });

    const gone = run(retained('purge'), { parent: { status: phase2.status } });
    expect(gone.status.mysqlStatus).toMatchObject({ state: 'Disabled', ready: true });
  });

  test('phase 2 never starts in the first call that sees the removal, even with knobs already in effect', () => {
    const pxc = observedPxc(firstSync());
    expect(run(retained('retain'), { children: [pxc] }).children).toHaveLength(1);
  });

  test('finalize: finalized only once no child remains', () => {
    const pxc = observedPxc(firstSync());
    const deleting = { deletionTimestamp: NOW };
    const first = run(MYSQL, { children: [pxc], finalizing: true, parent: deleting });
    expect(first.finalized).toBe(false);
    expect(first.children).toHaveLength(1);
    const second = run(MYSQL, {
      children: [pxc],
      finalizing: true,
      parent: { ...deleting, status: first.status },
    });
    expect(second).toMatchObject({ finalized: false, children: [] });
    expect(run(MYSQL, { finalizing: true, parent: { ...deleting, status: second.status } }).finalized).toBe(
      true,
    );
  });

  test('--cascade=orphan: finalized at once, children left as they are', () => {
    const pxc = observedPxc(firstSync());
    const result = run(MYSQL, {
      children: [pxc],
      finalizing: true,
      parent: { deletionTimestamp: NOW, finalizers: ['orphan'] },
    });
    expect(result.finalized).toBe(true);
    expect(result.children).toHaveLength(1);
    expect(result.status.conditions?.[0]).toMatchObject({ reason: 'Orphaned' });
  });

  test('a sync never sets finalized', () => {
    expect(run(MYSQL).finalized).toBeUndefined();
  });
});

describe('scale', () => {
  test('a group of 300 000 related objects is indexed and the sync answers (no argument-spread overflow)', () => {
    // A 32 MB body holds this many small objects; spreading one group into push() overflowed the stack.
    const related = [
      PASSWORD_SECRET,
      ...Array.from({ length: 300_000 }, (_, i) => aSecret(`unrelated-${i}`, { x: 'y' })),
    ];
    const result = run(MYSQL, { related });
    expect(result.children.map((c) => c.kind)).toEqual(['PerconaXtraDBCluster']);
  });
});
