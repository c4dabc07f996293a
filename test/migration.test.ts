// Taking over a parent from the reference W&B operator (issue 12 item 13, docs/migration.md): its
// children carry the reference's names and spec, a controller owner reference to the same parent,
// the selector label the user added, and no last-applied record. The first sync must neither omit
// one (Metacontroller would delete it) nor change what the data lives on.
import { describe, expect, test } from 'vitest';
import type { Child, KubeObject } from '../compositions/kube.js';
import { field } from '../compositions/kube.js';
import { reconcile, type SyncResult } from '../compositions/reconcile.js';
import { clone, keyOf, type Obj } from '../sim/cluster.js';
import { remaining, Simulation } from '../sim/simulation.js';
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

// ---- the takeover told through the simulator ---------------------------------------------------

const NAMESPACE = 'wandb';
// The reference's five components and its condition prefixes, pinned: the status below is what the
// reference wrote, whatever our registry holds.
const TITLES = { mysql: 'MySQL', redis: 'Redis', kafka: 'Kafka', minio: 'Minio', clickhouse: 'ClickHouse' };
const MYSQL_PASSWORD = 'reference-mysql-password';
const MINIO_PASSWORD = 'reference-minio-password';
const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;
const decoded = (secret: Obj | undefined, name: string) =>
  Buffer.from(
    String((secret?.data as Record<string, string> | undefined)?.[name] ?? ''),
    'base64',
  ).toString();

/** The status the reference last wrote (wandb-operator-v2.md §4): every component Healthy. */
const referenceStatus = (time: string) => ({
  ready: true,
  observedGeneration: 1,
  ...Object.fromEntries(
    Object.entries(TITLES).map(([component, title]) => {
      const condition = (type: string, reason: string) => ({
        ...{ type: `${title}${type}`, status: 'True', reason, message: '', lastTransitionTime: time },
        observedGeneration: 1,
      });
      const connection = `${REFERENCE_NAMES[component as keyof typeof TITLES].name}-connection`;
      return [
        `${component}Status`,
        {
          ...{ ready: true, state: 'Healthy', connection: { url: { name: connection, key: 'url' } } },
          conditions: [
            condition('CustomResource', 'ResourceExists'),
            condition('ReportedReady', 'ReportedStatus'),
            condition('ConnectionInfo', 'ResourceExists'),
          ],
        },
      ];
    }),
  ),
});

/** The reference's credential Secrets (§5.3, §5.6; step 9 done) and its connection Secrets (§4.5). */
function referenceSecrets(parentUid: string): KubeObject[] {
  const toParent = {
    apiVersion: 'apps.wandb.com/v2',
    kind: 'WeightsAndBiases',
    name: 'wandb',
    uid: parentUid,
  };
  const connections = Object.values(REFERENCE_NAMES).map(({ name }) => {
    const secret = aSecret(`${name}-connection`, { url: `reference-url-of-${name}` });
    const ownerReferences = [{ ...toParent, controller: false, blockOwnerDeletion: false }];
    return { ...secret, metadata: { ...secret.metadata, ownerReferences } };
  });
  const config = `export MINIO_ROOT_USER="admin"\n\texport MINIO_ROOT_PASSWORD="${MINIO_PASSWORD}"\nexport MINIO_BROWSER="on"`;
  return [
    aSecret('wandb-mysql-user-db-password', { password: MYSQL_PASSWORD }),
    // Without its owner reference to the Tenant (step 9).
    aSecret('wandb-minio-config', { 'config.env': config }),
    ...connections,
  ];
}

/**
 * A namespace as the reference left it after docs/migration.md steps 1–6 and 9: the parent with the
 * reference names and status, without its finalizer; its children, labelled with the selector
 * (step 3) unless `unlabelled` names one; its Secrets. Then step 7: the DecoratorController syncs
 * the parent before the CompositeController does, unless `compositeFirst`.
 */
function referenceNamespace(options: { unlabelled?: string; compositeFirst?: boolean } = {}) {
  const simulation = new Simulation({ now: NOW });
  const { cluster } = simulation;
  const parent = simulation.apply({
    ...aParent({ size: 'dev', ...REFERENCE_NAMES }, { finalizers: [] }),
    status: undefined,
  } as unknown as Obj);
  const uid = parent.metadata.uid ?? '';
  const uids = cluster.as('wandb-operator', () => {
    cluster.patchStatus(keyOf(parent), { status: referenceStatus('2025-12-01T00:00:00Z') });
    for (const secret of referenceSecrets(uid)) cluster.create(secret as Obj);
    return new Map(
      REFERENCE_DEV.map((reference) => {
        const child = clone(reference) as Obj;
        child.metadata.labels = { ...child.metadata.labels, 'controller-uid': uid };
        if (options.unlabelled === key(child)) delete child.metadata.labels['controller-uid'];
        child.metadata.ownerReferences = (child.metadata.ownerReferences ?? []).map((r) => ({ ...r, uid }));
        return [key(child), cluster.create(child, 'reconciled by the reference operator').metadata.uid];
      }),
    );
  });
  if (!options.compositeFirst) simulation.decorator.sync(NAMESPACE, 'wandb');
  return { simulation, uid, uids };
}

type ComponentStatus = { state?: string; conditions?: unknown[] };
const statusOf = (simulation: Simulation) =>
  simulation.parent(NAMESPACE, 'wandb')?.status as Record<string, ComponentStatus> & { ready?: boolean };
const stored = (simulation: Simulation, o: KubeObject) =>
  simulation.cluster.get(o.apiVersion, o.kind, NAMESPACE, o.metadata.name);
const deletedOf = (simulation: Simulation, kinds: readonly string[]) =>
  simulation.rounds
    .flatMap((r) => r.events)
    .filter((e) => (e.verb === 'delete' || e.verb === 'removed') && kinds.includes(e.kind))
    .map((e) => `${e.kind}/${e.name}`);

/** Every reference custom resource still stored with the uid it had: never deleted and recreated. */
function expectSameReferenceObjects(simulation: Simulation, uids: Map<string, string | undefined>) {
  for (const reference of REFERENCE_DEV)
    expect(stored(simulation, reference)?.metadata.uid, key(reference)).toBe(uids.get(key(reference)));
  expect(
    deletedOf(
      simulation,
      REFERENCE_DEV.map((o) => o.kind),
    ),
  ).toEqual([]);
}

describe('the takeover told through the simulator, as docs/migration.md says it', () => {
  test('every reference child is claimed as it is, keeps its uid and data fields, and the parent becomes Ready', () => {
    const { simulation, uids } = referenceNamespace();
    const result = simulation.run(10);
    expect(result).toEqual({ stable: true, rounds: expect.any(Number) });
    expect(result.rounds).toBeLessThanOrEqual(5);
    expectSameReferenceObjects(simulation, uids);
    for (const reference of REFERENCE_DEV) {
      for (const path of DATA_FIELDS[reference.kind] ?? []) {
        const now = field(stored(simulation, reference), ...path);
        expect(now, `${key(reference)} ${path.join('.')}`).toEqual(field(reference, ...path));
      }
    }
    expect(deletedOf(simulation, ['PersistentVolumeClaim'])).toEqual([]);
    const status = statusOf(simulation);
    expect(status.ready).toBe(true);
    for (const component of Object.keys(TITLES))
      expect(status[`${component}Status`]?.state, component).toBe('Healthy');
    // No sync on the way read Error or Unavailable, and the reference's credentials were read back.
    const states = simulation.rounds.flatMap((r) =>
      r.composite.flatMap((o) =>
        Object.keys(TITLES).map((c) => (o.response.status[`${c}Status`] as ComponentStatus)?.state),
      ),
    );
    expect(states.filter((s) => s === 'Error' || s === 'Unavailable')).toEqual([]);
    const secret = (name: string) => simulation.cluster.get('v1', 'Secret', NAMESPACE, name);
    expect(decoded(secret('wandb-mysql-user-db-password'), 'password')).toBe(MYSQL_PASSWORD);
    expect(decoded(secret('wandb-minio-config'), 'config.env')).toContain(MINIO_PASSWORD);
  });

  test("step 8: once the reference's connection Secrets are deleted, ours are written with the reference's passwords", () => {
    const { simulation } = referenceNamespace();
    expect(simulation.run(10).stable).toBe(true);
    for (const { name } of Object.values(REFERENCE_NAMES))
      simulation.kubectl(`kubectl delete secret -n ${NAMESPACE} ${name}-connection`);
    expect(simulation.run(10).stable).toBe(true);
    const url = (name: string) =>
      decoded(simulation.cluster.get('v1', 'Secret', NAMESPACE, `${name}-connection`), 'url');
    for (const { name } of Object.values(REFERENCE_NAMES)) expect(url(name), name).toMatch(/^[a-z0-9]+:\/\//);
    expect(url('wandb-mysql')).toContain(`wandb_local:${MYSQL_PASSWORD}@`);
    expect(url('wandb-minio')).toContain(`admin:${MINIO_PASSWORD}@`);
    expect(statusOf(simulation).ready).toBe(true);
  });

  test('deleting the parent afterwards under retain: every volume and the credentials its data needs remain', () => {
    const { simulation, uids } = referenceNamespace();
    expect(simulation.run(10).stable).toBe(true);
    expectSameReferenceObjects(simulation, uids);
    const volumes = remaining(simulation, NAMESPACE).filter((o) => o.startsWith('PersistentVolumeClaim '));
    expect(volumes).toHaveLength(5);
    const minioConfig = simulation.cluster.get('v1', 'Secret', NAMESPACE, 'wandb-minio-config')?.data;
    simulation.delete(NAMESPACE, 'wandb');
    expect(simulation.run(10).stable).toBe(true);
    expect(simulation.parent(NAMESPACE, 'wandb')).toBeUndefined();
    expect(remaining(simulation, NAMESPACE)).toEqual(
      expect.arrayContaining([
        ...volumes,
        'Secret wandb-mysql-user-db-password',
        'Secret wandb-minio-config',
        'Secret wandb-kafka-cluster-id',
      ]),
    );
    expect(simulation.cluster.get('v1', 'Secret', NAMESPACE, 'wandb-minio-config')?.data).toEqual(
      minioConfig,
    );
    expect(deletedOf(simulation, ['PersistentVolumeClaim'])).toEqual([]);
  });

  test('step 3 skipped for one child: released, never deleted; the status waits naming it; labelled later, the parent goes on', () => {
    const redisKey = 'Redis/wandb-redis';
    const { simulation, uid, uids } = referenceNamespace({ unlabelled: redisKey });
    expect(simulation.run(10).stable).toBe(true);
    const redis = () => stored(simulation, REFERENCE_DEV.find((o) => key(o) === redisKey) as KubeObject);
    expect(redis()?.metadata.ownerReferences ?? []).toEqual([]);
    // Released, it stays as the reference wrote it: our sync's create of that name is swallowed.
    expect(
      redis()?.metadata.annotations?.['metacontroller.k8s.io/last-applied-configuration'],
    ).toBeUndefined();
    const status = statusOf(simulation);
    expect(status.ready).toBe(false);
    expect(status.redisStatus?.state).not.toBe('Healthy');
    expect(JSON.stringify(status.redisStatus?.conditions)).toContain('Redis wandb-redis');

    const label = JSON.stringify({ metadata: { labels: { 'controller-uid': uid } } });
    simulation.kubectl(`kubectl patch redis wandb-redis -n ${NAMESPACE} --type=merge -p '${label}'`);
    expect(simulation.run(10).stable).toBe(true);
    expect(redis()?.metadata.ownerReferences).toEqual([expect.objectContaining({ uid, controller: true })]);
    expect(statusOf(simulation).ready).toBe(true);
    expectSameReferenceObjects(simulation, uids);
  });

  test('the CompositeController syncing first: Redis and ClickHouse wait for credentials the user then makes', () => {
    // Its first apply writes the last-applied record, after which the decorator takes the custom
    // resources for ours and will not generate their missing credentials (decisions, 2026-12-05:
    // credentials never silently replaced). The reference made none for them (Redis ran without a
    // password, ClickHouse with a fixed test_user): hence step 7's order.
    const { simulation, uids } = referenceNamespace({ compositeFirst: true });
    expect(simulation.run(10).stable).toBe(true);
    for (const [component, secret] of [
      ['redis', 'wandb-redis-credentials'],
      ['clickhouse', 'wandb-ch-credentials'],
    ] as const) {
      const status = statusOf(simulation)[`${component}Status`];
      expect(status?.state, component).toBe('Error');
      expect(JSON.stringify(status?.conditions)).toContain(`Secret ${secret} is missing`);
      const made = aSecret(secret, { password: `new-${component}-password` }) as Obj;
      simulation.cluster.as('user', () => simulation.cluster.create(made));
    }
    expect(simulation.run(10).stable).toBe(true);
    expect(statusOf(simulation).ready).toBe(true);
    expectSameReferenceObjects(simulation, uids);
  });
});
