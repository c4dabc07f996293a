// The upgrade rehearsals of docs/operations/ told through the simulator (docs/operations.md,
// "Upgrades"): what runs is kept while the spec names no version, raised only by the user's edit, and a
// downgrade is refused with nothing changed.
import { describe, expect, test } from 'vitest';
import { COMPONENTS } from '../compositions/components/index.js';
import { field } from '../compositions/kube.js';
import type { Simulation } from '../sim/simulation.js';
import { conditionTimeline, type Phase, runScenario, stateTimeline } from './support/operations.js';

const API: Record<string, [string, string]> = {
  PerconaXtraDBCluster: ['pxc.percona.com/v1', 'PerconaXtraDBCluster'],
  RedisReplication: ['redis.redis.opstreelabs.in/v1beta2', 'RedisReplication'],
  Kafka: ['kafka.strimzi.io/v1beta2', 'Kafka'],
  Tenant: ['minio.min.io/v2', 'Tenant'],
  ClickHouseInstallation: ['clickhouse.altinity.com/v1', 'ClickHouseInstallation'],
};
const apiOf = (kind: string): [string, string] => API[kind] ?? ['', kind];

/** What each database's custom resource is set to, read where its operator reads it. */
function versions(simulation: Simulation) {
  const at = (kind: string, name: string, ...path: string[]) => {
    const object = simulation.cluster.list(...apiOf(kind)).find((o) => o.metadata.name === name);
    return object ? field(object, ...path) : undefined;
  };
  return {
    mysql: at('PerconaXtraDBCluster', 'wandb-mysql-cluster', 'spec', 'pxc', 'image'),
    redis: at('RedisReplication', 'wandb-redis-replica', 'spec', 'kubernetesConfig', 'image'),
    kafka: `${at('Kafka', 'wandb-kafka', 'spec', 'kafka', 'version')}/${at('Kafka', 'wandb-kafka', 'spec', 'kafka', 'metadataVersion')}`,
    minio: at('Tenant', 'wandb-minio', 'spec', 'image'),
    clickhouse: at(
      'ClickHouseInstallation',
      'wandb-ch-install',
      'spec',
      'templates',
      'podTemplates',
      '0',
      'spec',
      'containers',
      '0',
      'image',
    ),
  };
}

const OLDER = {
  mysql: 'percona/percona-xtradb-cluster:8.0.36-28.1',
  redis: 'quay.io/opstree/redis:v7.0.12',
  kafka: '4.0.1/4.0-IV0',
  minio: 'quay.io/minio/minio:RELEASE.2025-02-28T09-55-16Z',
  clickhouse: 'clickhouse/clickhouse-server:23.3',
};
const DEFAULTS = {
  mysql: 'percona/percona-xtradb-cluster:8.0.42-33.1',
  redis: 'quay.io/opstree/redis:v7.0.15',
  kafka: '4.1.0/4.0-IV0',
  minio: 'quay.io/minio/minio:RELEASE.2025-04-08T15-41-24Z',
  clickhouse: 'clickhouse/clickhouse-server:23.8',
};

const lastReason = (phase: Phase, component: string) => {
  const type = COMPONENTS.find((c) => c.name === component)?.conditions.version ?? '';
  return conditionTimeline(phase, component, type).at(-1)?.reason;
};

describe('docs/operations/upgrade.yaml over upgrade-base.yaml', () => {
  const scenario = runScenario('operations/upgrade-base', 'upgrade', { snapshot: versions });
  const snapshots = [scenario.install, ...scenario.edits].map((phase) => phase.snapshot);

  test('every phase is stable, every component Healthy at its end, and none is ever in Error', () => {
    for (const phase of [scenario.install, ...scenario.edits]) {
      expect(phase.stable).toBe(true);
      for (const component of COMPONENTS) {
        expect(stateTimeline(phase, component.name)).not.toContain('Error');
        expect(stateTimeline(phase, component.name).at(-1)).toBe('Healthy');
      }
    }
    expect(scenario.edits).toHaveLength(3);
  });

  test('installed at the written older versions', () => {
    expect(snapshots[0]).toEqual(OLDER);
  });

  test('edit 1, versions no longer written: every database keeps what it runs, and the status offers the default', () => {
    expect(snapshots[1]).toEqual(OLDER);
    for (const component of COMPONENTS) {
      expect(lastReason(scenario.edits[0] as Phase, component.name)).toBe('NewerDefaultAvailable');
    }
  });

  test('edit 2, versions raised: each custom resource is set to the new version, Kafka keeps its metadata level', () => {
    expect(snapshots[2]).toEqual(DEFAULTS);
    for (const component of COMPONENTS)
      expect(lastReason(scenario.edits[1] as Phase, component.name)).toBe('SetInSpec');
  });

  test('edit 3, the metadata level raised: Strimzi’s second step', () => {
    expect(snapshots[3]).toEqual({ ...DEFAULTS, kafka: '4.1.0/4.1-IV0' });
  });
});

test('docs/operations/upgrade-downgrade-refused.yaml: InvalidSpec, and the cluster keeps its version', () => {
  const scenario = runScenario('small', 'upgrade-downgrade-refused');
  const phase = scenario.edits[0] as Phase;
  expect(phase.stable).toBe(true);
  const last = phase.statuses.at(-1) as {
    ready?: boolean;
    conditions?: Array<{ type: string; message: string }>;
  };
  expect(last.ready).toBe(false);
  expect(last.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(
    'spec.mysql.version 8.0.36-28.1 is older than 8.0.42-33.1, the version PerconaXtraDBCluster wandb-mysql-cluster runs',
  );
  expect(versions(scenario.simulation).mysql).toBe(DEFAULTS.mysql);
});
