// Taking over a parent from the reference W&B operator (issue 12 item 13, docs/migration.md): its
// children carry the reference's names and spec, a controller owner reference to the same parent,
// the selector label the user added, and no last-applied record. The first sync must neither omit
// one (Metacontroller would delete it) nor change what the data lives on.
import { describe, expect, test } from 'vitest';
import type { Child, KubeObject } from '../compositions/kube.js';
import { field } from '../compositions/kube.js';
import { reconcile, type SyncResult } from '../compositions/reconcile.js';
import { aParent, aSecret, NOW, PARENT_UID, parsedRequest, syncRequest } from './support/builders.js';

/** A child as the reference operator wrote it (wandb-operator-v2.md §5), labelled by the user for adoption. */
function referenceChild(
  apiVersion: string,
  kind: string,
  name: string,
  spec: unknown,
  labels = {},
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace: 'wandb',
      uid: `uid-${name}`,
      generation: 3,
      labels: { ...labels, 'controller-uid': PARENT_UID },
      ownerReferences: [
        {
          apiVersion: 'apps.wandb.com/v2',
          kind: 'WeightsAndBiases',
          name: 'wandb',
          uid: PARENT_UID,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec,
  } as KubeObject;
}

const storage = (size: string) => ({
  accessModes: ['ReadWriteOnce'],
  resources: { requests: { storage: size } },
});

/** The reference's children of a `dev` parent with every component enabled (§2 presets, §5 translators). */
const REFERENCE_DEV: KubeObject[] = [
  referenceChild(
    'pxc.percona.com/v1',
    'PerconaXtraDBCluster',
    'wandb-mysql-cluster',
    {
      crVersion: '1.18.0',
      tls: { enabled: false },
      unsafeFlags: { tls: true, pxcSize: true, proxySize: true },
      pxc: {
        size: 1,
        image: 'perconalab/percona-xtradb-cluster-operator:main-pxc8.0',
        volumeSpec: { persistentVolumeClaim: storage('1Gi') },
      },
      haproxy: {},
      logcollector: { enabled: true, image: 'perconalab/percona-xtradb-cluster-operator:main-logcollector' },
    },
    { app: 'wandb-mysql-cluster' },
  ),
  referenceChild('redis.redis.opstreelabs.in/v1beta2', 'Redis', 'wandb-redis', {
    kubernetesConfig: { image: 'quay.io/opstree/redis:v7.0.15', imagePullPolicy: 'IfNotPresent' },
    storage: { volumeClaimTemplate: { spec: storage('100Mi') } },
  }),
  referenceChild(
    'kafka.strimzi.io/v1',
    'Kafka',
    'wandb-kafka',
    { kafka: { version: '4.1.0', metadataVersion: '4.1-IV0' } },
    { app: 'wandb-kafka' },
  ),
  referenceChild(
    'kafka.strimzi.io/v1',
    'KafkaNodePool',
    'wandb-kafka-node-pool',
    {
      replicas: 1,
      roles: ['broker', 'controller'],
      storage: { type: 'jbod', volumes: [{ id: 0, type: 'persistent-claim', size: '1Gi' }] },
    },
    { 'strimzi.io/cluster': 'wandb-kafka' },
  ),
  referenceChild(
    'minio.min.io/v2',
    'Tenant',
    'wandb-minio',
    {
      image: 'quay.io/minio/minio:latest',
      configuration: { name: 'wandb-minio-config' },
      pools: [
        {
          name: 'wandb-minio-pool',
          servers: 1,
          volumesPerServer: 1,
          volumeClaimTemplate: { spec: storage('10Gi') },
        },
      ],
      buckets: [{ name: 'bucket' }],
    },
    { app: 'wandb-minio' },
  ),
  referenceChild(
    'clickhouse.altinity.com/v1',
    'ClickHouseInstallation',
    'wandb-ch-install',
    {
      defaults: { templates: { dataVolumeClaimTemplate: 'wandb-ch-voltempl' } },
      configuration: { clusters: [{ name: 'wandb-ch', layout: { shardsCount: 1, replicasCount: 1 } }] },
      templates: { volumeClaimTemplates: [{ name: 'wandb-ch-voltempl', spec: storage('10Gi') }] },
    },
    { app: 'wandb-clickhouse' },
  ),
];

/** The reference's base names (its webhook defaults, §1.4): `name` keeps every CR and volume name. */
const REFERENCE_NAMES = {
  mysql: { enabled: true, name: 'wandb-mysql' },
  redis: { enabled: true, name: 'wandb-redis' },
  kafka: { enabled: true, name: 'wandb-kafka' },
  minio: { enabled: true, name: 'wandb-minio' },
  clickhouse: { enabled: true, name: 'wandb-ch' },
};

/** Our Secrets, as the DecoratorController writes them before the composite's first sync. */
const OUR_SECRETS = [
  'wandb-mysql-user-db-password',
  'wandb-redis-credentials',
  'wandb-ch-credentials',
  'wandb-minio-config',
].map((name) => aSecret(name, { password: 'p', rootPassword: 'p' }));

const sync = (
  spec: unknown,
  options: { finalizing?: boolean; status?: unknown; name?: string } = {},
): SyncResult =>
  reconcile(
    parsedRequest(
      syncRequest(
        aParent(spec, {
          finalizers: ['cleanup.app.wandb.com', 'metacontroller.io/compositecontroller-wandb-infra'],
          ...(options.name ? { name: options.name } : {}),
          ...(options.finalizing ? { deletionTimestamp: NOW } : {}),
          ...(options.status !== undefined ? { status: options.status } : {}),
        }),
        { children: REFERENCE_DEV, related: OUR_SECRETS, finalizing: options.finalizing ?? false },
      ),
    ),
    { now: NOW },
  );

const ids = (objects: readonly { kind: string; metadata: { name: string } }[]) =>
  objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
const returnedFor = (result: SyncResult, object: KubeObject): Child => {
  const found = result.children.find(
    (c) => c.kind === object.kind && c.metadata.name === object.metadata.name,
  );
  if (!found)
    throw new Error(`${object.kind} ${object.metadata.name} omitted: Metacontroller would delete it`);
  return found;
};

/** Where each kind's data lives: what a first sync must not change (sizes, names, replica counts). */
const DATA_FIELDS: Record<string, string[][]> = {
  PerconaXtraDBCluster: [
    ['spec', 'pxc', 'size'],
    ['spec', 'pxc', 'volumeSpec', 'persistentVolumeClaim', 'resources', 'requests', 'storage'],
  ],
  Redis: [['spec', 'storage', 'volumeClaimTemplate', 'spec', 'resources', 'requests', 'storage']],
  KafkaNodePool: [
    ['spec', 'replicas'],
    ['spec', 'roles'],
  ],
  Tenant: [['spec', 'configuration', 'name']],
  ClickHouseInstallation: [
    ['spec', 'defaults', 'templates', 'dataVolumeClaimTemplate'],
    ['spec', 'configuration', 'clusters', '0', 'name'],
    ['spec', 'configuration', 'clusters', '0', 'layout', 'replicasCount'],
  ],
};

describe('taking over a dev parent from the reference operator', () => {
  test('with the reference names, the first sync returns every reference child and keeps what its data lives on', () => {
    const result = sync({ size: 'dev', ...REFERENCE_NAMES });
    expect(result.status.conditions?.find((c) => c.type === 'InvalidSpec')).toBeUndefined();
    for (const object of REFERENCE_DEV) {
      const child = returnedFor(result, object);
      for (const path of DATA_FIELDS[object.kind] ?? []) {
        expect(field(child, ...path), `${object.kind} ${path.join('.')}`).toEqual(field(object, ...path));
      }
    }
    // Volume lists are replaced wholesale by the apply: the same volumes, only their knobs added.
    const pool = returnedFor(result, REFERENCE_DEV[3] as KubeObject);
    expect(field(pool, 'spec', 'storage', 'volumes')).toEqual([
      expect.objectContaining({ id: 0, type: 'persistent-claim', size: '1Gi', deleteClaim: false }),
    ]);
    const tenant = returnedFor(result, REFERENCE_DEV[4] as KubeObject);
    expect(field(tenant, 'spec', 'pools')).toEqual([
      expect.objectContaining({ name: 'wandb-minio-pool', servers: 1, volumesPerServer: 1 }),
    ]);
    const chi = returnedFor(result, REFERENCE_DEV[5] as KubeObject);
    expect(field(chi, 'spec', 'templates', 'volumeClaimTemplates')).toEqual([
      expect.objectContaining({ name: 'wandb-ch-voltempl', spec: expect.objectContaining(storage('10Gi')) }),
    ]);
  });

  test('without the reference names, nothing is omitted: InvalidSpec names every child the spec no longer yields', () => {
    // Our default base names are `<parent>-<component>`: a parent named `wandb` gets the reference's anyway.
    const result = sync(
      {
        size: 'dev',
        ...Object.fromEntries(Object.keys(REFERENCE_NAMES).map((c) => [c, { enabled: true }])),
      },
      { name: 'prod' },
    );
    expect(ids(result.children)).toEqual(ids(REFERENCE_DEV));
    const invalid = result.status.conditions?.find((c) => c.type === 'InvalidSpec')?.message ?? '';
    for (const object of REFERENCE_DEV) {
      expect(invalid).toContain(`${object.kind} ${object.metadata.name}`);
    }
    // Frozen without a last-applied record: only the identity, so the apply changes nothing.
    for (const child of result.children)
      expect(Object.keys(child)).toEqual(['apiVersion', 'kind', 'metadata']);
  });

  test('deleting the parent after the takeover (retain): phase 1 changes only the knobs, from the observed lists', () => {
    const result = sync({ size: 'dev', ...REFERENCE_NAMES }, { finalizing: true });
    expect(ids(result.children)).toEqual(ids(REFERENCE_DEV));
    const pxc = returnedFor(result, REFERENCE_DEV[0] as KubeObject);
    expect(pxc).toEqual({
      apiVersion: 'pxc.percona.com/v1',
      kind: 'PerconaXtraDBCluster',
      metadata: {
        name: 'wandb-mysql-cluster',
        labels: { app: 'wandb-mysql-cluster', 'controller-uid': PARENT_UID },
        finalizers: [],
      },
    });
    expect(field(returnedFor(result, REFERENCE_DEV[1] as KubeObject), 'spec')).toEqual({
      storage: { keepAfterDelete: true },
    });
    expect(field(returnedFor(result, REFERENCE_DEV[3] as KubeObject), 'spec')).toEqual({
      storage: {
        type: 'jbod',
        volumes: [{ id: 0, type: 'persistent-claim', size: '1Gi', deleteClaim: false }],
      },
    });
  });
});
