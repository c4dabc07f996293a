import { describe, expect, test } from 'vitest';
import { credentialSecrets } from '../../compositions/component.js';
import {
  BUCKET,
  MINIO_IMAGE,
  minio,
  namespaceConflict,
  poolStatefulSetName,
  reportedReady,
} from '../../compositions/components/minio.js';
import type { Child, KubeObject } from '../../compositions/kube.js';
import { aParent, contextFor, observedObject, PARENT_UID } from '../support/builders.js';
import { assertValidAgainstCrd, validateAgainstCrd } from '../support/crd-validator.js';

const DEV = { size: 'dev', minio: { enabled: true } };
const SMALL = { size: 'small', minio: { enabled: true } };

const only = (children: Child[]): Child => {
  expect(children).toHaveLength(1);
  return children[0] as Child;
};
const pool = (tenant: Child) => (tenant.spec as { pools: Array<Record<string, unknown>> }).pools[0];

/** A Tenant status with every key the CRD requires, plus the given fields. */
function tenantStatus(fields: Record<string, unknown> = {}) {
  return {
    availableReplicas: 1,
    certificates: { autoCertEnabled: true },
    currentState: 'Initialized',
    pools: [{ ssName: 'wandb-minio-wandb-minio-pool', state: 'PoolInitialized' }],
    revision: 0,
    syncVersion: 'v6.0.0',
    ...fields,
  };
}

function anObservedTenant(spec: unknown = DEV, status?: unknown) {
  const desired = only(minio.desired(contextFor(minio, spec)));
  return observedObject(desired, status === undefined ? {} : { status });
}

const OTHER_UID = '00000000-0000-0000-0000-000000000001';
const LATER_UID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** Another parent of the namespace, as a related object. */
function anotherParent(options: {
  name: string;
  uid: string;
  creationTimestamp: string;
  minio?: boolean;
  deleting?: boolean;
  namespace?: string;
}) {
  return aParent(
    { minio: { enabled: options.minio ?? true } },
    {
      name: options.name,
      uid: options.uid,
      creationTimestamp: options.creationTimestamp,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
  ) as unknown as KubeObject;
}

function aForeignTenant(name: string, controllerUid?: string): KubeObject {
  return {
    apiVersion: 'minio.min.io/v2',
    kind: 'Tenant',
    metadata: {
      name,
      namespace: 'wandb',
      uid: `uid-tenant-${name}`,
      ...(controllerUid ? { labels: { 'controller-uid': controllerUid } } : {}),
    },
    spec: { pools: [] },
  };
}

describe('minio', () => {
  describe('desired Tenant', () => {
    describe('a valid Tenant sized by the preset', () => {
      const cases: Array<{
        name: string;
        args: { spec: unknown };
        want: { servers: number; volumesPerServer: number };
      }> = [
        {
          name: 'dev parent → 1 server, 1 volume',
          args: { spec: DEV },
          want: { servers: 1, volumesPerServer: 1 },
        },
        {
          name: 'small parent → 3 servers × 4 volumes',
          args: { spec: SMALL },
          want: { servers: 3, volumesPerServer: 4 },
        },
      ];
      test.each(cases)('$name', ({ args, want }) => {
        const tenant = only(minio.desired(contextFor(minio, args.spec)));
        assertValidAgainstCrd(tenant);
        expect(tenant.metadata.name).toBe('wandb-minio');
        expect(tenant.spec).toMatchObject({
          image: MINIO_IMAGE,
          configuration: { name: 'wandb-minio-config' },
          requestAutoCert: true,
          buckets: [{ name: BUCKET }],
        });
        expect(pool(tenant)).toMatchObject({ name: 'wandb-minio-pool', ...want });
      });
    });

    test('image → pinned release, never latest', () => {
      expect(MINIO_IMAGE).toMatch(/:RELEASE\.\d{4}-/);
    });

    test('volume claim template → no metadata.name, so PVC names match the reference', () => {
      const tenant = only(minio.desired(contextFor(minio, SMALL)));
      expect(pool(tenant)?.volumeClaimTemplate).toEqual({
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
      });
    });

    test('small parent → pool resources from the preset', () => {
      const tenant = only(minio.desired(contextFor(minio, SMALL)));
      expect(pool(tenant)?.resources).toEqual({
        requests: { cpu: '500m', memory: '1Gi' },
        limits: { cpu: '1000m', memory: '2Gi' },
      });
      expect(pool(only(minio.desired(contextFor(minio, DEV))))).not.toHaveProperty('resources');
    });

    test('telemetry on → public Prometheus metrics, still valid', () => {
      const tenant = only(
        minio.desired(contextFor(minio, { minio: { enabled: true, telemetry: { enabled: true } } })),
      );
      assertValidAgainstCrd(tenant);
      expect((tenant.spec as { env: unknown }).env).toEqual([
        { name: 'MINIO_PROMETHEUS_AUTH_TYPE', value: 'public' },
      ]);
      expect(only(minio.desired(contextFor(minio, DEV))).spec).not.toHaveProperty('env');
    });

    test('63-character parent name → Tenant and StatefulSet names within budget', () => {
      const context = contextFor(minio, SMALL, { parent: { name: 'w'.repeat(63) } });
      const tenant = only(minio.desired(context));
      assertValidAgainstCrd(tenant);
      expect(tenant.metadata.name.length).toBeLessThanOrEqual(23);
      expect(poolStatefulSetName(context.spec).length).toBeLessThanOrEqual(52);
      expect(poolStatefulSetName(context.spec)).toBe(`${tenant.metadata.name}-${tenant.metadata.name}-pool`);
      expect(`${tenant.metadata.name}-console`.length).toBeLessThanOrEqual(63);
    });

    test('credential Secret → the config Secret the Tenant references', () => {
      const context = contextFor(minio, DEV);
      expect(credentialSecrets(minio, context.spec)).toEqual(['wandb-minio-config']);
    });
  });

  describe('MinioReportedReady', () => {
    const progress = [
      'Provisioning MinIO Cluster IP Service',
      'Provisioning MinIO Headless Service',
      'Provisioning MinIO Statefulset',
      'Provisioning Console Service',
      'Provisioning initial users',
      'Provisioning default buckets',
      'Waiting for Tenant to be healthy',
      'Waiting for MinIO TLS Certificate',
      'Updating MinIO Version',
      'Restarting MinIO',
    ];
    const errors = [
      'Statefulset not controlled by operator',
      'Another MinIO Tenant already exists in the namespace',
      'Tenant credentials are not set properly',
      'Different versions across MinIO Pools',
      'Pool Decommissioning Not Allowed',
      'empty tenant credentials',
      "Can't modify server count for pool wandb-minio-pool",
    ];
    type Case = {
      name: string;
      args: { status: Record<string, unknown> | undefined };
      want: { status: string; reason: string; implies: string };
    };
    const cases: Case[] = [
      {
        name: 'initialized and green → ready',
        args: { status: tenantStatus({ healthStatus: 'green' }) },
        want: { status: 'True', reason: 'green', implies: 'Healthy' },
      },
      {
        name: 'initialized and yellow → degraded',
        args: { status: tenantStatus({ healthStatus: 'yellow' }) },
        want: { status: 'False', reason: 'yellow', implies: 'Degraded' },
      },
      {
        name: 'red → error',
        args: { status: tenantStatus({ healthStatus: 'red' }) },
        want: { status: 'False', reason: 'red', implies: 'Error' },
      },
      {
        name: 'green while a pool is still being created → pending',
        args: {
          status: tenantStatus({ healthStatus: 'green', pools: [{ ssName: 's', state: 'PoolCreated' }] }),
        },
        want: { status: 'False', reason: 'InProgress', implies: 'Pending' },
      },
      {
        name: 'initialized without a health check yet → pending',
        args: { status: tenantStatus() },
        want: { status: 'False', reason: 'InProgress', implies: 'Pending' },
      },
      {
        name: 'green but rolling out a new version (the operator is behind the spec) → pending',
        args: { status: tenantStatus({ healthStatus: 'green', currentState: 'Updating MinIO Version' }) },
        want: { status: 'False', reason: 'InProgress', implies: 'Pending' },
      },
      {
        name: 'unknown health → unknown',
        args: { status: tenantStatus({ healthStatus: 'purple' }) },
        want: { status: 'Unknown', reason: 'Unknown', implies: 'Unknown' },
      },
      {
        name: 'no status yet → unknown',
        args: { status: undefined },
        want: { status: 'Unknown', reason: 'Unknown', implies: 'Unknown' },
      },
      ...progress.map(
        (state): Case => ({
          name: `progress state "${state}" → pending`,
          args: { status: tenantStatus({ currentState: state }) },
          want: { status: 'False', reason: 'InProgress', implies: 'Pending' },
        }),
      ),
      ...errors.map(
        (state): Case => ({
          name: `error state "${state}" → error, even when green`,
          args: { status: tenantStatus({ currentState: state, healthStatus: 'green' }) },
          want: { status: 'False', reason: 'TenantError', implies: 'Error' },
        }),
      ),
      {
        name: 'any other text (an operator error) → error',
        args: { status: tenantStatus({ currentState: 'pool name must be unique' }) },
        want: { status: 'False', reason: 'TenantError', implies: 'Error' },
      },
    ];
    test.each(cases)('$name', ({ args: { status }, want }) => {
      const tenant = anObservedTenant(DEV, status);
      // The validator knows only the metadata we write; the status fixture is what it checks here.
      if (status !== undefined)
        assertValidAgainstCrd({ ...tenant, metadata: { name: tenant.metadata.name } });
      const finding = reportedReady(tenant);
      expect(finding).toMatchObject({ type: 'MinioReportedReady', ...want });
      expect(finding.message).toContain('Tenant wandb-minio');
    });

    test('error state → the operator text in the message', () => {
      const finding = reportedReady(
        anObservedTenant(DEV, tenantStatus({ currentState: 'empty tenant credentials' })),
      );
      expect(finding.message).toContain('empty tenant credentials');
    });

    test('observed Tenant → its readiness; missing Tenant → no readiness finding', () => {
      const tenant = anObservedTenant(DEV, tenantStatus({ healthStatus: 'green' }));
      expect(minio.observe(contextFor(minio, DEV, { children: [tenant] }))).toEqual([
        expect.objectContaining({ type: 'MinioReportedReady', status: 'True' }),
      ]);
      expect(minio.observe(contextFor(minio, DEV))).toEqual([]);
    });

    test('status fixture without the required keys → rejected by the CRD (the fixtures above are real)', () => {
      const tenant = anObservedTenant(DEV, { healthStatus: 'green' });
      expect(validateAgainstCrd({ ...tenant, metadata: { name: tenant.metadata.name } }).valid).toBe(false);
    });
  });

  describe('one Tenant per namespace', () => {
    const ME = { creationTimestamp: '2025-12-31T00:00:00Z', uid: PARENT_UID };

    test('alone in the namespace → Tenant desired, no conflict', () => {
      const context = contextFor(minio, DEV, {
        related: [aParent(DEV) as unknown as KubeObject],
      });
      expect(namespaceConflict(context)).toBeUndefined();
      expect(minio.desired(context)).toHaveLength(1);
    });

    test('older parent with MinIO → no Tenant, conflict naming the other parent', () => {
      const context = contextFor(minio, DEV, {
        related: [
          anotherParent({ name: 'first', uid: LATER_UID, creationTimestamp: '2025-01-01T00:00:00Z' }),
        ],
      });
      expect(minio.desired(context)).toEqual([]);
      const findings = minio.observe(context);
      expect(findings).toEqual([
        {
          type: 'MinioNamespaceConflict',
          status: 'True',
          reason: 'AnotherTenantInNamespace',
          message: expect.stringContaining('WeightsAndBiases first'),
          implies: 'Error',
        },
      ]);
    });

    test('younger parent with MinIO → this parent wins', () => {
      const context = contextFor(minio, DEV, {
        related: [
          anotherParent({ name: 'second', uid: OTHER_UID, creationTimestamp: '2026-06-01T00:00:00Z' }),
        ],
      });
      expect(minio.desired(context)).toHaveLength(1);
      expect(minio.observe(context)).toEqual([]);
    });

    describe('same creation time → the lower uid wins', () => {
      const cases: Array<{ name: string; args: { uid: string }; want: { tenants: number } }> = [
        { name: 'lower uid → the other parent wins', args: { uid: OTHER_UID }, want: { tenants: 0 } },
        { name: 'higher uid → this parent wins', args: { uid: LATER_UID }, want: { tenants: 1 } },
      ];
      test.each(cases)('$name', ({ args, want }) => {
        const context = contextFor(minio, DEV, {
          related: [anotherParent({ name: 'twin', uid: args.uid, creationTimestamp: ME.creationTimestamp })],
        });
        expect(minio.desired(context)).toHaveLength(want.tenants);
      });
    });

    describe('an older parent that does not block', () => {
      const cases: Array<{
        name: string;
        args: { other: Pick<Parameters<typeof anotherParent>[0], 'minio' | 'deleting' | 'namespace'> };
      }> = [
        { name: 'with MinIO disabled', args: { other: { minio: false } } },
        { name: 'being deleted', args: { other: { deleting: true } } },
        { name: 'in another namespace', args: { other: { namespace: 'elsewhere' } } },
      ];
      test.each(cases)('$name', ({ args }) => {
        const context = contextFor(minio, DEV, {
          related: [
            anotherParent({
              name: 'old',
              uid: OTHER_UID,
              creationTimestamp: '2024-01-01T00:00:00Z',
              ...args.other,
            }),
          ],
        });
        expect(minio.desired(context)).toHaveLength(1);
      });
    });

    test('foreign Tenant → conflict naming the Tenant and its parent, no Tenant desired', () => {
      const context = contextFor(minio, DEV, {
        related: [
          anotherParent({ name: 'second', uid: OTHER_UID, creationTimestamp: '2026-06-01T00:00:00Z' }),
          aForeignTenant('second-minio', OTHER_UID),
        ],
      });
      expect(minio.desired(context)).toEqual([]);
      const [finding] = minio.observe(context);
      expect(finding).toMatchObject({ type: 'MinioNamespaceConflict', implies: 'Error' });
      expect(finding?.message).toContain('Tenant second-minio (owned by WeightsAndBiases second)');
    });

    test('unlabelled Tenant made by hand → conflict', () => {
      const context = contextFor(minio, DEV, { related: [aForeignTenant('hand-made')] });
      expect(minio.desired(context)).toEqual([]);
      expect(minio.observe(context)[0]?.message).toContain(
        'Tenant hand-made already exists in namespace wandb',
      );
    });

    test('own Tenant seen as related (labelled with our uid) → not a conflict', () => {
      const context = contextFor(minio, DEV, { related: [aForeignTenant('wandb-minio', PARENT_UID)] });
      expect(minio.desired(context)).toHaveLength(1);
    });

    test('own observed Tenant → kept even beside an older parent and a foreign Tenant', () => {
      const tenant = anObservedTenant(DEV, tenantStatus({ healthStatus: 'green' }));
      const context = contextFor(minio, DEV, {
        children: [tenant],
        related: [
          anotherParent({ name: 'first', uid: OTHER_UID, creationTimestamp: '2024-01-01T00:00:00Z' }),
          aForeignTenant('first-minio', OTHER_UID),
        ],
      });
      expect(only(minio.desired(context)).metadata.name).toBe('wandb-minio');
      expect(minio.observe(context)).toEqual([expect.objectContaining({ type: 'MinioReportedReady' })]);
    });

    test('related rules → every Tenant and the data volumes, in the parent namespace only', () => {
      // Every parent of the namespace comes from the rule all parents share (compositions/collisions.ts).
      const context = contextFor(minio, DEV, { parent: { namespace: 'team-a' } });
      const rules = minio.relatedRules(context.spec, context.parent.namespace);
      expect(rules).toEqual([
        { apiVersion: 'minio.min.io/v2', resource: 'tenants', namespace: 'team-a' },
        {
          apiVersion: 'v1',
          resource: 'persistentvolumeclaims',
          namespace: 'team-a',
          names: ['0-wandb-minio-wandb-minio-pool-0'],
        },
      ]);
    });
  });

  describe('retention', () => {
    describe('the same Tenant, and knobs always in effect (MinIO never deletes PVCs)', () => {
      const cases: Array<{ name: string; args: { onDelete: string } }> = [
        { name: 'retain policy', args: { onDelete: 'retain' } },
        { name: 'purge policy', args: { onDelete: 'purge' } },
      ];
      test.each(cases)('$name', ({ args }) => {
        const spec = { ...DEV, retentionPolicy: { onDelete: args.onDelete } };
        const context = contextFor(minio, spec);
        expect(minio.desired(context)).toEqual(minio.desired(contextFor(minio, DEV)));
        expect(minio.knobsInEffect(context, anObservedTenant(spec))).toBe(true);
      });
    });
  });

  describe('refused edits', () => {
    test('unchanged Tenant → nothing refused', () => {
      const children = [anObservedTenant(SMALL)];
      expect(minio.refusedEdits(contextFor(minio, SMALL, { children }))).toEqual([]);
    });

    test('no observed Tenant → nothing refused', () => {
      expect(minio.refusedEdits(contextFor(minio, SMALL))).toEqual([]);
    });

    test('replicas changed → refused (pool servers are immutable)', () => {
      const children = [anObservedTenant({ minio: { enabled: true, replicas: 4 } })];
      const problems = minio.refusedEdits(
        contextFor(minio, { minio: { enabled: true, replicas: 6 } }, { children }),
      );
      expect(problems).toEqual([expect.stringContaining('spec.minio.replicas cannot change from 4 to 6')]);
    });

    test('volumes per server differ → refused', () => {
      const observed = anObservedTenant(SMALL);
      const pools = (observed.spec as { pools: Array<Record<string, unknown>> }).pools;
      const edited = {
        ...observed,
        spec: { ...(observed.spec as object), pools: [{ ...pools[0], volumesPerServer: 2 }] },
      };
      expect(minio.refusedEdits(contextFor(minio, SMALL, { children: [edited] }))).toEqual([
        expect.stringContaining('volumesPerServer is immutable'),
      ]);
    });

    test('storage growth → carried out; shrink → refused; same size in other units → accepted', () => {
      const children = [anObservedTenant({ minio: { enabled: true, storageSize: '20Gi' } })];
      const refused = (storageSize: string) =>
        minio.refusedEdits(contextFor(minio, { minio: { enabled: true, storageSize } }, { children }));
      expect(refused('30Gi')).toEqual([]);
      expect(refused('10Gi')).toEqual([
        'spec.minio.storageSize cannot shrink from 20Gi to 10Gi: volumes only grow',
      ]);
      expect(refused('20480Mi')).toEqual([]);
    });

    test('observed Tenant without our pool → refused', () => {
      const observed = anObservedTenant(DEV);
      const edited = {
        ...observed,
        spec: { ...(observed.spec as object), pools: [{ name: 'pool-0', servers: 1 }] },
      };
      expect(minio.refusedEdits(contextFor(minio, DEV, { children: [edited] }))).toEqual([
        expect.stringContaining('has pool pool-0, which the spec no longer yields'),
      ]);
    });
  });
});
