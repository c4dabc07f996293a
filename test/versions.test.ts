// Versions are explicit (issue 15): a component runs the version its spec names, else what runs, else
// what its retained volumes were written with, else this release's default; a downgrade is refused.
import { describe, expect, test } from 'vitest';
import { COMPONENTS } from '../compositions/components/index.js';
import type { Child, KubeObject } from '../compositions/kube.js';
import { DecoratorSyncRequest } from '../compositions/metacontroller.js';
import { ComponentStatus } from '../compositions/parent.js';
import { reconcile, type SyncResult } from '../compositions/reconcile.js';
import { syncSecrets } from '../compositions/secrets.js';
import { compareVersions, imageTag } from '../compositions/versions.js';
import { seededRandom } from './support/app.js';
import {
  aParent,
  aSecret,
  NOW,
  objectMap,
  observedObject,
  parsedRequest,
  syncRequest,
} from './support/builders.js';
import { ourSecrets } from './support/world.js';

type Options = Parameters<typeof syncRequest>[1];
/** A sync with the component's credential Secrets written, as the DecoratorController would have. */
const run = (spec: unknown, options: Options = {}): SyncResult =>
  reconcile(
    parsedRequest(
      syncRequest(aParent(spec), { ...options, related: [...ourSecrets(spec), ...(options?.related ?? [])] }),
    ),
    { now: NOW },
  );

describe('compareVersions: the numbers in order, a missing one counting as 0', () => {
  test.each([
    { name: 'patch up', a: '8.0.42-33.1', b: '8.0.43-34.1', want: -1 },
    { name: 'numbers, not text', a: '8.0.9', b: '8.0.10', want: -1 },
    { name: 'a v prefix is no number', a: 'v7.0.15', b: 'v7.0.12', want: 1 },
    { name: 'fewer numbers', a: '23.8', b: '23.8.0.1', want: -1 },
    { name: 'same numbers', a: '23.8', b: '23.8.0', want: 0 },
    {
      name: 'a MinIO release by date and time',
      a: 'RELEASE.2025-04-08T15-41-24Z',
      b: 'RELEASE.2025-04-08T09-00-00Z',
      want: 1,
    },
    { name: 'a KRaft metadata level', a: '4.0-IV3', b: '4.1-IV0', want: -1 },
  ])('$name', ({ a, b, want }) => {
    expect(Math.sign(compareVersions(a, b))).toBe(want);
  });
});

test.each([
  { name: 'a tag', image: 'percona/percona-xtradb-cluster:8.0.42-33.1', want: '8.0.42-33.1' },
  { name: 'a registry with a port and no tag', image: 'registry:5000/redis', want: undefined },
  { name: 'a registry with a port and a tag', image: 'registry:5000/redis:v7', want: 'v7' },
  { name: 'not a string', image: 42, want: undefined },
])('imageTag: $name', ({ image, want }) => {
  expect(imageTag(image)).toBe(want);
});

/** Where each component's version lives in its child, and a version older than this release's. */
const VERSIONED = [
  {
    component: 'mysql',
    kind: 'PerconaXtraDBCluster',
    read: (c: Child) => (c.spec as { pxc: { image: string } }).pxc.image,
    write: (c: Child, v: string) =>
      ((c.spec as { pxc: { image: string } }).pxc.image = `percona/percona-xtradb-cluster:${v}`),
    older: '8.0.36-28.1',
    lowest: '8.0.30-22.1',
  },
  {
    component: 'redis',
    kind: 'Redis',
    read: (c: Child) => (c.spec as { kubernetesConfig: { image: string } }).kubernetesConfig.image,
    write: (c: Child, v: string) =>
      ((c.spec as { kubernetesConfig: { image: string } }).kubernetesConfig.image =
        `quay.io/opstree/redis:${v}`),
    older: 'v7.0.12',
    lowest: 'v6.2.0',
  },
  {
    component: 'kafka',
    kind: 'Kafka',
    read: (c: Child) => (c.spec as { kafka: { version: string } }).kafka.version,
    write: (c: Child, v: string) => ((c.spec as { kafka: { version: string } }).kafka.version = v),
    older: '4.0.1',
    lowest: '4.0.0',
  },
  {
    component: 'minio',
    kind: 'Tenant',
    read: (c: Child) => (c.spec as { image: string }).image,
    write: (c: Child, v: string) => ((c.spec as { image: string }).image = `quay.io/minio/minio:${v}`),
    older: 'RELEASE.2024-10-02T17-50-41Z',
    lowest: 'RELEASE.2023-01-01T00-00-00Z',
  },
  {
    component: 'clickhouse',
    kind: 'ClickHouseInstallation',
    read: (c: Child) => serverContainer(c).image,
    write: (c: Child, v: string) => (serverContainer(c).image = `clickhouse/clickhouse-server:${v}`),
    older: '23.3',
    lowest: '22.8',
  },
] as const;

function serverContainer(chi: Child): { image: string } {
  const spec = chi.spec as {
    templates: { podTemplates: Array<{ spec: { containers: Array<{ image: string }> } }> };
  };
  const container = spec.templates.podTemplates[0]?.spec.containers[0];
  if (!container) throw new Error('no server container');
  return container;
}

const specOf = (component: string, extra: Record<string, unknown> = {}) => ({
  [component]: { enabled: true, ...extra },
});
const childOf = (result: SyncResult, kind: string) => {
  const child = result.children.find((c) => c.kind === kind);
  if (!child) throw new Error(`no ${kind}`);
  return child;
};
const versionCondition = (result: SyncResult, component: string) => {
  const registered = COMPONENTS.find((c) => c.name === component);
  const status = ComponentStatus.parse(new Map(Object.entries(result.status)).get(`${component}Status`));
  return status?.conditions?.find((c) => c.type === registered?.conditions.version);
};

/** The component's children as the API server returns them, the versioned one set to `version`. */
function runningAt(row: (typeof VERSIONED)[number], version: string): KubeObject[] {
  const fresh = run(specOf(row.component));
  return fresh.children.map((child) => {
    const copy = structuredClone(child);
    if (copy.kind === row.kind) row.write(copy, version);
    return observedObject(copy);
  });
}

describe.each(VERSIONED)('$component', (row) => {
  const latest = COMPONENTS.find((c) => c.name === row.component)?.version.latest ?? '';

  test('a new component gets this release’s default', () => {
    const result = run(specOf(row.component));
    expect(row.read(childOf(result, row.kind))).toContain(latest);
    expect(versionCondition(result, row.component)).toMatchObject({
      status: 'True',
      reason: 'ReleaseDefault',
    });
  });

  test('a running child keeps its older version while the spec names none, and the status offers the newer default', () => {
    const result = run(specOf(row.component), { children: runningAt(row, row.older) });
    expect(row.read(childOf(result, row.kind))).toContain(row.older);
    expect(row.read(childOf(result, row.kind))).not.toContain(latest);
    const condition = versionCondition(result, row.component);
    expect(condition).toMatchObject({ status: 'True', reason: 'NewerDefaultAvailable' });
    expect(condition?.message).toContain(`set to ${row.older}`);
    expect(condition?.message).toContain(`set spec.${row.component}.version to ${latest} to upgrade`);
  });

  test('the spec raising the version upgrades the running child', () => {
    const result = run(specOf(row.component, { version: latest }), { children: runningAt(row, row.older) });
    expect(result.status.conditions?.find((c) => c.type === 'InvalidSpec')).toBeUndefined();
    expect(row.read(childOf(result, row.kind))).toContain(latest);
    expect(versionCondition(result, row.component)).toMatchObject({ reason: 'SetInSpec' });
  });

  test('the spec lowering the version below what runs is refused, and nothing changes', () => {
    const children = runningAt(row, latest);
    const result = run(specOf(row.component, { version: row.older }), { children });
    const invalid = result.status.conditions?.find((c) => c.type === 'InvalidSpec');
    expect(invalid?.message).toContain(
      `spec.${row.component}.version ${row.older} is older than ${latest}, the version ${row.kind} `,
    );
    // Frozen as observed (here: its identity, having no last-applied annotation), never the older version.
    expect(JSON.stringify(childOf(result, row.kind))).not.toContain(row.older);
  });

  test('a parent re-created over retained volumes takes the version recorded beside them', () => {
    const base = COMPONENTS.find((c) => c.name === row.component)?.version.children('x')[0];
    expect(base).toBeDefined();
    const name = run(specOf(row.component)).children.find((c) => c.kind === row.kind)?.metadata.name ?? '';
    // The record is named after the component's base name, which the child's name starts with.
    const baseName = {
      mysql: 'wandb-mysql',
      redis: 'wandb-redis',
      kafka: 'wandb-kafka',
      minio: 'wandb-minio',
      clickhouse: 'wandb-ch',
    }[row.component];
    expect(name.startsWith(baseName)).toBe(true);
    const record = aSecret(`${baseName}-version`, { version: row.older });
    const result = run(specOf(row.component), { related: [record] });
    expect(row.read(childOf(result, row.kind))).toContain(row.older);
    expect(versionCondition(result, row.component)).toMatchObject({ reason: 'NewerDefaultAvailable' });
    expect(versionCondition(result, row.component)?.message).toContain('retained volumes');

    const lower = run(specOf(row.component, { version: row.lowest }), { related: [record] });
    expect(lower.status.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(
      `is older than ${row.older}, the version the retained volumes were written by`,
    );
  });
});

describe('operator-specific steps', () => {
  const mysql = VERSIONED[0];
  test('MySQL: a change of release series (8.0 → 8.4) is refused, a patch within 8.0 is not', () => {
    const children = runningAt(mysql, '8.0.42-33.1');
    const major = run(specOf('mysql', { version: '8.4.5-5.1' }), { children });
    expect(major.status.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(
      'spec.mysql.version cannot change from 8.0.42-33.1 to 8.4.5-5.1: a change of the MySQL major version',
    );
    const patch = run(specOf('mysql', { version: '8.0.43-34.1' }), { children });
    expect(patch.status.conditions?.find((c) => c.type === 'InvalidSpec')).toBeUndefined();
  });

  const kafka = VERSIONED[2];
  const kafkaAt = (version: string, metadataVersion: string) =>
    runningAt(kafka, version).map((o) =>
      o.kind === 'Kafka'
        ? {
            ...o,
            spec: {
              ...(o.spec as object),
              kafka: { ...(o.spec as { kafka: object }).kafka, metadataVersion },
            },
          }
        : o,
    );
  const metadataOf = (result: SyncResult) =>
    (childOf(result, 'Kafka').spec as { kafka: { metadataVersion: string } }).kafka.metadataVersion;

  test('Kafka: an upgrade keeps the running metadata level until the spec raises it (Strimzi’s second step)', () => {
    const children = kafkaAt('4.0.1', '4.0-IV3');
    const first = run(specOf('kafka', { version: '4.1.0' }), { children });
    expect((childOf(first, 'Kafka').spec as { kafka: { version: string } }).kafka.version).toBe('4.1.0');
    expect(metadataOf(first)).toBe('4.0-IV3');
    const second = run(specOf('kafka', { version: '4.1.0', metadataVersion: '4.1-IV0' }), { children });
    expect(metadataOf(second)).toBe('4.1-IV0');
  });

  test.each([
    {
      name: 'a level above the version’s series',
      extra: { version: '4.0.1', metadataVersion: '4.1-IV0' },
      want: 'spec.kafka.metadataVersion 4.1-IV0 is newer than Kafka 4.0.1 supports',
    },
    {
      name: 'a level below the running one',
      extra: { version: '4.1.0', metadataVersion: '4.0-IV3' },
      want: 'spec.kafka.metadataVersion 4.0-IV3 is lower than the running level 4.1-IV0',
    },
  ])('Kafka refuses $name', ({ extra, want }) => {
    const result = run(specOf('kafka', extra), { children: kafkaAt('4.1.0', '4.1-IV0') });
    expect(result.status.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(want);
  });

  test('a new Kafka gets its version’s first metadata level', () => {
    expect(metadataOf(run(specOf('kafka', { version: '4.0.1' })))).toBe('4.0-IV0');
  });
});

describe('the version record the DecoratorController keeps beside the data', () => {
  const decorator = (spec: unknown, attachments: readonly KubeObject[], related: readonly KubeObject[]) =>
    syncSecrets(
      DecoratorSyncRequest.parse({
        controller: {},
        object: aParent(spec),
        attachments: objectMap(attachments),
        related: objectMap(related),
      }),
      { random: seededRandom(1) },
    ).attachments;
  const record = (attachments: readonly Child[]) =>
    attachments.find((a) => a.metadata.name === 'wandb-mysql-version');
  const pxcAt = (version: string) =>
    observedObject({
      apiVersion: 'pxc.percona.com/v1',
      kind: 'PerconaXtraDBCluster',
      metadata: { name: 'wandb-mysql-cluster' },
      spec: { pxc: { image: `percona/percona-xtradb-cluster:${version}` } },
    });
  const pvc = observedObject({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'datadir-wandb-mysql-cluster-pxc-0' },
  });
  const decoded = (secret: Child | undefined) =>
    Buffer.from(
      String((secret?.data as Record<string, string> | undefined)?.version ?? ''),
      'base64',
    ).toString();

  test('records what the custom resource runs, owned by the data volumes that exist', () => {
    const attachments = decorator(specOf('mysql'), [], [pxcAt('8.0.36-28.1'), pvc]);
    expect(decoded(record(attachments))).toBe('8.0.36-28.1');
    expect(record(attachments)?.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'PersistentVolumeClaim',
        name: pvc.metadata.name,
        uid: pvc.metadata.uid,
      }),
    ]);
  });

  test('keeps the record while only the volumes remain (the component disabled under retain), whatever is enabled', () => {
    const kept = observedObject({ ...aSecret('wandb-mysql-version', { version: '8.0.36-28.1' }) });
    const attachments = decorator({ mysql: { enabled: false } }, [kept], [pvc]);
    expect(decoded(record(attachments))).toBe('8.0.36-28.1');
  });

  test('lets the record go with the last of the custom resource and its volumes', () => {
    const kept = observedObject({ ...aSecret('wandb-mysql-version', { version: '8.0.36-28.1' }) });
    expect(record(decorator({ mysql: { enabled: false } }, [kept], []))).toBeUndefined();
  });
});

test('MinIO: a version and a storage growth in one edit are refused; either alone is carried out', () => {
  const row = VERSIONED[3];
  const children = runningAt(row, row.older);
  const both = run(specOf('minio', { version: 'RELEASE.2025-04-08T15-41-24Z', storageSize: '20Gi' }), {
    children,
  });
  expect(both.status.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(
    'spec.minio.version and spec.minio.storageSize cannot change in one edit',
  );
  for (const extra of [{ version: 'RELEASE.2025-04-08T15-41-24Z' }, { storageSize: '20Gi' }]) {
    const alone = run(specOf('minio', extra), { children });
    expect(alone.status.conditions?.find((c) => c.type === 'InvalidSpec')).toBeUndefined();
  }
});
