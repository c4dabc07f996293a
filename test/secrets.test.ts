import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { COMPONENTS } from '../compositions/components/index.js';
import { decodeData, generatePassword } from '../compositions/credentials.js';
import { LAST_APPLIED_ANNOTATION } from '../compositions/freeze.js';
import type { Child, KubeObject } from '../compositions/kube.js';
import { DecoratorSyncRequest } from '../compositions/metacontroller.js';
import { WeightsAndBiasesSpec } from '../compositions/parent.js';
import { parentRef, resolveSpec } from '../compositions/presets.js';
import { customize, reconcile } from '../compositions/reconcile.js';
import { customizeSecrets, syncSecrets } from '../compositions/secrets.js';
import { seededRandom, testApp } from './support/app.js';
import {
  aParent,
  aSecret,
  NOW,
  objectMap,
  observedObject,
  parsedRequest,
  syncRequest,
} from './support/builders.js';

const ALL = {
  size: 'small',
  mysql: { enabled: true },
  redis: { enabled: true },
  kafka: { enabled: true },
  minio: { enabled: true, config: { rootUser: 'admin' } },
  clickhouse: { enabled: true },
};

/** The operator custom resources the decorator reads, with the status fields connections need. */
const operatorResources = (): KubeObject[] => [
  observedObject(
    {
      apiVersion: 'pxc.percona.com/v1',
      kind: 'PerconaXtraDBCluster',
      metadata: { name: 'wandb-mysql-cluster' },
    },
    { status: { host: 'wandb-mysql-cluster-proxysql.wandb' } },
  ),
  observedObject({
    apiVersion: 'redis.redis.opstreelabs.in/v1beta2',
    kind: 'RedisSentinel',
    metadata: { name: 'wandb-redis' },
  }),
  observedObject(
    { apiVersion: 'kafka.strimzi.io/v1', kind: 'Kafka', metadata: { name: 'wandb-kafka' } },
    { status: { clusterId: 'abc-123' } },
  ),
  observedObject({ apiVersion: 'minio.min.io/v2', kind: 'Tenant', metadata: { name: 'wandb-minio' } }),
  observedObject(
    {
      apiVersion: 'clickhouse.altinity.com/v1',
      kind: 'ClickHouseInstallation',
      metadata: { name: 'wandb-ch-install' },
    },
    { status: { endpoint: 'clickhouse-wandb-ch-install.wandb.svc.cluster.local' } },
  ),
];

const decoratorRequest = (
  spec: unknown,
  attachments: readonly KubeObject[] = [],
  related: readonly KubeObject[] = [],
) =>
  DecoratorSyncRequest.parse({
    controller: {},
    object: aParent(spec),
    attachments: objectMap(attachments),
    related: objectMap(related),
  });

/** What Metacontroller would observe next time: our attachments, as stored objects. */
const asObserved = (attachments: readonly Child[]): KubeObject[] => attachments.map((a) => observedObject(a));

/** Stored or desired Secrets, by name. */
type Named = ReadonlyArray<{ readonly metadata: { readonly name: string }; readonly data?: unknown }>;

const values = (attachments: Named) => Object.fromEntries(attachments.map((a) => [a.metadata.name, a.data]));

describe('credentials', () => {
  test('generated passwords are 32 alphanumeric characters, unbiased, and differ per random source', () => {
    const a = generatePassword(seededRandom(1));
    expect(a).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(generatePassword(seededRandom(2))).not.toBe(a);
    const counts = new Map<string, number>();
    const random = seededRandom(7);
    for (let i = 0; i < 2000; i++)
      for (const c of generatePassword(random)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (2000 * 32) / 62;
    for (const count of counts.values()) expect(Math.abs(count - expected) / expected).toBeLessThan(0.15);
  });

  test('once observed, credentials never change: repeated syncs and another instance with other randomness agree', () => {
    const first = syncSecrets(decoratorRequest(ALL, [], operatorResources()), { random: seededRandom(1) });
    const observed = asObserved(first.attachments);
    const again = syncSecrets(decoratorRequest(ALL, observed, operatorResources()), {
      random: seededRandom(1),
    });
    const otherReplica = syncSecrets(decoratorRequest(ALL, observed, operatorResources()), {
      random: seededRandom(99),
    });
    expect(values(again.attachments)).toEqual(values(first.attachments));
    expect(values(otherReplica.attachments)).toEqual(values(first.attachments));
  });

  test('a credential Secret that outlived an earlier parent (related, not attached) is reused', () => {
    const retained = aSecret('wandb-mysql-user-db-password', { password: 'kept-from-before' });
    const result = syncSecrets(decoratorRequest({ mysql: { enabled: true } }, [], [retained]), {
      random: seededRandom(3),
    });
    const secret = result.attachments.find((a) => a.metadata.name === 'wandb-mysql-user-db-password');
    expect(decodeData(secret?.data, 'password')).toBe('kept-from-before');
  });

  test('a MinIO config written by the reference (password only inside config.env) keeps its password', () => {
    const reference = aSecret('wandb-minio-config', {
      'config.env':
        'export MINIO_ROOT_USER="admin"\n\texport MINIO_ROOT_PASSWORD="RefPassw0rd"\nexport MINIO_BROWSER="on"',
    });
    const result = syncSecrets(decoratorRequest({ minio: { enabled: true } }, [reference]), {
      random: seededRandom(3),
    });
    const config = result.attachments.find((a) => a.metadata.name === 'wandb-minio-config');
    expect(decodeData(config?.data, 'rootPassword')).toBe('RefPassw0rd');
    expect(decodeData(config?.data, 'config.env')).toBe(
      'export MINIO_ROOT_USER="admin"\nexport MINIO_ROOT_PASSWORD="RefPassw0rd"\nexport MINIO_BROWSER="on"\n',
    );
  });
});

describe('connection Secrets', () => {
  const connection = (attachments: readonly Child[], component: string) =>
    attachments.find((a) => a.metadata.name === `wandb-${component}-connection`);

  test('one per enabled component once its custom resource exists, with the reference key names', () => {
    const result = syncSecrets(decoratorRequest(ALL, [], operatorResources()), { random: seededRandom(1) });
    const keys = (component: string) =>
      Object.keys((connection(result.attachments, component)?.data ?? {}) as object);
    expect(keys('mysql')).toEqual(['Database', 'Host', 'Password', 'Port', 'User', 'url']);
    expect(keys('kafka')).toEqual(['ClusterID', 'Host', 'Port', 'url']);
    expect(keys('minio')).toEqual(['Host', 'Port', 'Region', 'url']);
    expect(keys('ch')).toEqual(['Database', 'Host', 'Password', 'Port', 'User', 'url']);
    expect(keys('redis')).toEqual(['Host', 'MasterName', 'Password', 'Port', 'url']);
  });

  test('no connection Secret before the custom resource exists, and none while Percona has not reported its host', () => {
    const none = syncSecrets(decoratorRequest(ALL), { random: seededRandom(1) });
    expect(none.attachments.filter((a) => a.metadata.name.endsWith('-connection'))).toEqual([]);
    const hostless = operatorResources().map((o) =>
      o.kind === 'PerconaXtraDBCluster' ? { ...o, status: {} } : o,
    );
    const result = syncSecrets(decoratorRequest(ALL, [], hostless), { random: seededRandom(1) });
    expect(connection(result.attachments, 'mysql')).toBeUndefined();
  });

  test.each([
    ['every special character', ` !"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~`],
    ['unicode and percent signs', 'pässwörd%20€'],
  ])('URLs parse back to their parts with %s in the password', (_name, password) => {
    const attached = [
      aSecret('wandb-mysql-user-db-password', { password }),
      aSecret('wandb-ch-credentials', { password }),
      aSecret('wandb-redis-credentials', { password }),
      aSecret('wandb-minio-config', { rootPassword: password }),
    ];
    const spec = { ...ALL, minio: { enabled: true, config: { rootUser: `us:er@${password}` } } };
    const result = syncSecrets(decoratorRequest(spec, attached, operatorResources()), {
      random: seededRandom(1),
    });
    const parse = (component: string) => {
      const data = connection(result.attachments, component)?.data;
      return { url: new URL(decodeData(data, 'url') ?? ''), data };
    };
    const mysql = parse('mysql');
    expect(decodeURIComponent(mysql.url.username)).toBe('wandb_local');
    expect(decodeURIComponent(mysql.url.password)).toBe(password);
    expect(mysql.url.hostname).toBe('wandb-mysql-cluster-proxysql.wandb');
    expect(mysql.url.port).toBe('3306');
    expect(mysql.url.pathname).toBe('/wandb_local');
    const clickhouse = parse('ch');
    expect(decodeURIComponent(clickhouse.url.username)).toBe('wandb');
    expect(decodeURIComponent(clickhouse.url.password)).toBe(password);
    expect(clickhouse.url.port).toBe('8123');
    expect(clickhouse.url.pathname).toBe('/default');
    const minio = parse('minio');
    expect(decodeURIComponent(minio.url.username)).toBe(`us:er@${password}`);
    expect(decodeURIComponent(minio.url.password)).toBe(password);
    expect(minio.url.hostname).toBe('wandb-minio-hl.wandb.svc.cluster.local');
    expect(minio.url.pathname).toBe('/bucket');
    expect(minio.url.searchParams.get('tls')).toBe('true');
    const redis = parse('redis');
    expect(decodeURIComponent(redis.url.password)).toBe(password);
    expect(redis.url.hostname).toBe('wandb-redis-sentinel.wandb.svc.cluster.local');
    expect(redis.url.port).toBe('26379');
    expect(redis.url.searchParams.get('master')).toBe('gorilla');
  });

  test('the configured master name and base name are used (the reference hard-coded them)', () => {
    const spec = {
      size: 'small',
      redis: { enabled: true, name: 'cache', sentinel: { enabled: true, config: { masterName: 'primary' } } },
    };
    const sentinel = observedObject({
      apiVersion: 'redis.redis.opstreelabs.in/v1beta2',
      kind: 'RedisSentinel',
      metadata: { name: 'cache' },
    });
    const result = syncSecrets(decoratorRequest(spec, [], [sentinel]), { random: seededRandom(1) });
    const url = new URL(
      decodeData(result.attachments.find((a) => a.metadata.name === 'cache-connection')?.data, 'url') ?? '',
    );
    expect(url.hostname).toBe('cache-sentinel.wandb.svc.cluster.local');
    expect(url.searchParams.get('master')).toBe('primary');
  });

  test('a disabled component keeps its Secrets while its custom resource still exists, and drops them after', () => {
    const spec = { mysql: { enabled: false } };
    const pxc = operatorResources()[0] as KubeObject;
    const kept = syncSecrets(decoratorRequest(spec, [], [pxc]), { random: seededRandom(1) });
    expect(kept.attachments.map((a) => a.metadata.name)).toEqual([
      'wandb-mysql-connection',
      'wandb-mysql-user-db-password',
    ]);
    expect(syncSecrets(decoratorRequest(spec), { random: seededRandom(1) }).attachments).toEqual([]);
  });

  test('an invalid spec freezes every attachment', () => {
    const attached = asObserved(
      syncSecrets(decoratorRequest(ALL, [], operatorResources()), { random: seededRandom(1) }).attachments,
    );
    const result = syncSecrets(decoratorRequest({ ...ALL, size: 'huge' }, attached), {
      random: seededRandom(2),
    });
    expect(result.attachments.map((a) => a.metadata.name)).toEqual(
      attached.map((a) => a.metadata.name).sort(),
    );
    expect(result.status).toBeNull();
  });
});

describe('secrets customize', () => {
  test('asks for the operator custom resources and our credential Secrets, by name, in the parent namespace only', () => {
    const { relatedResources } = customizeSecrets({ controller: {}, parent: aParent(ALL) } as never);
    expect(relatedResources.every((rule) => rule.namespace === 'wandb')).toBe(true);
    // By name, except every parent of the namespace: an older one keeps the names both want.
    expect(relatedResources.filter((rule) => (rule.names?.length ?? 0) === 0)).toEqual([
      { apiVersion: 'apps.wandb.com/v2', resource: 'weightsandbiases', namespace: 'wandb' },
    ]);
    expect(relatedResources.map((r) => `${r.resource}:${r.names?.join(',')}`)).toEqual(
      expect.arrayContaining([
        'perconaxtradbclusters:wandb-mysql-cluster',
        'clickhouseinstallations:wandb-ch-install',
        'kafkas:wandb-kafka',
        'tenants:wandb-minio',
        'secrets:wandb-ch-credentials,wandb-ch-version,wandb-kafka-cluster-id,wandb-kafka-version,wandb-minio-config,wandb-minio-version,wandb-mysql-user-db-password,wandb-mysql-version,wandb-redis-credentials,wandb-redis-version',
      ]),
    );
    const pvcs = relatedResources.find((r) => r.resource === 'persistentvolumeclaims')?.names ?? [];
    expect(pvcs).toEqual(
      expect.arrayContaining([
        'data-0-wandb-kafka-wandb-kafka-node-pool-2',
        '3-wandb-minio-wandb-minio-pool-2',
      ]),
    );
  });
});

describe('what a retained deployment needs to come back (decision 8)', () => {
  const pvc = (name: string) =>
    ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: 'wandb', uid: `uid-${name}` },
    }) as KubeObject;
  const kafkaPvc = pvc('data-0-wandb-kafka-wandb-kafka-node-pool-0');
  const minioPvc = pvc('0-wandb-minio-wandb-minio-pool-0');
  const owners = (attachments: readonly Child[], name: string) =>
    attachments.find((a) => a.metadata.name === name)?.metadata.ownerReferences ?? [];
  /** The Secrets as written before the operators made any volume (the first sync of a fresh parent). */
  const written = (spec: unknown) =>
    asObserved(syncSecrets(decoratorRequest(spec, [], []), { random: seededRandom(1) }).attachments);

  test('the Kafka cluster ID and MinIO root credentials are owned by their PVCs too', () => {
    const spec = { kafka: { enabled: true }, minio: { enabled: true } };
    const result = syncSecrets(
      decoratorRequest(spec, written(spec), [...operatorResources(), kafkaPvc, minioPvc]),
      { random: seededRandom(1) },
    );
    expect(
      decodeData(
        result.attachments.find((a) => a.metadata.name === 'wandb-kafka-cluster-id')?.data,
        'clusterId',
      ),
    ).toBe('abc-123');
    expect(owners(result.attachments, 'wandb-kafka-cluster-id')).toEqual([
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        name: kafkaPvc.metadata.name,
        uid: kafkaPvc.metadata.uid,
        controller: false,
        blockOwnerDeletion: false,
      },
    ]);
    expect(owners(result.attachments, 'wandb-minio-config').map((o) => o.name)).toEqual([
      minioPvc.metadata.name,
    ]);
    expect(owners(result.attachments, 'wandb-kafka-connection')).toEqual([]);
  });

  test('under purge too: a policy switched right before deletion cannot orphan the volumes from their Secrets', () => {
    // This hook is not called once the parent is deleting, so the owner references must already be there.
    const spec = {
      retentionPolicy: { onDelete: 'purge' },
      kafka: { enabled: true },
      minio: { enabled: true },
    };
    const result = syncSecrets(
      decoratorRequest(spec, written(spec), [...operatorResources(), kafkaPvc, minioPvc]),
      { random: seededRandom(1) },
    );
    expect(owners(result.attachments, 'wandb-kafka-cluster-id').map((o) => o.name)).toEqual([
      kafkaPvc.metadata.name,
    ]);
    expect(owners(result.attachments, 'wandb-minio-config').map((o) => o.name)).toEqual([
      minioPvc.metadata.name,
    ]);
  });

  test('a component disabled under retain keeps the Secrets its data needs while its volumes exist', () => {
    const enabled = { kafka: { enabled: true }, minio: { enabled: true } };
    const first = syncSecrets(
      decoratorRequest(enabled, written(enabled), [...operatorResources(), kafkaPvc, minioPvc]),
      { random: seededRandom(1) },
    );
    const attached = asObserved(first.attachments);
    const disabled = { kafka: { enabled: false }, minio: { enabled: false } };
    const kept = syncSecrets(decoratorRequest(disabled, attached, [kafkaPvc, minioPvc]), {
      random: seededRandom(2),
    });
    expect(kept.attachments.map((a) => a.metadata.name)).toEqual([
      'wandb-kafka-cluster-id',
      'wandb-minio-config',
    ]);
    const before = values(first.attachments);
    expect(values(kept.attachments)).toEqual({
      'wandb-kafka-cluster-id': before['wandb-kafka-cluster-id'],
      'wandb-minio-config': before['wandb-minio-config'],
    });
    expect(
      syncSecrets(decoratorRequest(disabled, attached, []), { random: seededRandom(2) }).attachments,
    ).toEqual([]);
  });

  test('a recreated parent reads the recorded cluster ID back before Strimzi reports one', () => {
    const recorded = aSecret('wandb-kafka-cluster-id', { clusterId: 'OLD-ID' });
    const pausedKafka = observedObject(
      { apiVersion: 'kafka.strimzi.io/v1', kind: 'Kafka', metadata: { name: 'wandb-kafka' } },
      { status: {} },
    );
    const result = syncSecrets(
      decoratorRequest({ kafka: { enabled: true } }, [], [pausedKafka, kafkaPvc, recorded]),
      { random: seededRandom(1) },
    );
    expect(
      decodeData(
        result.attachments.find((a) => a.metadata.name === 'wandb-kafka-cluster-id')?.data,
        'clusterId',
      ),
    ).toBe('OLD-ID');
  });
});

/** A custom resource as Metacontroller applied it for us: created only once its credentials existed. */
const appliedByUs = (object: KubeObject): KubeObject => ({
  ...object,
  metadata: {
    ...object.metadata,
    annotations: {
      [LAST_APPLIED_ANNOTATION]: JSON.stringify({ apiVersion: object.apiVersion, kind: object.kind }),
    },
  },
});
const pvcNamed = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'wandb', uid: `uid-${name}` },
});
const named = (attachments: Named, name: string) => attachments.find((a) => a.metadata.name === name);

describe('a credential Secret lost while its database exists is never replaced (decision 5)', () => {
  // As stored: Metacontroller's dynamic-apply records what it applied on each attachment.
  const written = syncSecrets(decoratorRequest(ALL, [], operatorResources()), {
    random: seededRandom(1),
  }).attachments.map((a) =>
    observedObject({
      ...a,
      metadata: { ...a.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(a) } },
    }),
  );

  test.each([
    ['mysql', 'wandb-mysql-user-db-password', 'wandb-mysql-connection'],
    ['redis', 'wandb-redis-credentials', 'wandb-redis-connection'],
    ['clickhouse', 'wandb-ch-credentials', 'wandb-ch-connection'],
    ['minio', 'wandb-minio-config', 'wandb-minio-connection'],
  ])(
    '%s: Secret %s deleted by hand is not written again while the custom resource exists',
    (_component, lost, connection) => {
      const result = syncSecrets(
        decoratorRequest(
          ALL,
          written.filter((a) => a.metadata.name !== lost),
          operatorResources().map(appliedByUs),
        ),
        { random: seededRandom(99) },
      );
      expect(named(result.attachments, lost)).toBeUndefined();
      // Everything else is returned as it was: an omitted attachment is deleted.
      const before = values(written);
      expect(values(result.attachments)).toEqual(
        Object.fromEntries(Object.entries(before).filter(([name]) => name !== lost)),
      );
      expect(named(result.attachments, connection)).toBeDefined();
    },
  );

  test('renaming a live component (refused by the composite) keeps every Secret it has', () => {
    // Before, the decorator followed the new name: it generated Secrets for `store` and omitted
    // wandb-minio-config and wandb-minio-connection, deleting the root credentials of a running Tenant.
    const renamed = { ...ALL, minio: { ...ALL.minio, name: 'store' } };
    const result = syncSecrets(decoratorRequest(renamed, written, operatorResources().map(appliedByUs)), {
      random: seededRandom(99),
    });
    expect(values(result.attachments)).toMatchObject(values(written));
    const composite = reconcile(
      parsedRequest(
        syncRequest(aParent(renamed), {
          children: [
            observedObject({
              apiVersion: 'minio.min.io/v2',
              kind: 'Tenant',
              metadata: { name: 'wandb-minio' },
            }),
          ],
          related: written,
        }),
      ),
      { now: NOW },
    );
    expect(composite.status.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(
      'spec.minio',
    );
  });

  test('a credential Secret emptied by hand gets back what was last applied, never a new password', () => {
    const emptied = written.map((a) =>
      a.metadata.name === 'wandb-redis-credentials' ? { ...a, data: {} } : a,
    );
    const result = syncSecrets(decoratorRequest(ALL, emptied, operatorResources().map(appliedByUs)), {
      random: seededRandom(99),
    });
    expect(named(result.attachments, 'wandb-redis-credentials')?.data).toEqual(
      named(written, 'wandb-redis-credentials')?.data,
    );
  });

  test('MinIO: no root credentials are made while its volumes exist, even with no Tenant; a fresh one gets them', () => {
    const spec = { minio: { enabled: true } };
    const volume = pvcNamed('0-wandb-minio-wandb-minio-pool-0');
    const overVolumes = syncSecrets(decoratorRequest(spec, [], [volume]), { random: seededRandom(5) });
    expect(overVolumes.attachments).toEqual([]);
    const fresh = syncSecrets(decoratorRequest(spec), { random: seededRandom(5) });
    expect(fresh.attachments.map((a) => a.metadata.name)).toEqual(['wandb-minio-config']);
  });

  test('a custom resource someone else made (the reference, before a takeover) gets credentials written', () => {
    // Without Metacontroller's last-applied record the resource was not created with our Secret, so
    // there is no old value to keep: Percona creates the application user with the new one.
    const result = syncSecrets(decoratorRequest({ mysql: { enabled: true } }, [], operatorResources()), {
      random: seededRandom(5),
    });
    expect(decodeData(named(result.attachments, 'wandb-mysql-user-db-password')?.data, 'password')).toMatch(
      /^[A-Za-z0-9]{32}$/,
    );
  });

  test('the Kafka cluster ID Secret deleted by hand is written again with the ID Strimzi reports, never another', () => {
    const result = syncSecrets(
      decoratorRequest(
        ALL,
        written.filter((a) => a.metadata.name !== 'wandb-kafka-cluster-id'),
        operatorResources().map(appliedByUs),
      ),
      { random: seededRandom(99) },
    );
    expect(decodeData(named(result.attachments, 'wandb-kafka-cluster-id')?.data, 'clusterId')).toBe(
      'abc-123',
    );
  });
});

describe('the composite reports a lost credential Secret', () => {
  const pxc = appliedByUs(
    observedObject(
      {
        apiVersion: 'pxc.percona.com/v1',
        kind: 'PerconaXtraDBCluster',
        metadata: { name: 'wandb-mysql-cluster' },
      },
      { status: { state: 'ready', observedGeneration: 1, host: 'wandb-mysql-cluster-pxc.wandb' } },
    ),
  );
  const conditionOf = (result: ReturnType<typeof reconcile>, component: string, type: string) =>
    (
      result.status as unknown as Record<
        string,
        { conditions?: Array<{ type: string; message: string; status: string }> }
      >
    )[`${component}Status`]?.conditions?.find((c) => c.type === type);

  test('the custom resource is kept, the component is in Error, and the status says how to restore the Secret', () => {
    const result = reconcile(
      parsedRequest(
        syncRequest(aParent({ mysql: { enabled: true } }), {
          children: [pxc],
          related: [aSecret('wandb-mysql-connection', { Password: 'x' })],
        }),
      ),
      { now: NOW },
    );
    expect(result.children.map((c) => c.metadata.name)).toEqual(['wandb-mysql-cluster']);
    expect(result.status.mysqlStatus?.state).toBe('Error');
    const condition = conditionOf(result, 'mysql', 'MySQLCredentials');
    expect(condition?.status).toBe('False');
    expect(condition?.message).toContain(
      'Secret wandb-mysql-user-db-password is missing although PerconaXtraDBCluster wandb-mysql-cluster still exists',
    );
    expect(condition?.message).toContain('kubectl get secret wandb-mysql-connection -n wandb -o yaml');
  });

  test('MinIO over its volumes alone says how to restore the root credentials, or to delete the volumes', () => {
    const result = reconcile(
      parsedRequest(
        syncRequest(aParent({ minio: { enabled: true } }), {
          related: [pvcNamed('0-wandb-minio-wandb-minio-pool-0')],
        }),
      ),
      { now: NOW },
    );
    const message = conditionOf(result, 'minio', 'MinioCredentials')?.message ?? '';
    expect(message).toContain('its data volumes still exist (PVC 0-wandb-minio-wandb-minio-pool-0)');
    expect(message).toContain('kubectl delete pvc -n wandb -l v1.min.io/tenant=wandb-minio');
    expect(result.status.minioStatus?.state).toBe('Error');
  });

  test('nothing to report for a fresh component, or one whose Secret is there', () => {
    const fresh = reconcile(parsedRequest(syncRequest(aParent({ minio: { enabled: true } }))), { now: NOW });
    expect(conditionOf(fresh, 'minio', 'MinioCredentials')).toBeUndefined();
    const present = reconcile(
      parsedRequest(
        syncRequest(aParent({ mysql: { enabled: true } }), {
          children: [pxc],
          related: [aSecret('wandb-mysql-user-db-password', { password: 'x' })],
        }),
      ),
      { now: NOW },
    );
    expect(conditionOf(present, 'mysql', 'MySQLCredentials')).toBeUndefined();
  });

  test('every component whose data needs its Secrets asks for its data volumes, so it can tell', () => {
    const spec = {
      size: 'small',
      mysql: { enabled: true },
      redis: { enabled: true },
      kafka: { enabled: true },
      minio: { enabled: true },
      clickhouse: { enabled: true },
    };
    const { relatedResources } = customize({ controller: {}, parent: aParent(spec) } as never);
    const asked = new Set(
      relatedResources.filter((r) => r.resource === 'persistentvolumeclaims').flatMap((r) => r.names ?? []),
    );
    const parent = parentRef(parsedRequest(syncRequest(aParent(spec))).parent);
    const resolved = resolveSpec(WeightsAndBiasesSpec.parse(spec), parent).spec;
    const needing = COMPONENTS.filter((c) => c.dataNeedsSecrets);
    expect(needing.map((c) => c.name)).toEqual(['kafka', 'minio']);
    for (const component of needing) {
      for (const volume of component.dataVolumes(component.select(resolved))) expect(asked).toContain(volume);
    }
  });
});

describe('no Secret value leaves through logs, status, metrics or errors', () => {
  test('scan every captured output for the generated values', async () => {
    const { app, logs, metricsApp } = testApp({ seed: 11 });
    const parent = aParent(ALL);
    const secretsResponse = await request(app)
      .post('/secrets/sync')
      .send({ controller: {}, object: parent, attachments: {}, related: objectMap(operatorResources()) })
      .expect(200);
    const attachments = secretsResponse.body.attachments as Child[];
    const secretValues = attachments.flatMap((a) =>
      Object.keys(a.data as object).flatMap((key) => {
        const value = decodeData(a.data, key) ?? '';
        return key === 'Password' || key === 'password' || key === 'rootPassword' ? [value] : [];
      }),
    );
    expect(secretValues.length).toBeGreaterThanOrEqual(4);
    const observed = asObserved(attachments);
    const outputs: string[] = [];
    outputs.push(
      JSON.stringify(
        (
          await request(app)
            .post('/secrets/sync')
            .send({
              controller: {},
              object: parent,
              attachments: objectMap(observed),
              related: objectMap(operatorResources()),
            })
        ).body.status,
      ),
    );
    const sync = await request(app)
      .post('/sync')
      .send(syncRequest(parent, { related: observed, children: operatorResources() }));
    outputs.push(JSON.stringify(sync.body.status));
    outputs.push(JSON.stringify(sync.body.children));
    // Bodies that fail: malformed JSON and a non-request, both carrying the values.
    const bad = await request(app)
      .post('/sync')
      .set('Content-Type', 'application/json')
      .send(`{"x": "${secretValues[0]}", `);
    outputs.push(bad.text);
    const wrong = await request(app)
      .post('/secrets/sync')
      .send({ object: { metadata: { name: secretValues[0] } }, attachments: observed });
    outputs.push(wrong.text);
    outputs.push((await request(metricsApp).get('/metrics')).text);
    outputs.push(logs.join(''));
    const everything = outputs.join('\n');
    for (const value of secretValues) expect(everything).not.toContain(value);
  });
});
