import { describe, expect, test } from 'vitest';
import { PURGE_FINALIZERS } from '../compositions/components/mysql.js';
import { LAST_APPLIED_ANNOTATION } from '../compositions/freeze.js';
import type { KubeObject } from '../compositions/kube.js';
import { reconcile, type SyncResult } from '../compositions/reconcile.js';
import { CONNECTION_GAP_SECONDS } from '../compositions/write.js';
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
    // Never ready before (no previous status): what would be Unavailable is an install still going on.
    [{ state: 'paused', observedGeneration: 1 }, 'Pending', false],
    [{}, 'Unknown', false],
  ])('operator status %j with the connection Secret, no previous status → %s', (status, state, ready) => {
    const result = run(MYSQL, {
      children: [observedPxc(firstSync(), status)],
      related: [PASSWORD_SECRET, CONNECTION_SECRET],
    });
    expect(result.status.mysqlStatus).toMatchObject({ state, ready });
    expect(result.status.ready).toBe(ready);
  });

  test('ready cluster without connection Secret → Pending at first (a gap); with it → Healthy and connection.url set', () => {
    const pxc = observedPxc(firstSync(), { state: 'ready', observedGeneration: 1 });
    const missing = run(MYSQL, { children: [pxc], related: [PASSWORD_SECRET] });
    expect(missing.status.mysqlStatus?.state).toBe('Pending');
    expect(
      missing.status.mysqlStatus?.conditions?.find((c) => c.type === 'MySQLConnectionInfo'),
    ).toMatchObject({ status: 'Unknown', reason: 'ConnectionSecretPending', lastTransitionTime: NOW });
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

/** NOW plus some seconds, as RFC 3339 without fractions (the edge's format). */
const at = (seconds: number) =>
  new Date(Date.parse(NOW) + seconds * 1000).toISOString().replace('.000Z', 'Z');
const conditionOf = (result: SyncResult, type: string) =>
  result.status.mysqlStatus?.conditions?.find((c) => c.type === type);
/** The metav1.Condition reason pattern (reference §1.3); the API server rejects a status without it. */
const CONDITION_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

describe('a connection Secret missing while the operator reports ready (a gap between two controllers)', () => {
  const ready = () => observedPxc(firstSync(), { state: 'ready', observedGeneration: 1 });
  const gap = (previous: SyncResult | undefined, now: string) =>
    run(
      MYSQL,
      {
        children: [ready()],
        related: [PASSWORD_SECRET],
        parent: previous ? { status: previous.status } : {},
      },
      now,
    );

  test('Pending until the gap has lasted CONNECTION_GAP_SECONDS, then Error; resync never later than that moment', () => {
    const first = gap(undefined, NOW);
    expect(first.status.mysqlStatus?.state).toBe('Pending');
    expect(first.resyncAfterSeconds).toBe(CONNECTION_GAP_SECONDS);

    const middle = gap(first, at(90));
    expect(middle.status.mysqlStatus?.state).toBe('Pending');
    expect(conditionOf(middle, 'MySQLConnectionInfo')?.lastTransitionTime).toBe(NOW);
    expect(middle.resyncAfterSeconds).toBe(CONNECTION_GAP_SECONDS - 90);

    const late = gap(middle, at(CONNECTION_GAP_SECONDS));
    expect(late.status.mysqlStatus).toMatchObject({ state: 'Error', ready: false });
    expect(conditionOf(late, 'MySQLConnectionInfo')).toMatchObject({
      status: 'Unknown',
      reason: 'NoResource',
      lastTransitionTime: NOW,
      message:
        'MySQL connection info is unavailable, but MySQL is reported as ready (Secret wandb-mysql-connection missing ' +
        `since ${NOW}): check that the wandb-secrets DecoratorController runs`,
    });
    expect(late.resyncAfterSeconds).toBe(15);
  });

  test('the gap starts when the operator reports ready, not when the Secret was first found missing', () => {
    const installing = run(MYSQL, {
      children: [observedPxc(firstSync(), { state: 'initializing', observedGeneration: 1 })],
      related: [PASSWORD_SECRET],
    });
    const readyLater = gap(installing, at(600));
    expect(readyLater.status.mysqlStatus?.state).toBe('Pending');
    expect(conditionOf(readyLater, 'MySQLConnectionInfo')?.lastTransitionTime).toBe(at(600));
  });

  test('a Secret that goes missing after it existed starts a new gap', () => {
    const healthy = run(MYSQL, { children: [ready()], related: [PASSWORD_SECRET, CONNECTION_SECRET] });
    expect(healthy.status.mysqlStatus?.state).toBe('Healthy');
    const lost = gap(healthy, at(3600));
    expect(lost.status.mysqlStatus?.state).toBe('Pending');
    expect(conditionOf(lost, 'MySQLConnectionInfo')?.lastTransitionTime).toBe(at(3600));
  });

  test('a lastTransitionTime that is not a time restarts the gap now instead of keeping it Pending forever', () => {
    const first = gap(undefined, NOW);
    const garbled = structuredClone(first.status) as typeof first.status;
    for (const c of garbled.mysqlStatus?.conditions ?? []) c.lastTransitionTime = 'yesterday';
    const next = gap({ ...first, status: garbled }, at(30));
    expect(conditionOf(next, 'MySQLConnectionInfo')?.lastTransitionTime).toBe(at(30));
    expect(gap(next, at(30 + CONNECTION_GAP_SECONDS)).status.mysqlStatus?.state).toBe('Error');
  });
});

describe('a component that has never been ready is Pending, not Unavailable', () => {
  const withPxc = (status: unknown, previous?: SyncResult, now = NOW) =>
    run(
      MYSQL,
      {
        children: [observedPxc(firstSync(), status)],
        related: [PASSWORD_SECRET, CONNECTION_SECRET],
        parent: previous ? { status: previous.status } : {},
      },
      now,
    );
  const paused = { state: 'paused', observedGeneration: 1 };
  const ready = { state: 'ready', observedGeneration: 1 };

  test('MySQLHasBeenReady remembers the first ready sync; a later outage then reads Unavailable', () => {
    const installing = withPxc(paused);
    expect(installing.status.mysqlStatus?.state).toBe('Pending');
    expect(conditionOf(installing, 'MySQLHasBeenReady')).toMatchObject({
      status: 'False',
      reason: 'NotYetReady',
    });

    const up = withPxc(ready, installing, at(60));
    expect(conditionOf(up, 'MySQLHasBeenReady')).toMatchObject({
      status: 'True',
      reason: 'FirstReady',
      lastTransitionTime: at(60),
    });
    const down = withPxc(paused, up, at(120));
    expect(down.status.mysqlStatus?.state).toBe('Unavailable');
    const stillDown = withPxc(paused, down, at(180));
    expect(stillDown.status.mysqlStatus?.state).toBe('Unavailable');
    expect(conditionOf(stillDown, 'MySQLHasBeenReady')?.lastTransitionTime).toBe(at(60));
  });

  test('a lost status (or a parent re-created over retained data) reads the quieter Pending', () => {
    const up = withPxc(ready);
    expect(withPxc(paused, up).status.mysqlStatus?.state).toBe('Unavailable');
    expect(withPxc(paused).status.mysqlStatus?.state).toBe('Pending');
  });

  test('Redis: a StatefulSet created seconds ago with 0 ready pods is Pending; once Redis was ready, Unavailable', () => {
    const spec = { redis: { enabled: true } };
    const secret = aSecret('wandb-redis-credentials', { password: 'p' });
    const cr = run(spec, { related: [secret] }).children.map((c) => observedObject(c));
    const statefulSet = (ready: number): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'wandb-redis', namespace: 'wandb', uid: 'uid-sts', generation: 1 },
      spec: { replicas: 1 },
      status: { replicas: 1, observedGeneration: 1, ...(ready > 0 ? { readyReplicas: ready } : {}) },
    });
    const sync = (ready: number, previous?: SyncResult) =>
      run(spec, {
        children: cr,
        related: [secret, aSecret('wandb-redis-connection', { url: 'redis://…' }), statefulSet(ready)],
        parent: previous ? { status: previous.status } : {},
      });
    const fresh = sync(0);
    expect(fresh.status.redisStatus?.state).toBe('Pending');
    const up = sync(1, fresh);
    expect(up.status.redisStatus?.state).toBe('Healthy');
    expect(sync(0, up).status.redisStatus?.state).toBe('Unavailable');
  });
});

describe('a child being deleted', () => {
  const DELETED_AT = '2026-01-01T00:30:00Z';
  const terminating = (
    status: unknown,
    finalizers = ['percona.com/delete-pxc-pods-in-order'],
  ): KubeObject => {
    const pxc = observedPxc(firstSync(), status, { finalizers });
    return { ...pxc, metadata: { ...pxc.metadata, deletionTimestamp: DELETED_AT } } as KubeObject;
  };
  const healthy = () =>
    run(MYSQL, {
      children: [observedPxc(firstSync(), { state: 'ready', observedGeneration: 1 })],
      related: [PASSWORD_SECRET, CONNECTION_SECRET],
    });

  test('is never Healthy: it names the finalizer, since when, and that its operator has not acted', () => {
    const result = run(
      MYSQL,
      {
        children: [terminating({ state: 'ready', observedGeneration: 1 })],
        related: [PASSWORD_SECRET, CONNECTION_SECRET],
        parent: { status: healthy().status },
      },
      LATER,
    );
    expect(result.status.mysqlStatus).toMatchObject({ state: 'Unavailable', ready: false });
    expect(result.status.ready).toBe(false);
    expect(conditionOf(result, 'MySQLCustomResource')).toMatchObject({
      status: 'False',
      reason: 'PendingDelete',
      message:
        `PerconaXtraDBCluster wandb-mysql-cluster is being deleted since ${DELETED_AT}, held by finalizer ` +
        'percona.com/delete-pxc-pods-in-order; its operator has not acted on it yet (status.state is still ready): ' +
        'check that the MySQL operator is running; it is created again once it is gone',
    });
    // Returned all the same: Metacontroller leaves a terminating child alone, and omitting one is never safe.
    expect(result.children.map((c) => c.metadata.name)).toEqual(['wandb-mysql-cluster']);
  });

  test('an operator that has acted says so (Percona status.state stopping)', () => {
    const result = run(MYSQL, {
      children: [terminating({ state: 'stopping', observedGeneration: 2 })],
      related: [PASSWORD_SECRET, CONNECTION_SECRET],
    });
    expect(conditionOf(result, 'MySQLCustomResource')?.message).toContain(
      'its operator is working on it (status.state is stopping)',
    );
  });

  test('re-enabled while its child still terminates: waits, then creates it again once it is gone', () => {
    const disabled = { mysql: { enabled: false } };
    const removing = run(disabled, { children: [terminating({ state: 'stopping' })] });
    const waiting = run(
      MYSQL,
      {
        children: [terminating({ state: 'stopping' })],
        related: [PASSWORD_SECRET],
        parent: { status: removing.status },
      },
      LATER,
    );
    expect(waiting.status.mysqlStatus?.state).toBe('Pending');
    expect(conditionOf(waiting, 'MySQLCustomResource')?.message).toContain(
      'it is created again once it is gone',
    );
    const gone = run(MYSQL, { related: [PASSWORD_SECRET], parent: { status: waiting.status } }, LATER);
    expect(gone.children.map((c) => c.metadata.name)).toEqual(['wandb-mysql-cluster']);
    expect(conditionOf(gone, 'MySQLCustomResource')).toMatchObject({ reason: 'PendingCreate' });
  });

  test('a removal stuck on a finalizer says which, since when, and whether the operator acted', () => {
    const deleting = { deletionTimestamp: NOW };
    const phase1 = run(MYSQL, { children: [observedPxc(firstSync())], finalizing: true, parent: deleting });
    const phase2 = run(MYSQL, {
      children: [terminating({ state: 'ready', observedGeneration: 1 })],
      finalizing: true,
      parent: { ...deleting, status: phase1.status },
    });
    expect(phase2.finalized).toBe(false);
    expect(conditionOf(phase2, 'MySQLCustomResource')?.message).toBe(
      `PerconaXtraDBCluster wandb-mysql-cluster is being deleted since ${DELETED_AT}, held by finalizer ` +
        'percona.com/delete-pxc-pods-in-order; its operator has not acted on it yet (status.state is still ready): ' +
        'check that the MySQL operator is running',
    );
  });
});

describe('fidelity pins', () => {
  test('reference bug 13: a PXC state "" gives a non-empty reason, so the status write is never rejected', () => {
    for (const status of [{ state: '' }, {}, { state: '', observedGeneration: 1 }]) {
      const result = run(MYSQL, { children: [observedPxc(firstSync(), status)], related: [PASSWORD_SECRET] });
      expect(conditionOf(result, 'MySQLReportedReady')).toMatchObject({
        status: 'Unknown',
        reason: 'Unknown',
      });
      const reasons = [
        ...(result.status.conditions ?? []),
        ...(result.status.mysqlStatus?.conditions ?? []),
      ].map((c) => c.reason);
      for (const reason of reasons) expect(reason).toMatch(CONDITION_REASON);
    }
  });

  test('inline wandb.license and wandb.oidc.clientSecret are accepted, unused, and the status says so', () => {
    const oidc = { clientId: 'id', clientSecret: 's3cr3t', issuerUrl: 'https://issuer', authMethod: 'pkce' };
    const result = run(
      { ...MYSQL, wandb: { hostname: 'https://wandb.example', license: 'L1c', oidc } },
      {
        related: [PASSWORD_SECRET],
      },
    );
    const condition = result.status.conditions?.find((c) => c.type === 'InlineSecrets');
    expect(condition).toMatchObject({ status: 'True', reason: 'AcceptedButUnused' });
    expect(condition?.message).toContain('spec.wandb.license and spec.wandb.oidc.clientSecret are accepted');
    expect(JSON.stringify(result.status)).not.toMatch(/s3cr3t|L1c/);
    const without = run(
      { ...MYSQL, wandb: { hostname: 'https://wandb.example' } },
      { related: [PASSWORD_SECRET] },
    );
    expect(without.status.conditions?.map((c) => c.type)).toEqual(['Ready']);
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
