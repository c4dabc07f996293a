// MinIO scaling by adding a pool (issue 15): `spec.minio.pools` appends pools after pool 0, the hooks
// refuse what the operator or MinIO cannot carry out against the running Tenant, and MinioOperation
// follows a new pool through the Tenant's `status.pools` and the restart of every server.
import { describe, expect, test } from 'vitest';
import { minio } from '../../compositions/components/minio.js';
import { type Child, field, type KubeObject } from '../../compositions/kube.js';
import { contextFor, observedObject } from '../support/builders.js';

const SMALL = { size: 'small', minio: { enabled: true } };
const ONE_POOL_ADDED = { size: 'small', minio: { enabled: true, pools: [{ servers: 2 }] } };
const TWO_POOLS_ADDED = {
  size: 'small',
  minio: { enabled: true, pools: [{ servers: 2 }, { servers: 4, storageSize: '50Gi' }] },
};

const tenantOf = (spec: unknown) => minio.desired(contextFor(minio, spec))[0] as Child;
const observedTenant = (spec: unknown, status: Record<string, unknown> = {}) =>
  observedObject(tenantOf(spec), { status });
const poolsOf = (tenant: KubeObject) => (field(tenant, 'spec', 'pools') as unknown[]) ?? [];

function problemsOf(user: Record<string, unknown>, size: 'dev' | 'small') {
  const problems: string[] = [];
  minio.resolve({
    user: { enabled: true, ...user },
    preset: minio.presets[size],
    common: { ...contextFor(minio, { size, minio: { enabled: true, ...user } }).spec },
    problems,
  });
  return problems;
}

describe('minio pools', () => {
  describe('desired Tenant pools', () => {
    const cases: Array<{
      name: string;
      spec: unknown;
      want: Array<{ name: string; servers: number; volumesPerServer: number; storage: string }>;
    }> = [
      {
        name: 'no pools → pool 0 alone, as before',
        spec: SMALL,
        want: [{ name: 'wandb-minio-pool', servers: 3, volumesPerServer: 4, storage: '10Gi' }],
      },
      {
        name: 'one added → pool-1 with the same volumes per server and pool 0’s size',
        spec: ONE_POOL_ADDED,
        want: [
          { name: 'wandb-minio-pool', servers: 3, volumesPerServer: 4, storage: '10Gi' },
          { name: 'pool-1', servers: 2, volumesPerServer: 4, storage: '10Gi' },
        ],
      },
      {
        name: 'two added, one with its own size → in order',
        spec: TWO_POOLS_ADDED,
        want: [
          { name: 'wandb-minio-pool', servers: 3, volumesPerServer: 4, storage: '10Gi' },
          { name: 'pool-1', servers: 2, volumesPerServer: 4, storage: '10Gi' },
          { name: 'pool-2', servers: 4, volumesPerServer: 4, storage: '50Gi' },
        ],
      },
    ];
    test.each(cases)('$name', ({ spec, want }) => {
      const pools = poolsOf(tenantOf(spec)).map((pool) => ({
        name: field(pool, 'name'),
        servers: field(pool, 'servers'),
        volumesPerServer: field(pool, 'volumesPerServer'),
        storage: field(pool, 'volumeClaimTemplate', 'spec', 'resources', 'requests', 'storage'),
      }));
      expect(pools).toEqual(want);
    });
  });

  test('the new pool’s PVCs are data volumes and its StatefulSet an owned name', () => {
    const { spec } = contextFor(minio, ONE_POOL_ADDED);
    const volumes = minio.dataVolumes(spec);
    expect(volumes).toHaveLength(3 * 4 + 2 * 4);
    expect(volumes).toContain('3-wandb-minio-pool-1-1');
    expect(minio.ownedNames(spec).filter((n) => n.kind === 'StatefulSet')).toEqual([
      expect.objectContaining({ name: 'wandb-minio-wandb-minio-pool' }),
      expect.objectContaining({ name: 'wandb-minio-pool-1' }),
    ]);
  });

  describe('spec problems', () => {
    const cases: Array<{
      name: string;
      user: Record<string, unknown>;
      size: 'dev' | 'small';
      want: string[];
    }> = [
      { name: 'small with a pool → none', user: { pools: [{ servers: 1 }] }, size: 'small', want: [] },
      {
        name: 'dev (a single drive) with a pool → refused',
        user: { pools: [{ servers: 4 }] },
        size: 'dev',
        want: [expect.stringMatching(/^spec.minio.pools cannot extend a single-drive MinIO/)],
      },
      {
        name: 'a pool size that is no quantity → refused',
        user: { pools: [{ servers: 2, storageSize: 'big' }] },
        size: 'small',
        want: ['spec.minio.pools[0].storageSize "big" is not a Kubernetes quantity (e.g. 10Gi)'],
      },
    ];
    test.each(cases)('$name', ({ user, size, want }) => {
      expect(problemsOf(user, size)).toEqual(want);
    });
  });

  describe('refused against the running Tenant', () => {
    const cases: Array<{ name: string; running: unknown; spec: unknown; want: string[] }> = [
      { name: 'a pool appended → allowed', running: SMALL, spec: ONE_POOL_ADDED, want: [] },
      { name: 'a second pool appended → allowed', running: ONE_POOL_ADDED, spec: TWO_POOLS_ADDED, want: [] },
      {
        name: 'an added pool removed → refused, its data would be lost',
        running: ONE_POOL_ADDED,
        spec: SMALL,
        want: [
          'Tenant wandb-minio has pool pool-1, which the spec no longer yields: the MinIO operator would take it as decommissioned and its data would be lost; pools can only be appended to spec.minio.pools',
        ],
      },
      {
        name: 'an added pool’s servers changed → refused, immutable',
        running: ONE_POOL_ADDED,
        spec: { size: 'small', minio: { enabled: true, pools: [{ servers: 3 }] } },
        want: [
          'spec.minio.pools[0].servers cannot change from 2 to 3: Tenant wandb-minio has immutable pool servers',
        ],
      },
      {
        name: 'an added pool shrunk → refused',
        running: TWO_POOLS_ADDED,
        spec: {
          size: 'small',
          minio: { enabled: true, pools: [{ servers: 2 }, { servers: 4, storageSize: '20Gi' }] },
        },
        want: ['spec.minio.pools[1].storageSize cannot shrink from 50Gi to 20Gi: volumes only grow'],
      },
    ];
    test.each(cases)('$name', ({ running, spec, want }) => {
      const children = [observedTenant(running, { currentState: 'Initialized' })];
      expect(minio.refusedEdits(contextFor(minio, spec, { children }))).toEqual(want);
    });
  });

  describe('AddingPool in flight', () => {
    const pool = (ssName: string, state: string) => ({ ssName, state });
    const POOL_0 = pool('wandb-minio-wandb-minio-pool', 'PoolInitialized');
    const cases: Array<{ name: string; status: Record<string, unknown>; want: unknown[] }> = [
      {
        name: 'the new pool not yet in the status → not yet seen',
        status: { currentState: 'Initialized', pools: [POOL_0] },
        want: [
          {
            kind: 'AddingPool',
            change: 'StatefulSet wandb-minio-pool-1',
            progress: expect.stringMatching(
              /^wandb-minio-pool-1 not yet seen by the operator; the operator then restarts every MinIO server/,
            ),
          },
        ],
      },
      {
        name: 'PoolCreated → its state',
        status: {
          currentState: 'Provisioning MinIO Statefulset',
          pools: [POOL_0, pool('wandb-minio-pool-1', 'PoolCreated')],
        },
        want: [
          expect.objectContaining({ progress: expect.stringMatching(/^wandb-minio-pool-1 PoolCreated;/) }),
        ],
      },
      {
        name: 'Restarting MinIO → every server restarts',
        status: {
          currentState: 'Restarting MinIO',
          pools: [POOL_0, pool('wandb-minio-pool-1', 'PoolInitialized')],
        },
        want: [
          {
            kind: 'AddingPool',
            change: 'to 2 pools',
            progress: expect.stringContaining('every MinIO server of every pool restarts'),
          },
        ],
      },
      {
        name: 'an error in currentState while the pool joins → failed in the operator’s words',
        status: {
          currentState: 'pool #1 with 2 servers must have at least 4 volumes in total',
          pools: [POOL_0, pool('wandb-minio-pool-1', 'PoolNotCreated')],
        },
        want: [
          expect.objectContaining({
            kind: 'AddingPool',
            failed: 'pool #1 with 2 servers must have at least 4 volumes in total',
          }),
        ],
      },
      {
        name: 'a first creation (no pool initialized yet) → no operation',
        status: {
          currentState: 'Provisioning MinIO Statefulset',
          pools: [
            pool('wandb-minio-wandb-minio-pool', 'PoolCreated'),
            pool('wandb-minio-pool-1', 'PoolCreated'),
          ],
        },
        want: [],
      },
      {
        name: 'every pool initialized → none',
        status: {
          currentState: 'Initialized',
          pools: [POOL_0, pool('wandb-minio-pool-1', 'PoolInitialized')],
        },
        want: [],
      },
    ];
    test.each(cases)('$name', ({ status, want }) => {
      const children = [observedTenant(ONE_POOL_ADDED, status)];
      expect(minio.operations?.(contextFor(minio, ONE_POOL_ADDED, { children }))).toEqual(want);
    });
  });
});
