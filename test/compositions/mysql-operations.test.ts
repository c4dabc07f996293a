// MySQL day 2 (issue 15): what the hooks write for a growth, and what Percona 1.18.0 is still carrying
// out, read from the observed cluster and its node volumes. Named tables ({ name, args, want }).
import { describe, expect, test } from 'vitest';
import { mysql } from '../../compositions/components/mysql.js';
import type { KubeObject } from '../../compositions/kube.js';
import { contextFor, observedObject } from '../support/builders.js';

const SMALL = { size: 'small', mysql: { enabled: true } };

interface Cluster {
  size?: number;
  storage?: string;
  image?: string;
  annotations?: Record<string, string>;
  status?: Record<string, unknown>;
}
const IMAGE = 'percona/percona-xtradb-cluster:8.0.42-33.1';
const NEWER = 'percona/percona-xtradb-cluster:8.0.43-34.1';

function pxc({ size = 3, storage = '10Gi', image = IMAGE, annotations, status }: Cluster): KubeObject {
  return observedObject(
    {
      apiVersion: 'pxc.percona.com/v1',
      kind: 'PerconaXtraDBCluster',
      metadata: { name: 'wandb-mysql-cluster', ...(annotations ? { annotations } : {}) },
      spec: {
        pxc: { size, image, volumeSpec: { persistentVolumeClaim: { resources: { requests: { storage } } } } },
      },
    },
    { status },
  );
}
const running = (ready: number, size: number, extra: Record<string, unknown> = {}) => ({
  state: 'initializing',
  pxc: { size, ready, image: IMAGE },
  ...extra,
});
const volume = (i: number, capacity: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: `datadir-wandb-mysql-cluster-pxc-${i}`, namespace: 'wandb' },
  status: { capacity: { storage: capacity } },
});
const volumes = (n: number, capacity = '10Gi') => Array.from({ length: n }, (_, i) => volume(i, capacity));

test('desired: the cluster carries enableVolumeExpansion, without which Percona never applies a larger size', () => {
  const [cluster] = mysql.desired(contextFor(mysql, SMALL));
  expect((cluster?.spec as { enableVolumeExpansion?: boolean } | undefined)?.enableVolumeExpansion).toBe(
    true,
  );
});

describe('operations', () => {
  const cases: Array<{
    name: string;
    args: { spec?: unknown; cluster: Cluster; volumes: KubeObject[] };
    want: Array<{ kind: string; change?: string; progress?: RegExp; failed?: RegExp }>;
  }> = [
    {
      name: 'a ready cluster at its size runs nothing',
      args: {
        cluster: { status: { state: 'ready', pxc: { size: 3, ready: 3, image: IMAGE } } },
        volumes: volumes(3),
      },
      want: [],
    },
    {
      name: 'a new cluster coming up is an installation, not a scale-out',
      args: { cluster: { status: { state: 'initializing', pxc: { size: 3, ready: 0 } } }, volumes: [] },
      want: [],
    },
    {
      name: 'a node restarting in a running cluster is no scaling',
      args: { cluster: { status: running(2, 3) }, volumes: volumes(3) },
      want: [],
    },
    {
      name: 'the resize annotation: the node volumes at the rounded-up size are counted',
      args: {
        spec: { size: 'small', mysql: { enabled: true, storageSize: '19.5Gi' } },
        cluster: {
          storage: '19.5Gi',
          annotations: { 'percona.com/pvc-resize-in-progress': '2026-01-01T00:00:00Z' },
          status: running(3, 3),
        },
        volumes: [volume(0, '20Gi'), volume(1, '19.5Gi'), volume(2, '10Gi')],
      },
      want: [
        {
          kind: 'Resizing',
          change: 'volumes to 19.5Gi of PerconaXtraDBCluster wandb-mysql-cluster',
          progress:
            /^1 of 3 node volumes grown \(Percona started 2026-01-01T00:00:00Z, status.state initializing\)$/,
        },
      ],
    },
    {
      name: 'a failed resize: Percona set the size back and errs; reported with its words and the way out',
      args: {
        spec: { size: 'small', mysql: { enabled: true, storageSize: '20Gi' } },
        cluster: {
          storage: '10Gi',
          status: {
            state: 'error',
            message: [
              'Error: datadir-wandb-mysql-cluster-pxc-0 pvc resize failed: VolumeResizeFailed: no space',
            ],
            pxc: { size: 3, ready: 3, image: IMAGE },
          },
        },
        volumes: volumes(3),
      },
      want: [
        {
          kind: 'Resizing',
          change: 'volumes 10Gi → 20Gi of PerconaXtraDBCluster wandb-mysql-cluster',
          progress: /hooks write 20Gi again on every sync .* set back to 10Gi/,
          failed: /pvc resize failed: VolumeResizeFailed: no space/,
        },
      ],
    },
    {
      name: 'the retry after a failure (annotated again, old error kept) stays failed',
      args: {
        spec: { size: 'small', mysql: { enabled: true, storageSize: '20Gi' } },
        cluster: {
          storage: '20Gi',
          annotations: { 'percona.com/pvc-resize-in-progress': '2026-01-01T00:05:00Z' },
          status: running(3, 3, {
            message: ['Error: x pvc resize failed: ExceededQuota: PVC resize failed'],
          }),
        },
        volumes: volumes(3),
      },
      want: [{ kind: 'Resizing', failed: /ExceededQuota/ }],
    },
    {
      name: 'a new size Percona has not taken up yet: the direction from its last status',
      args: {
        cluster: { size: 3, status: { state: 'ready', pxc: { size: 5, ready: 5, image: IMAGE } } },
        volumes: volumes(5),
      },
      want: [{ kind: 'ScalingIn', change: '5 → 3 nodes of PerconaXtraDBCluster wandb-mysql-cluster' }],
    },
    {
      name: 'a scale-out in flight names the nodes not yet created',
      args: {
        spec: { size: 'small', mysql: { enabled: true, replicas: 5 } },
        cluster: { size: 5, status: running(3, 5) },
        volumes: volumes(4),
      },
      want: [{ kind: 'ScalingOut', progress: /^3 of 5 nodes ready; node 4 not yet created/ }],
    },
    {
      name: 'a new image rolls: nodes on the new revision counted',
      args: { cluster: { image: NEWER, status: running(1, 3) }, volumes: volumes(3) },
      want: [
        {
          kind: 'Upgrading',
          change: `image ${IMAGE} → ${NEWER} of PerconaXtraDBCluster wandb-mysql-cluster`,
          progress: /^1 of 3 nodes ready on the new image/,
        },
      ],
    },
    {
      name: 'an error during a roll fails the upgrade with Percona’s words',
      args: {
        cluster: {
          image: NEWER,
          status: { ...running(1, 3), state: 'error', message: ['Error: pxc: crash'] },
        },
        volumes: volumes(3),
      },
      want: [{ kind: 'Upgrading', failed: /^Error: pxc: crash$/ }],
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    const context = contextFor(mysql, args.spec ?? SMALL, {
      children: [pxc(args.cluster)],
      related: args.volumes,
    });
    const operations = mysql.operations?.(context) ?? [];
    expect(operations.map((o) => o.kind)).toEqual(want.map((w) => w.kind));
    for (const [i, w] of want.entries()) {
      const o = operations[i];
      if (w.change) expect(o?.change).toBe(w.change);
      if (w.progress) expect(o?.progress).toMatch(w.progress);
      if (w.failed) expect(o?.failed).toMatch(w.failed);
      else expect(o?.failed).toBeUndefined();
    }
  });
});

test('related rules: the node volumes by name, in the parent namespace', () => {
  const context = contextFor(mysql, SMALL, { parent: { namespace: 'team-a' } });
  expect(mysql.relatedRules(context.spec, 'team-a')).toEqual([
    {
      apiVersion: 'v1',
      resource: 'persistentvolumeclaims',
      namespace: 'team-a',
      names: [0, 1, 2].map((i) => `datadir-wandb-mysql-cluster-pxc-${i}`),
    },
  ]);
});

describe('refusedEdits: sizes', () => {
  const cases: Array<{ name: string; args: { from: number; to: number }; want: RegExp[] }> = [
    { name: '3 → 5 is carried out', args: { from: 3, to: 5 }, want: [] },
    { name: '5 → 3 is carried out', args: { from: 5, to: 3 }, want: [] },
    {
      name: '3 → 1 is refused: TLS is switched only by stopping the cluster',
      args: { from: 3, to: 1 },
      want: [
        /cannot change from 3 to 1: a single node runs without TLS and proxy, and Percona switches TLS only by stopping/,
      ],
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    const context = contextFor(
      mysql,
      { size: 'small', mysql: { enabled: true, replicas: args.to } },
      { children: [pxc({ size: args.from })] },
    );
    const problems = mysql.refusedEdits(context);
    expect(problems).toHaveLength(want.length);
    for (const [i, pattern] of want.entries()) expect(problems[i]).toMatch(pattern);
  });
});
