// The ClickHouse and MinIO day-2 rehearsals of docs/operations/ told through the simulator
// (docs/operations.md, "Storage growth" and "Scaling"): each operation shows its Operation condition
// with progress while the operator carries it out, then none, and ends Healthy; a refused one changes
// nothing and says why.
import { describe, expect, test } from 'vitest';
import { field } from '../compositions/kube.js';
import { conditionTimeline, type Phase, runScenario, stateTimeline } from './support/operations.js';

const messages = (phase: Phase, component: string, type: string) =>
  conditionTimeline(phase, component, type).flatMap((c) => (c ? [`${c.reason}: ${c.message}`] : []));

function claimSizes(scenario: ReturnType<typeof runScenario>, prefix: string) {
  return scenario.simulation.cluster
    .list('v1', 'PersistentVolumeClaim')
    .filter((c) => c.metadata.name.startsWith(prefix))
    .map(
      (c) =>
        `${field(c, 'spec', 'resources', 'requests', 'storage')}/${field(c, 'status', 'capacity', 'storage')}`,
    );
}

describe('ClickHouse and MinIO operations, told through the simulator', () => {
  test('clickhouse-grow-storage: Resizing host by host, no restart (provisioner Operator), then Healthy', () => {
    const scenario = runScenario('small', 'clickhouse-grow-storage');
    const [phase] = scenario.edits;
    if (!phase) throw new Error('no edit phase');
    expect(phase.stable).toBe(true);
    const seen = messages(phase, 'clickhouse', 'ClickHouseOperation');
    expect(seen[0]).toMatch(
      /^Resizing: ClickHouse storage growth storage 10Gi → 20Gi: 0 of 3 volumes at 20Gi \(the operator patches each PVC, no restart\)/,
    );
    expect(seen.some((m) => m.includes('2 of 3 hosts reconciled'))).toBe(true);
    expect(seen.every((m) => m.startsWith('Resizing'))).toBe(true);
    expect(conditionTimeline(phase, 'clickhouse', 'ClickHouseOperation').at(-1)).toBeUndefined();
    expect(stateTimeline(phase, 'clickhouse')).not.toContain('Error');
    expect(stateTimeline(phase, 'clickhouse').at(-1)).toBe('Healthy');
    expect(claimSizes(scenario, 'wandb-ch-voltempl-')).toEqual(['20Gi/20Gi', '20Gi/20Gi', '20Gi/20Gi']);
  });

  test('clickhouse-scale-1-to-3: the Keeper first, then the hosts, with the non-replicated caveat', () => {
    const scenario = runScenario('dev', 'clickhouse-scale-1-to-3');
    const [phase] = scenario.edits;
    if (!phase) throw new Error('no edit phase');
    expect(phase.stable).toBe(true);
    const seen = messages(phase, 'clickhouse', 'ClickHouseOperation');
    expect(seen[0]).toMatch(
      /^ScalingOut: .*waiting for ClickHouseKeeperInstallation wandb-ch-keeper to complete/,
    );
    expect(seen.some((m) => m.includes('2 of 3 hosts have their data volume'))).toBe(true);
    expect(
      seen.every((m) => m.includes('created empty on the new replicas and never receive the existing rows')),
    ).toBe(true);
    // Present in every round until the hosts are in: no gap between the Keeper and the hosts.
    const present = conditionTimeline(phase, 'clickhouse', 'ClickHouseOperation').map((c) => c !== undefined);
    expect(present.indexOf(false)).toBe(seen.length);
    expect(stateTimeline(phase, 'clickhouse')).not.toContain('Error');
    expect(stateTimeline(phase, 'clickhouse').at(-1)).toBe('Healthy');
    const chi = scenario.simulation.cluster
      .list('clickhouse.altinity.com/v1', 'ClickHouseInstallation')
      .find((o) => o.metadata.name === 'wandb-ch-install');
    expect(field(chi, 'spec', 'configuration', 'zookeeper', 'nodes', '0', 'host')).toBe(
      'keeper-wandb-ch-keeper',
    );
    expect(claimSizes(scenario, 'wandb-ch-voltempl-')).toHaveLength(3);
  });

  test('clickhouse-scale-down-refused: InvalidSpec naming the data loss, nothing changed', () => {
    const scenario = runScenario('small', 'clickhouse-scale-down-refused');
    const [phase] = scenario.edits;
    if (!phase) throw new Error('no edit phase');
    const last = phase.statuses.at(-1) as { conditions?: Array<{ type: string; message: string }> };
    expect(last.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toBe(
      'spec.clickhouse.replicas cannot go down from 3 to 2: Altinity removes the highest hosts, and the rows of non-replicated tables (plain MergeTree) on them are lost',
    );
    const chi = scenario.simulation.cluster
      .list('clickhouse.altinity.com/v1', 'ClickHouseInstallation')
      .find((o) => o.metadata.name === 'wandb-ch-install');
    expect(field(chi, 'spec', 'configuration', 'clusters', '0', 'layout', 'replicasCount')).toBe(3);
  });

  test('minio-grow-storage: Resizing from the PVCs, every volume grown by the operator, then Healthy', () => {
    const scenario = runScenario('small', 'minio-grow-storage');
    const [phase] = scenario.edits;
    if (!phase) throw new Error('no edit phase');
    expect(phase.stable).toBe(true);
    const seen = messages(phase, 'minio', 'MinioOperation');
    expect(seen).toEqual([
      expect.stringMatching(/^Resizing: Minio storage growth storage 10Gi → 20Gi: 0 of 12 volumes at 20Gi/),
    ]);
    expect(conditionTimeline(phase, 'minio', 'MinioOperation').at(-1)).toBeUndefined();
    expect(stateTimeline(phase, 'minio')).not.toContain('Error');
    expect(stateTimeline(phase, 'minio').at(-1)).toBe('Healthy');
    expect(new Set(claimSizes(scenario, ''))).toContain('20Gi/20Gi');
    expect(claimSizes(scenario, '').filter((s) => s === '20Gi/20Gi')).toHaveLength(12);
  });

  test('minio-add-pool: AddingPool through the new pool’s states and the restart of every server, then Healthy', () => {
    const scenario = runScenario('small', 'minio-add-pool');
    const [phase] = scenario.edits;
    if (!phase) throw new Error('no edit phase');
    expect(phase.stable).toBe(true);
    const seen = messages(phase, 'minio', 'MinioOperation');
    expect(seen[0]).toMatch(
      /^AddingPool: Minio new pool StatefulSet wandb-minio-pool-1: wandb-minio-pool-1 PoolNotCreated; the operator then restarts every MinIO server/,
    );
    expect(seen.some((m) => m.includes('wandb-minio-pool-1 PoolCreated'))).toBe(true);
    expect(seen.some((m) => m.includes('Restarting MinIO: every MinIO server of every pool restarts'))).toBe(
      true,
    );
    expect(seen.every((m) => m.startsWith('AddingPool'))).toBe(true);
    expect(conditionTimeline(phase, 'minio', 'MinioOperation').at(-1)).toBeUndefined();
    expect(stateTimeline(phase, 'minio')).not.toContain('Error');
    expect(stateTimeline(phase, 'minio').at(-1)).toBe('Healthy');
    const tenant = scenario.simulation.cluster
      .list('minio.min.io/v2', 'Tenant')
      .find((o) => o.metadata.name === 'wandb-minio');
    expect(field(tenant, 'status', 'pools')).toEqual([
      { ssName: 'wandb-minio-wandb-minio-pool', state: 'PoolInitialized' },
      { ssName: 'wandb-minio-pool-1', state: 'PoolInitialized' },
    ]);
    expect(field(tenant, 'status', 'drivesOnline')).toBe(12 + 8);
    expect(claimSizes(scenario, '').length).toBeGreaterThan(0);
    expect(claimSizes(scenario, '0-wandb-minio-pool-1-')).toEqual(['10Gi/10Gi', '10Gi/10Gi']);
  });

  test('minio-add-pool-dev-refused: InvalidSpec, a single drive takes no pool, the Tenant keeps one pool', () => {
    const scenario = runScenario('dev', 'minio-add-pool-dev-refused');
    const [phase] = scenario.edits;
    if (!phase) throw new Error('no edit phase');
    const last = phase.statuses.at(-1) as { conditions?: Array<{ type: string; message: string }> };
    expect(last.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(
      'spec.minio.pools cannot extend a single-drive MinIO (1 server × 1 volume, the dev size)',
    );
    const tenant = scenario.simulation.cluster
      .list('minio.min.io/v2', 'Tenant')
      .find((o) => o.metadata.name === 'wandb-minio');
    expect((field(tenant, 'spec', 'pools') as unknown[]).length).toBe(1);
    expect(claimSizes(scenario, '0-wandb-minio-pool-1-')).toEqual([]);
  });
});
