// The MySQL and Redis rehearsals of docs/operations/ told through the simulator (docs/operations.md,
// "Storage growth" and "Scaling"): each operation shows its Operation condition with progress while the
// operator carries it out, never an Error, and ends Healthy with the cluster at the new size.
import { describe, expect, test } from 'vitest';
import { field } from '../compositions/kube.js';
import type { Simulation } from '../sim/simulation.js';
import { conditionTimeline, type Phase, runScenario, stateTimeline } from './support/operations.js';

const PXC: [string, string] = ['pxc.percona.com/v1', 'PerconaXtraDBCluster'];
const PVC: [string, string] = ['v1', 'PersistentVolumeClaim'];
const STS: [string, string] = ['apps/v1', 'StatefulSet'];

const named = (simulation: Simulation, api: [string, string], name: string) =>
  simulation.cluster.list(...api).find((o) => o.metadata.name === name);
const claims = (simulation: Simulation, prefix: string) =>
  simulation.cluster
    .list(...PVC)
    .filter((c) => c.metadata.name.startsWith(prefix))
    .map((c) => [c.metadata.name, field(c, 'status', 'capacity', 'storage')])
    .sort();

/** The Operation condition's reasons and messages over a phase, absent rounds left out. */
const operation = (phase: Phase, component: string, type: string) =>
  conditionTimeline(phase, component, type).flatMap((c) => (c ? [`${c.reason}: ${c.message}`] : []));

function expectCarriedOut(phase: Phase, component: string, type: string, reason: string, progress: RegExp) {
  expect(phase.stable).toBe(true);
  const seen = operation(phase, component, type);
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.every((s) => s.startsWith(`${reason}: `))).toBe(true);
  expect(seen.some((s) => progress.test(s))).toBe(true);
  expect(conditionTimeline(phase, component, type).at(-1)).toBeUndefined();
  expect(stateTimeline(phase, component)).not.toContain('Error');
  expect(stateTimeline(phase, component).at(-1)).toBe('Healthy');
}

describe('MySQL', () => {
  test('mysql-grow-storage: Percona resizes every node volume to 20Gi, the Operation counts them', () => {
    const scenario = runScenario('small', 'mysql-grow-storage');
    const phase = scenario.edits[0] as Phase;
    expectCarriedOut(
      phase,
      'mysql',
      'MySQLOperation',
      'Resizing',
      /3 of 3 node volumes grown \(Percona started/,
    );
    expect(claims(scenario.simulation, 'datadir-wandb-mysql-cluster-pxc-')).toEqual(
      [0, 1, 2].map((i) => [`datadir-wandb-mysql-cluster-pxc-${i}`, '20Gi']),
    );
    const pxc = named(scenario.simulation, PXC, 'wandb-mysql-cluster');
    expect(pxc?.metadata.annotations?.['percona.com/pvc-resize-in-progress']).toBeUndefined();
  });

  test('mysql-scale-3-to-5: two nodes join one after the other, then two leave', () => {
    const scenario = runScenario('small', 'mysql-scale-3-to-5');
    const [out, back] = scenario.edits as Phase[];
    expectCarriedOut(
      out as Phase,
      'mysql',
      'MySQLOperation',
      'ScalingOut',
      /3 of 5 nodes ready; node 4 not yet created/,
    );
    const pxc = () => named(scenario.simulation, PXC, 'wandb-mysql-cluster');
    expect(back?.stable).toBe(true);
    expect(stateTimeline(back as Phase, 'mysql')).not.toContain('Error');
    expect(stateTimeline(back as Phase, 'mysql').at(-1)).toBe('Healthy');
    expect([field(pxc(), 'spec', 'pxc', 'size'), field(pxc(), 'spec', 'proxysql', 'size')]).toEqual([3, 3]);
    expect(field(pxc(), 'status', 'pxc', 'ready')).toBe(3);
    // Percona deletes no volume on a scale-in.
    expect(claims(scenario.simulation, 'datadir-wandb-mysql-cluster-pxc-')).toHaveLength(5);
  });

  test('mysql-scale-to-1-refused: InvalidSpec naming why, and the cluster keeps three nodes', () => {
    const scenario = runScenario('small', 'mysql-scale-to-1-refused');
    const phase = scenario.edits[0] as Phase;
    expect(phase.stable).toBe(true);
    const last = phase.statuses.at(-1) as { conditions?: Array<{ type: string; message: string }> };
    expect(last.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(
      'spec.mysql.replicas cannot change from 3 to 1: a single node runs without TLS and proxy',
    );
    expect(field(named(scenario.simulation, PXC, 'wandb-mysql-cluster'), 'spec', 'pxc', 'size')).toBe(3);
    expect(operation(phase, 'mysql', 'MySQLOperation')).toEqual([]);
  });
});

describe('Redis', () => {
  test('redis-grow-storage: the PVCs grow and the StatefulSet is replaced with the new template, pods kept', () => {
    const scenario = runScenario('small', 'redis-grow-storage');
    const phase = scenario.edits[0] as Phase;
    expectCarriedOut(phase, 'redis', 'RedisOperation', 'Resizing', /0 of 3 volumes grown/);
    expect(claims(scenario.simulation, 'wandb-redis-replica-')).toEqual(
      [0, 1, 2].map((i) => [`wandb-redis-replica-wandb-redis-replica-${i}`, '4Gi']),
    );
    const sts = named(scenario.simulation, STS, 'wandb-redis-replica');
    expect(field(sts, 'spec', 'volumeClaimTemplates', '0', 'spec', 'resources', 'requests', 'storage')).toBe(
      '4Gi',
    );
    // The pods were never all down: the replication kept its ready pods through the replacement.
    expect(stateTimeline(phase, 'redis')).not.toContain('Unavailable');
  });

  test('redis-scale: servers and sentinels to five, pod by pod, then back to three', () => {
    const scenario = runScenario('small', 'redis-scale');
    const [out, back] = scenario.edits as Phase[];
    expectCarriedOut(
      out as Phase,
      'redis',
      'RedisOperation',
      'ScalingOut',
      /StatefulSet wandb-redis-replica: 4 of 5 pods, 3 ready/,
    );
    const replicas = () =>
      ['wandb-redis-replica', 'wandb-redis-sentinel'].map((n) =>
        field(named(scenario.simulation, STS, n), 'status', 'readyReplicas'),
      );
    expect(back?.stable).toBe(true);
    expect(stateTimeline(back as Phase, 'redis')).not.toContain('Error');
    expect(stateTimeline(back as Phase, 'redis').at(-1)).toBe('Healthy');
    expect(replicas()).toEqual([3, 3]);
  });
});
