// Integration tests on the emulator: a parent from an empty namespace to Ready, through deletion
// under each retention policy to `finalized`, and re-created over retained volumes, with the real
// hooks behind an emulated Metacontroller and scripted operators. Round budgets are stated: a
// change that needs more rounds to converge is a behaviour change worth noticing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadParent, processIo } from '../cli/io.js';
import { runSimulate } from '../cli/simulate.js';
import { COMPONENT_NAMES } from '../compositions/components/index.js';
import { CHILD_KINDS } from '../compositions/kube.js';
import { type Cluster, clone, isWrite, type Obj } from '../sim/cluster.js';
import { applyUpdate, COMPOSITE_FINALIZER } from '../sim/metacontroller.js';
import { remaining, Simulation } from '../sim/simulation.js';
import { REPO_ROOT } from './support/shared.js';

const NOW = '2026-01-01T00:00:00Z';
const exampleFile = (name: string) => path.join(REPO_ROOT, 'manifests', 'examples', `${name}.yaml`);
const example = (name: string): Obj => loadParent(exampleFile(name), processIo);

const PVC = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' };
const CHILD_KIND_LIST = Object.values(CHILD_KINDS);

const names = (objects: Obj[]) => objects.map((o) => o.metadata.name).sort();
const pvcs = (cluster: Cluster) => names(cluster.list(PVC.apiVersion, PVC.kind, { namespace: 'wandb' }));
const secrets = (cluster: Cluster) => cluster.list('v1', 'Secret', { namespace: 'wandb' });
const customResources = (cluster: Cluster) =>
  CHILD_KIND_LIST.flatMap((k) => cluster.list(k.apiVersion, k.kind, { namespace: 'wandb' }));
const status = (simulation: Simulation) =>
  simulation.parent('wandb', 'wandb')?.status as Record<
    string,
    { state?: string } & Record<string, unknown>
  > & {
    ready?: boolean;
  };

/**
 * Every Secret left after the parent is gone is either the operator's own (no owners) or owned
 * only by volumes that still exist, never by the deleted parent: it lives exactly as long as the data.
 */
function expectOnlyVolumeOwners(cluster: Cluster, parentUid: string | undefined) {
  const volumeUids = new Set(cluster.list(PVC.apiVersion, PVC.kind).map((p) => p.metadata.uid));
  for (const secret of secrets(cluster)) {
    const owners = secret.metadata.ownerReferences ?? [];
    expect(owners.some((r) => r.uid === parentUid)).toBe(false);
    for (const owner of owners) {
      expect(owner).toMatchObject({ kind: 'PersistentVolumeClaim', controller: false });
      expect(volumeUids.has(owner.uid)).toBe(true);
    }
  }
}

/** A parent applied into an empty namespace and run until nothing changes. */
function installed(name: string, maxRounds = 12) {
  const simulation = new Simulation({ now: NOW });
  simulation.apply(example(name));
  const result = simulation.run(maxRounds);
  return { simulation, result };
}

/** One more round changes nothing, and both hooks answer exactly as in the round before. */
function expectSteady(simulation: Simulation) {
  const before = simulation.rounds.at(-1);
  const after = simulation.round();
  expect(after.events.filter(isWrite)).toEqual([]);
  expect(after.composite.map((o) => o.response)).toEqual(before?.composite.map((o) => o.response));
  expect(after.decorator.map((o) => o.response)).toEqual(before?.decorator.map((o) => o.response));
}

describe.each([
  // The stable round itself is counted: 5 rounds that change something, then a quiet one.
  ['dev', 6, { pvcs: 5 }],
  ['small', 6, { pvcs: 3 + 3 + 3 + 3 + 3 + 12 }],
])('simulate %s from an empty namespace', (name, rounds, expected) => {
  const { simulation, result } = installed(name);

  test(`is Ready and stable within ${rounds} rounds`, () => {
    expect(result).toEqual({ stable: true, rounds: expect.any(Number) });
    expect(result.rounds).toBeLessThanOrEqual(rounds);
    expect(status(simulation).ready).toBe(true);
    for (const component of COMPONENT_NAMES) {
      expect(status(simulation)[`${component}Status`]?.state).toBe('Healthy');
    }
    expect(simulation.parent('wandb', 'wandb')?.metadata.finalizers).toEqual([COMPOSITE_FINALIZER]);
    expect(pvcs(simulation.cluster)).toHaveLength(expected.pvcs);
  });

  test('a resync once converged changes nothing', () => {
    expectSteady(simulation);
    expectSteady(simulation);
  });

  test('every child carries the controller-uid label and a controller reference to the parent', () => {
    const uid = simulation.parent('wandb', 'wandb')?.metadata.uid;
    for (const child of customResources(simulation.cluster)) {
      expect(child.metadata.labels?.['controller-uid']).toBe(uid);
      expect(child.metadata.ownerReferences?.filter((r) => r.controller)).toEqual([
        {
          apiVersion: 'apps.wandb.com/v2',
          kind: 'WeightsAndBiases',
          name: 'wandb',
          uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(child.metadata.annotations?.['metacontroller.k8s.io/last-applied-configuration']).toBeDefined();
    }
  });
});

describe.each(['dev', 'small', 'partial', 'purge'])(
  'a normal install of manifests/examples/%s.yaml',
  (name) => {
    test('never reads Error or Unavailable, in any sync, for any component', () => {
      const { simulation, result } = installed(name);
      expect(result.stable).toBe(true);
      const seen = simulation.rounds.flatMap((round) =>
        round.composite.flatMap((outcome) =>
          Object.entries(outcome.response.status ?? {}).flatMap(([key, value]) => {
            const state = (value as { state?: unknown } | null)?.state;
            return typeof state === 'string' ? [`round ${round.round} ${key}=${state}`] : [];
          }),
        ),
      );
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((s) => s.endsWith('=Error') || s.endsWith('=Unavailable'))).toEqual([]);
    });
  },
);

describe('deletion under the retention policy', () => {
  test('retain (the default): finalized within 5 rounds; every volume and the credentials it needs survive', () => {
    const { simulation } = installed('dev');
    const volumes = pvcs(simulation.cluster);
    const uid = simulation.parent('wandb', 'wandb')?.metadata.uid;
    simulation.delete('wandb', 'wandb');
    const result = simulation.run(8);
    expect(result.stable).toBe(true);
    expect(result.rounds).toBeLessThanOrEqual(5);
    expect(simulation.parent('wandb', 'wandb')).toBeUndefined();

    const finalizes = simulation.rounds.flatMap((r) => r.composite).filter((o) => o.hook === 'finalize');
    // Phase 1 keeps every child with its retention knobs; phase 2 omits them; finalized once gone.
    expect(finalizes[0]?.response.children).toHaveLength(6);
    expect(finalizes.at(-1)?.response.finalized).toBe(true);
    expect(finalizes.slice(0, -1).every((o) => o.response.finalized === false)).toBe(true);

    expect(customResources(simulation.cluster)).toEqual([]);
    expect(pvcs(simulation.cluster)).toEqual(volumes);
    const left = secrets(simulation.cluster);
    // Percona keeps its own Secrets without the delete-pxc-pvc finalizer; ours that the data needs
    // are kept alive by their owner references to the volumes.
    expect(names(left)).toEqual(
      expect.arrayContaining([
        'internal-wandb-mysql-cluster',
        'wandb-kafka-cluster-id',
        'wandb-minio-config',
        'wandb-mysql-cluster-secrets',
      ]),
    );
    expectOnlyVolumeOwners(simulation.cluster, uid);
    for (const name of ['wandb-kafka-cluster-id', 'wandb-minio-config']) {
      expect(left.find((s) => s.metadata.name === name)?.metadata.ownerReferences?.length).toBeGreaterThan(0);
    }
    expectSteady(simulation);
  });

  test('purge: finalized within 5 rounds; only MinIO volumes remain, and the plan says how to remove them', () => {
    const { simulation } = installed('purge');
    const uid = simulation.parent('wandb', 'wandb')?.metadata.uid;
    simulation.delete('wandb', 'wandb');
    const result = simulation.run(8);
    expect(result.stable).toBe(true);
    expect(result.rounds).toBeLessThanOrEqual(5);
    expect(simulation.parent('wandb', 'wandb')).toBeUndefined();
    expect(customResources(simulation.cluster)).toEqual([]);
    expect(pvcs(simulation.cluster)).toEqual(['0-wandb-minio-wandb-minio-pool-0']);
    // Whatever Secrets remain share the remaining volumes' lifetime.
    expectOnlyVolumeOwners(simulation.cluster, uid);

    simulation.kubectl('kubectl delete pvc -n wandb -l v1.min.io/tenant=wandb-minio');
    simulation.round();
    expect(remaining(simulation, 'wandb')).toEqual([]);
  });

  test('--cascade=orphan: the parent goes within 2 rounds and the infrastructure keeps running, unowned', () => {
    const { simulation } = installed('dev');
    const before = names(customResources(simulation.cluster));
    simulation.delete('wandb', 'wandb', 'Orphan');
    const result = simulation.run(6);
    expect(result.stable).toBe(true);
    expect(result.rounds).toBeLessThanOrEqual(2);
    expect(simulation.parent('wandb', 'wandb')).toBeUndefined();
    const after = customResources(simulation.cluster);
    expect(names(after)).toEqual(before);
    expect(after.every((o) => (o.metadata.ownerReferences ?? []).length === 0)).toBe(true);
  });

  test('--cascade=foreground: garbage collection removes the children within 4 rounds, the knobs in place keep the data', () => {
    const { simulation } = installed('dev');
    const volumes = pvcs(simulation.cluster);
    simulation.delete('wandb', 'wandb', 'Foreground');
    const result = simulation.run(8);
    expect(result.stable).toBe(true);
    expect(result.rounds).toBeLessThanOrEqual(4);
    expect(simulation.parent('wandb', 'wandb')).toBeUndefined();
    expect(customResources(simulation.cluster)).toEqual([]);
    // Metacontroller stops managing children (the GC finalizer): no finalize phase ran on them.
    const deletes = simulation.rounds
      .slice(-result.rounds)
      .flatMap((r) => r.events)
      .filter((e) => (e.verb === 'delete' || e.verb === 'removed') && e.kind !== 'WeightsAndBiases');
    expect(deletes.filter((e) => e.actor.startsWith('metacontroller'))).toEqual([]);
    expect(deletes.length).toBeGreaterThan(0);
    expect(pvcs(simulation.cluster)).toEqual(volumes);
    // Owned by the volumes too, the Secrets the data needs only lose their reference to the parent.
    expect(names(secrets(simulation.cluster))).toEqual(
      expect.arrayContaining(['wandb-kafka-cluster-id', 'wandb-minio-config']),
    );
  });
});

describe('re-creating a parent over retained volumes', () => {
  test('Kafka starts paused, the status names the one command, and after it the cluster is Ready with its old ID', () => {
    const { simulation } = installed('dev');
    const kafkaBefore = simulation.cluster.get('kafka.strimzi.io/v1', 'Kafka', 'wandb', 'wandb-kafka');
    const oldClusterId = (kafkaBefore?.status as { clusterId?: string } | undefined)?.clusterId;
    const minioConfig = simulation.cluster.get('v1', 'Secret', 'wandb', 'wandb-minio-config')?.data;
    simulation.delete('wandb', 'wandb');
    expect(simulation.run(8).stable).toBe(true);

    simulation.apply(example('dev'));
    const paused = simulation.run(10);
    expect(paused.stable).toBe(true);
    expect(paused.rounds).toBeLessThanOrEqual(6);
    const kafka = simulation.cluster.get('kafka.strimzi.io/v1', 'Kafka', 'wandb', 'wandb-kafka');
    expect(kafka?.metadata.annotations?.['strimzi.io/pause-reconciliation']).toBe('true');
    const kafkaStatus = status(simulation).kafkaStatus as {
      state: string;
      conditions: Array<Record<string, string>>;
    };
    // Never ready under this parent, so Pending (the quieter state) rather than Unavailable.
    expect(kafkaStatus.state).toBe('Pending');
    const retained = kafkaStatus.conditions.find((c) => c.type === 'KafkaRetainedVolumes');
    expect(retained?.status).toBe('True');
    // The other components came up on their retained volumes and credentials.
    for (const component of COMPONENT_NAMES.filter((name) => name !== 'kafka')) {
      expect(status(simulation)[`${component}Status`]?.state).toBe('Healthy');
    }
    expect(simulation.cluster.get('v1', 'Secret', 'wandb', 'wandb-minio-config')?.data).toEqual(minioConfig);

    const command = /kubectl patch \S+ \S+ -n \S+ --subresource=status --type=merge -p '[^']*'/.exec(
      retained?.message ?? '',
    )?.[0];
    expect(command).toContain(oldClusterId);
    simulation.kubectl(command ?? '');
    const restored = simulation.run(6);
    expect(restored.stable).toBe(true);
    expect(restored.rounds).toBeLessThanOrEqual(3);
    expect(status(simulation).ready).toBe(true);
    const after = simulation.cluster.get('kafka.strimzi.io/v1', 'Kafka', 'wandb', 'wandb-kafka');
    expect(after?.metadata.annotations?.['strimzi.io/pause-reconciliation']).toBeUndefined();
    expect((after?.status as { clusterId?: string } | undefined)?.clusterId).toBe(oldClusterId);
    expectSteady(simulation);
  });
});

describe('a component disabled by an edit', () => {
  test('is removed in two phases, its volumes kept under retain, and the parent stays Ready', () => {
    const { simulation } = installed('dev');
    const parent = example('dev');
    (parent.spec as { kafka: { enabled: boolean } }).kafka.enabled = false;
    simulation.apply(parent);
    const result = simulation.run(8);
    expect(result.stable).toBe(true);
    expect(result.rounds).toBeLessThanOrEqual(4);
    expect(simulation.cluster.list('kafka.strimzi.io/v1', 'Kafka')).toEqual([]);
    expect(status(simulation).kafkaStatus?.state).toBe('Disabled');
    expect(status(simulation).ready).toBe(true);
    expect(pvcs(simulation.cluster)).toContain('data-0-wandb-kafka-wandb-kafka-node-pool-0');
  });
});

describe('emulator fidelity', () => {
  test('Strimzi: a Kafka created unpaused over volumes of another cluster ID never becomes ready', () => {
    const { simulation } = installed('dev');
    simulation.delete('wandb', 'wandb');
    simulation.run(8);
    // Bypass the hooks: what a plain `kubectl apply` of a Kafka and its pool would do.
    const kafka: Obj = {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      metadata: { name: 'wandb-kafka', namespace: 'wandb' },
      spec: { kafka: { listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }] } },
    };
    const pool: Obj = {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaNodePool',
      metadata: {
        name: 'wandb-kafka-node-pool',
        namespace: 'wandb',
        labels: { 'strimzi.io/cluster': 'wandb-kafka' },
      },
      spec: {
        replicas: 1,
        roles: ['broker', 'controller'],
        storage: {
          type: 'jbod',
          volumes: [{ id: 0, type: 'persistent-claim', size: '1Gi', deleteClaim: false }],
        },
      },
    };
    simulation.cluster.as('user', () => {
      simulation.cluster.create(kafka);
      simulation.cluster.create(pool);
    });
    simulation.run(4);
    const kafkaStatus = simulation.cluster.get(
      'kafka.strimzi.io/v1',
      'Kafka',
      'wandb',
      'wandb-kafka',
    )?.status;
    expect((kafkaStatus as { conditions?: unknown } | undefined)?.conditions).toEqual([
      expect.objectContaining({ type: 'NotReady', status: 'True', reason: 'TimeoutException' }),
    ]);
  });

  test('dynamic-apply: removes what was applied and is no longer desired, merges lists by name, keeps status', () => {
    const observed: Obj = {
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: {
        name: 't',
        namespace: 'ns',
        uid: 'u1',
        resourceVersion: '7',
        generation: 3,
        finalizers: ['operator.example.com/cleanup'],
        annotations: {
          'metacontroller.k8s.io/last-applied-configuration': JSON.stringify({
            metadata: { name: 't', labels: { a: '1' } },
            spec: { gone: true, kept: 1, containers: [{ name: 'x', image: 'x:1' }], args: ['a', 'b'] },
          }),
        },
        labels: { a: '1', operator: 'added' },
      },
      spec: {
        gone: true,
        kept: 1,
        defaulted: 'by-the-operator',
        containers: [
          { name: 'x', image: 'x:1', defaulted: true },
          { name: 'sidecar', image: 's:1' },
        ],
        args: ['a', 'b'],
      },
      status: { phase: 'Running' },
    };
    const desired: Obj = {
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 't', namespace: 'ns', labels: { a: '2' } },
      spec: { kept: 2, containers: [{ name: 'x', image: 'x:2' }], args: ['c'] },
      status: { phase: 'Ignored' },
    };
    const merged = applyUpdate(observed, desired);
    expect(merged.spec).toEqual({
      kept: 2,
      defaulted: 'by-the-operator',
      containers: [
        { name: 'x', image: 'x:2', defaulted: true },
        { name: 'sidecar', image: 's:1' },
      ],
      args: ['c'],
    });
    expect(merged.metadata.labels).toEqual({ a: '2', operator: 'added' });
    expect(merged.metadata.finalizers).toEqual(['operator.example.com/cleanup']);
    expect(merged.metadata.resourceVersion).toBe('7');
    expect(merged.status).toEqual({ phase: 'Running' });
    // Applying the same desired object again is a no-op.
    expect(applyUpdate(merged, clone(desired))).toEqual(merged);
  });
});

describe('wandb-hooks simulate', () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: { ...processIo, stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) },
    };
  };

  test('prints a timeline until stable, then the deletion and what is left', () => {
    const { out, err, io } = capture();
    const code = runSimulate(['-f', exampleFile('purge'), '--now', NOW, '--delete'], io);
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^round 1 {2}2026-01-01T00:00:00Z\n {2}user +create +WeightsAndBiases wandb/);
    expect(text).toContain('stable after 6 rounds: WeightsAndBiases wandb/wandb ready=true');
    expect(text).toMatch(
      / {2}metacontroller\/wandb-infra +hook +WeightsAndBiases wandb {2}\(finalize: 6 children;/,
    );
    expect(text).toContain(
      'is gone\nleft in namespace wandb:\n  PersistentVolumeClaim 0-wandb-minio-wandb-minio-pool-0\n',
    );
  });

  test('-o json is one JSON document, and the same seed gives the same run', () => {
    const first = capture();
    const second = capture();
    expect(runSimulate(['-f', exampleFile('dev'), '--now', NOW, '-o', 'json'], first.io)).toBe(0);
    expect(runSimulate(['-f', exampleFile('dev'), '--now', NOW, '-o', 'json'], second.io)).toBe(0);
    expect(first.out.join('')).toBe(second.out.join(''));
    const body = JSON.parse(first.out.join(''));
    expect(body.install).toMatchObject({ stable: true, status: { ready: true } });
    expect(body.rounds.at(-1)).toMatchObject({ changed: false });
  });

  test('--then applies each edit of the parent once the one before is stable', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'simulate-then-'));
    const edited = example('dev');
    (edited.spec as { mysql: { enabled: boolean } }).mysql.enabled = false;
    const edits = path.join(dir, 'edits.json');
    writeFileSync(edits, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [edited] }));
    const run = capture();
    expect(runSimulate(['-f', exampleFile('dev'), '--now', NOW, '--then', edits, '-o', 'json'], run.io)).toBe(
      0,
    );
    const body = JSON.parse(run.out.join(''));
    expect(body.install.status.mysqlStatus.state).toBe('Healthy');
    expect(body.edits).toHaveLength(1);
    expect(body.edits[0]).toMatchObject({
      stable: true,
      status: { ready: true, mysqlStatus: { state: 'Disabled' } },
    });

    const other = { ...edited, metadata: { ...edited.metadata, name: 'another' } };
    writeFileSync(edits, JSON.stringify(other));
    const refused = capture();
    expect(runSimulate(['-f', exampleFile('dev'), '--then', edits], refused.io)).toBe(1);
    expect(refused.err.join('')).toContain('--then edits the parent of -f');
  });

  test('exits 1 when the rounds run out, 2 on bad options, 1 on bad input', () => {
    const short = capture();
    expect(runSimulate(['-f', exampleFile('dev'), '--now', NOW, '--rounds', '2'], short.io)).toBe(1);
    expect(short.out.join('')).toContain('not stable after 2 rounds');
    expect(short.err.join('')).toContain('did not become stable');

    for (const [argv, message] of [
      [[], '-f PARENT is required'],
      [['-f', 'x', '--rounds', 'many'], '--rounds must be a whole number'],
      [['-f', 'x', '--cascade', 'orphan'], '--cascade needs --delete'],
      [
        ['-f', 'x', '--delete', '--cascade', 'sideways'],
        '--cascade must be background, foreground or orphan',
      ],
      [['-f', 'x', '-o', 'yaml'], '-o must be text or json'],
      [['-f', 'x', '--bogus'], 'unknown option --bogus'],
    ] as const) {
      const run = capture();
      expect(runSimulate([...argv], run.io)).toBe(2);
      expect(run.err.join('')).toContain(message);
    }
    const missing = capture();
    expect(runSimulate(['-f', '/nonexistent/parent.yaml'], missing.io)).toBe(1);
    expect(missing.err.join('')).toBe('wandb-hooks simulate: /nonexistent/parent.yaml: no such file\n');
  });
});
