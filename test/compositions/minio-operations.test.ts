// MinIO day 2 (issue 15): the storage growth and image update the operator carries out on a Tenant,
// reported through MinioOperation (the Tenant's own state, and the pool's PVCs for a growth).
import { describe, expect, test } from 'vitest';
import { minio } from '../../compositions/components/minio.js';
import type { Child, KubeObject } from '../../compositions/kube.js';
import { contextFor, observedObject } from '../support/builders.js';

const SMALL = { size: 'small', minio: { enabled: true } };
const GROWN = { size: 'small', minio: { enabled: true, storageSize: '20Gi' } };

const tenantFor = (spec: unknown, status: Record<string, unknown> = {}) =>
  observedObject(minio.desired(contextFor(minio, spec))[0] as Child, {
    status: { currentState: 'Initialized', healthStatus: 'green', ...status },
  });

/** The pool's twelve PVCs (3 servers × 4 volumes), the first `grown` of them at 20Gi. */
function claims(grown: number): KubeObject[] {
  const { spec } = contextFor(minio, SMALL);
  return minio.dataVolumes(spec).map((name, i) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'wandb' },
    status: { phase: 'Bound', capacity: { storage: i < grown ? '20Gi' : '10Gi' } },
  }));
}

const operationsOf = (spec: unknown, tenant: KubeObject, related: KubeObject[]) =>
  minio.operations?.(contextFor(minio, spec, { children: [tenant], related })) ?? [];

describe('minio operations', () => {
  const cases: Array<{
    name: string;
    args: { spec: unknown; tenant: KubeObject; related: KubeObject[] };
    want: Array<{ kind: string; change: string; progress: string }>;
  }> = [
    {
      name: 'nothing in flight',
      args: { spec: SMALL, tenant: tenantFor(SMALL), related: claims(0) },
      want: [],
    },
    {
      name: 'growth, 5 of 12 volumes grown',
      args: { spec: GROWN, tenant: tenantFor(GROWN), related: claims(5) },
      want: [
        {
          kind: 'Resizing',
          change: 'storage 10Gi → 20Gi',
          progress: expect.stringMatching(/^5 of 12 volumes at 20Gi .*never reports a refused resize/),
        },
      ],
    },
    {
      name: 'growth done',
      args: { spec: GROWN, tenant: tenantFor(GROWN), related: claims(12) },
      want: [],
    },
    {
      name: 'Updating MinIO Version',
      args: {
        spec: SMALL,
        tenant: tenantFor(SMALL, { currentState: 'Updating MinIO Version' }),
        related: claims(0),
      },
      want: [
        {
          kind: 'Upgrading',
          change: expect.stringMatching(/^to quay.io\/minio\/minio:RELEASE\./),
          progress: expect.stringContaining("replaces every server's binary"),
        },
      ],
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    expect(operationsOf(args.spec, args.tenant, args.related)).toEqual(want);
  });

  test('a growth never reports a failed step: the Tenant has no word for it', () => {
    const operations = operationsOf(GROWN, tenantFor(GROWN), claims(0));
    expect(operations.map((o) => o.failed)).toEqual([undefined]);
  });
});
