import { describe, expect, test } from 'vitest';
import { credentialSecrets } from '../../compositions/component.js';
import {
  clickhouse,
  credentialsSecretName,
  installationName,
  keeperName,
  taskIdFor,
} from '../../compositions/components/clickhouse.js';
import type { Child, KubeObject } from '../../compositions/kube.js';
import { contextFor, observedObject } from '../support/builders.js';
import { assertValidAgainstCrd } from '../support/crd-validator.js';

const DEV = { clickhouse: { enabled: true } };
const SMALL = { size: 'small', clickhouse: { enabled: true } };
const PURGE_SMALL = { ...SMALL, retentionPolicy: { onDelete: 'purge' } };

const desiredFor = (spec: unknown, parentName?: string) =>
  clickhouse.desired(contextFor(clickhouse, spec, parentName ? { parent: { name: parentName } } : {}));

type Field = Record<string, unknown>;
const specOf = (child: Child | KubeObject) => child.spec as Field;

function childOf(children: Child[], kind: string): Child {
  const child = children.find((c) => c.kind === kind);
  if (!child) throw new Error(`no ${kind} desired`);
  return child;
}

const installationOf = (spec: unknown) => childOf(desiredFor(spec), 'ClickHouseInstallation');
const keeperOf = (spec: unknown) => childOf(desiredFor(spec), 'ClickHouseKeeperInstallation');
const templatesOf = (child: Child | KubeObject) => specOf(child).templates as Field;
const volumeTemplatesOf = (child: Child | KubeObject) => templatesOf(child).volumeClaimTemplates as Field[];

/** The CHI as the API server returns it, with an operator status; `taskID` defaults to the spec's own. */
function observedInstallation(spec: unknown, status?: Field): KubeObject {
  const chi = installationOf(spec);
  return observedObject(chi, status === undefined ? {} : { status });
}

describe('clickhouse', () => {
  describe('every desired child is valid against its Altinity CRD', () => {
    const cases: Array<{ name: string; args: { spec: unknown } }> = [
      { name: 'dev parent', args: { spec: DEV } },
      { name: 'small parent', args: { spec: SMALL } },
      {
        name: 'small parent with telemetry and purge',
        args: { spec: { ...PURGE_SMALL, clickhouse: { enabled: true, telemetry: { enabled: true } } } },
      },
    ];
    test.each(cases)('$name', ({ args }) => {
      for (const child of desiredFor(args.spec)) assertValidAgainstCrd(child);
    });
  });

  test('dev parent → one ClickHouseInstallation, no Keeper', () => {
    expect(desiredFor(DEV).map((c) => `${c.kind}/${c.metadata.name}`)).toEqual([
      'ClickHouseInstallation/wandb-ch-install',
    ]);
    const chi = installationOf(DEV);
    expect((specOf(chi).configuration as Field).zookeeper).toBeUndefined();
  });

  test('small parent → a Keeper of 3 and the installation pointed at its Service', () => {
    expect(desiredFor(SMALL).map((c) => `${c.kind}/${c.metadata.name}`)).toEqual([
      'ClickHouseKeeperInstallation/wandb-ch-keeper',
      'ClickHouseInstallation/wandb-ch-install',
    ]);
    const configuration = specOf(installationOf(SMALL)).configuration as Field;
    expect(configuration.zookeeper).toEqual({ nodes: [{ host: 'keeper-wandb-ch-keeper', port: 2181 }] });
    expect(configuration.clusters).toEqual([
      { name: 'wandb-ch', layout: { shardsCount: 1, replicasCount: 3 } },
    ]);
    const keeper = specOf(keeperOf(SMALL));
    expect(keeper.configuration).toEqual({ clusters: [{ name: 'wandb-ch', layout: { replicasCount: 3 } }] });
    expect(keeper.defaults).toEqual({
      templates: { podTemplate: 'wandb-ch-keeper-pod', dataVolumeClaimTemplate: 'wandb-ch-keeper-data' },
    });
    expect(templatesOf(keeperOf(SMALL)).podTemplates).toEqual([
      {
        name: 'wandb-ch-keeper-pod',
        spec: { containers: [{ name: 'clickhouse-keeper', image: 'clickhouse/clickhouse-keeper:23.8' }] },
      },
    ]);
  });

  test('version and resources → a named pod template that the defaults reference', () => {
    const chi = installationOf({ size: 'small', clickhouse: { enabled: true, version: '24.8.4' } });
    const defaults = specOf(chi).defaults as Field;
    expect(defaults).toEqual({
      templates: { podTemplate: 'wandb-ch-pod', dataVolumeClaimTemplate: 'wandb-ch-voltempl' },
    });
    expect(templatesOf(chi).podTemplates).toEqual([
      {
        name: 'wandb-ch-pod',
        spec: {
          containers: [
            {
              name: 'clickhouse',
              image: 'clickhouse/clickhouse-server:24.8.4',
              resources: {
                requests: { cpu: '500m', memory: '1Gi' },
                limits: { cpu: '1000m', memory: '2Gi' },
              },
            },
          ],
        },
      },
    ]);
  });

  test('user wandb → password from the credentials Secret by secretKeyRef, never k8s_secret_password', () => {
    const users = (specOf(installationOf(DEV)).configuration as Field).users as Field;
    expect(users).toEqual({
      'wandb/password': { valueFrom: { secretKeyRef: { name: 'wandb-ch-credentials', key: 'password' } } },
      'wandb/networks/ip': ['::/0'],
      'wandb/profile': 'default',
    });
    expect(JSON.stringify(users)).not.toContain('k8s_secret');
  });

  test('telemetry → Prometheus endpoint on port 9363; without it no settings', () => {
    const settings = (
      specOf(installationOf({ clickhouse: { enabled: true, telemetry: { enabled: true } } }))
        .configuration as Field
    ).settings;
    expect(settings).toMatchObject({ 'prometheus/endpoint': '/metrics', 'prometheus/port': '9363' });
    expect((specOf(installationOf(DEV)).configuration as Field).settings).toBeUndefined();
  });

  test('taskID → a stable hash of the rest of the spec that changes with it', () => {
    const { taskID, ...rest } = specOf(installationOf(DEV));
    expect(taskID).toBe(taskIdFor(rest));
    expect(taskID).toMatch(/^[0-9a-f]{16}$/);
    expect(specOf(installationOf(DEV)).taskID).toBe(taskID);
    expect(specOf(installationOf({ clickhouse: { enabled: true, storageSize: '20Gi' } })).taskID).not.toBe(
      taskID,
    );
  });

  test('63-character parent name → cluster ≤ 15 and StatefulSets ≤ 52 characters', () => {
    const parentName = `w${'x'.repeat(62)}`;
    const context = contextFor(clickhouse, SMALL, { parent: { name: parentName } });
    const { spec } = context;
    expect(spec.name.length).toBeLessThanOrEqual(15);
    // Altinity: `chi-<chi>-<cluster>-<shard>-<replica>` and `chk-<chk>-<cluster>-<shard>-<replica>`.
    expect(`chi-${installationName(spec)}-${spec.name}-0-${spec.replicas - 1}`.length).toBeLessThanOrEqual(
      52,
    );
    expect(`chk-${keeperName(spec)}-${spec.name}-0-${spec.keeperReplicas - 1}`.length).toBeLessThanOrEqual(
      52,
    );
    expect(`keeper-${keeperName(spec)}`.length).toBeLessThanOrEqual(63);
    for (const child of clickhouse.desired(context)) assertValidAgainstCrd(child);
  });

  describe('retention knobs → reclaimPolicy on every volume claim template of the CHI and the Keeper', () => {
    const cases: Array<{
      name: string;
      args: { parentFields: Field; componentPolicy?: string };
      want: { reclaimPolicy: string };
    }> = [
      { name: 'no policy → Retain', args: { parentFields: {} }, want: { reclaimPolicy: 'Retain' } },
      {
        name: 'autoCleanupEnabled → Delete',
        args: { parentFields: { autoCleanupEnabled: true } },
        want: { reclaimPolicy: 'Delete' },
      },
      {
        name: 'top-level purge → Delete',
        args: { parentFields: { retentionPolicy: { onDelete: 'purge' } } },
        want: { reclaimPolicy: 'Delete' },
      },
      {
        name: 'top-level purge, own retain → Retain',
        args: { parentFields: { retentionPolicy: { onDelete: 'purge' } }, componentPolicy: 'retain' },
        want: { reclaimPolicy: 'Retain' },
      },
      {
        name: 'top-level retain, own purge → Delete',
        args: { parentFields: { retentionPolicy: { onDelete: 'retain' } }, componentPolicy: 'purge' },
        want: { reclaimPolicy: 'Delete' },
      },
    ];
    test.each(cases)('$name', ({ args: { parentFields, componentPolicy }, want }) => {
      const spec = {
        ...parentFields,
        size: 'small',
        clickhouse: {
          enabled: true,
          ...(componentPolicy ? { retentionPolicy: { onDelete: componentPolicy } } : {}),
        },
      };
      const children = desiredFor(spec);
      expect(children).toHaveLength(2);
      for (const child of children) {
        const templates = volumeTemplatesOf(child);
        expect(templates.length).toBeGreaterThan(0);
        for (const template of templates) expect(template.reclaimPolicy).toBe(want.reclaimPolicy);
      }
    });
  });

  describe('ClickHouseReportedReady', () => {
    const findingsFor = (children: KubeObject[], spec: unknown = DEV) =>
      clickhouse.observe(contextFor(clickhouse, spec, { children }));
    const taskID = specOf(installationOf(DEV)).taskID as string;

    const cases: Array<{
      name: string;
      args: { status: Field };
      want: { status: string; reason: string; implies: string };
    }> = [
      {
        name: 'Completed, current task → Healthy',
        args: { status: { status: 'Completed', taskID } },
        want: { status: 'True', reason: 'Completed', implies: 'Healthy' },
      },
      {
        name: 'Completed, error in history → Healthy',
        args: {
          status: { status: 'Completed', taskID, errors: ['2026-01-01T00:00:00Z FAILED to reconcile CR'] },
        },
        want: { status: 'True', reason: 'Completed', implies: 'Healthy' },
      },
      {
        name: 'Completed, another task → stale',
        args: { status: { status: 'Completed', taskID: 'previous' } },
        want: { status: 'False', reason: 'StaleTask', implies: 'Pending' },
      },
      {
        name: 'Completed without taskID → stale',
        args: { status: { status: 'Completed' } },
        want: { status: 'False', reason: 'StaleTask', implies: 'Pending' },
      },
      {
        name: 'InProgress → Pending',
        args: { status: { status: 'InProgress', taskID } },
        want: { status: 'False', reason: 'InProgress', implies: 'Pending' },
      },
      {
        name: 'Aborted, current task → Error',
        args: { status: { status: 'Aborted', taskID, errors: ['boom'] } },
        want: { status: 'False', reason: 'Aborted', implies: 'Error' },
      },
      {
        name: 'Aborted, an older task → stale',
        args: { status: { status: 'Aborted', taskID: 'previous' } },
        want: { status: 'False', reason: 'StaleTask', implies: 'Pending' },
      },
      {
        name: 'Terminating → Unavailable',
        args: { status: { status: 'Terminating', taskID } },
        want: { status: 'False', reason: 'Terminating', implies: 'Unavailable' },
      },
      {
        name: 'empty status → Unknown',
        args: { status: {} },
        want: { status: 'Unknown', reason: 'Unknown', implies: 'Unknown' },
      },
      {
        name: 'an unknown status → Unknown',
        args: { status: { status: 'Exploded', taskID } },
        want: { status: 'Unknown', reason: 'Unknown', implies: 'Unknown' },
      },
    ];
    test.each(cases)('$name', ({ args, want }) => {
      expect(findingsFor([observedInstallation(DEV, args.status)])).toEqual([
        expect.objectContaining({ type: 'ClickHouseReportedReady', ...want }),
      ]);
    });

    test('no status at all → Unknown', () => {
      expect(findingsFor([observedInstallation(DEV)])).toEqual([
        expect.objectContaining({ status: 'Unknown', implies: 'Unknown' }),
      ]);
    });

    test('stale task → the message names both task IDs', () => {
      const [finding] = findingsFor([observedInstallation(DEV, { status: 'Completed', taskID: 'previous' })]);
      expect(finding?.message).toBe(
        `ClickHouseInstallation wandb-ch-install: the operator last completed task previous, not yet task ${taskID} of the current spec`,
      );
    });

    test('Aborted → the message carries the newest recorded error', () => {
      const [finding] = findingsFor([
        observedInstallation(DEV, { status: 'Aborted', taskID, errors: ['newest', 'older'] }),
      ]);
      expect(finding?.message).toBe(
        `ClickHouseInstallation wandb-ch-install: the operator aborted task ${taskID}: newest`,
      );
    });

    test('no installation observed → no finding', () => {
      expect(findingsFor([])).toEqual([]);
    });
  });

  describe('ClickHouseKeeperReportedReady', () => {
    const chk = (status?: Field) => observedObject(keeperOf(SMALL), status === undefined ? {} : { status });
    const keeperFinding = (status?: Field) =>
      clickhouse
        .observe(contextFor(clickhouse, SMALL, { children: [chk(status)] }))
        .find((f) => f.type === 'ClickHouseKeeperReportedReady');

    const cases: Array<{
      name: string;
      args: { status?: Field };
      want: { status: string; implies: string };
    }> = [
      // Altinity never fills a Keeper's taskID, so Completed alone is enough.
      {
        name: 'Completed, no taskID → Healthy',
        args: { status: { status: 'Completed' } },
        want: { status: 'True', implies: 'Healthy' },
      },
      {
        name: 'InProgress → Pending',
        args: { status: { status: 'InProgress' } },
        want: { status: 'False', implies: 'Pending' },
      },
      { name: 'no status yet → Pending', args: {}, want: { status: 'False', implies: 'Pending' } },
      {
        name: 'Aborted → Error',
        args: { status: { status: 'Aborted', errors: ['disk full'] } },
        want: { status: 'False', implies: 'Error' },
      },
      {
        name: 'Terminating → Unavailable',
        args: { status: { status: 'Terminating' } },
        want: { status: 'False', implies: 'Unavailable' },
      },
    ];
    test.each(cases)('$name', ({ args, want }) => {
      expect(keeperFinding(args.status)).toMatchObject(want);
    });

    test('a Keeper and a ready installation → both findings', () => {
      const chi = observedObject(installationOf(SMALL), {
        status: { status: 'Completed', taskID: specOf(installationOf(SMALL)).taskID },
      });
      const findings = clickhouse.observe(
        contextFor(clickhouse, SMALL, { children: [chi, chk({ status: 'Completed' })] }),
      );
      expect(findings.map((f) => `${f.type}=${f.status}`)).toEqual([
        'ClickHouseReportedReady=True',
        'ClickHouseKeeperReportedReady=True',
      ]);
    });
  });

  describe('knobsInEffect', () => {
    const inEffect = (spec: unknown, object: KubeObject) =>
      clickhouse.knobsInEffect(contextFor(clickhouse, spec), object);
    const withTemplates = (child: Child, templates: Field[], defaults?: Field): KubeObject =>
      observedObject({
        ...child,
        spec: {
          ...specOf(child),
          ...(defaults ? { defaults } : {}),
          templates: { ...templatesOf(child), volumeClaimTemplates: templates },
        },
      });

    // Each observed object is the one desired for `appliedAs`: what the operator was last given.
    const cases: Array<{
      name: string;
      args: { spec: unknown; kind: string; appliedAs: unknown };
      want: { inEffect: boolean };
    }> = [
      {
        name: 'retain wanted, CHI applied Retain',
        args: { spec: SMALL, kind: 'ClickHouseInstallation', appliedAs: SMALL },
        want: { inEffect: true },
      },
      {
        name: 'retain wanted, Keeper applied Retain',
        args: { spec: SMALL, kind: 'ClickHouseKeeperInstallation', appliedAs: SMALL },
        want: { inEffect: true },
      },
      {
        name: 'purge wanted, CHI still Retain',
        args: { spec: PURGE_SMALL, kind: 'ClickHouseInstallation', appliedAs: SMALL },
        want: { inEffect: false },
      },
      {
        name: 'purge wanted, Keeper still Retain',
        args: { spec: PURGE_SMALL, kind: 'ClickHouseKeeperInstallation', appliedAs: SMALL },
        want: { inEffect: false },
      },
      {
        name: 'retain wanted, Keeper still Delete',
        args: { spec: SMALL, kind: 'ClickHouseKeeperInstallation', appliedAs: PURGE_SMALL },
        want: { inEffect: false },
      },
      {
        name: 'purge wanted, CHI applied Delete',
        args: { spec: PURGE_SMALL, kind: 'ClickHouseInstallation', appliedAs: PURGE_SMALL },
        want: { inEffect: true },
      },
    ];
    test.each(cases)('$name', ({ args, want }) => {
      const observed = observedObject(childOf(desiredFor(args.appliedAs), args.kind));
      expect(inEffect(args.spec, observed)).toBe(want.inEffect);
    });

    test('a template without reclaimPolicy → the operator default Delete, or defaults.storageManagement', () => {
      const chi = installationOf(DEV);
      const bare = [{ name: 'wandb-ch-voltempl', spec: {} }];
      expect(inEffect(DEV, withTemplates(chi, bare))).toBe(false);
      expect(inEffect({ ...DEV, autoCleanupEnabled: true }, withTemplates(chi, bare))).toBe(true);
      expect(
        inEffect(DEV, withTemplates(chi, bare, { storageManagement: { reclaimPolicy: 'Retain' } })),
      ).toBe(true);
    });
  });

  describe('refusedEdits', () => {
    const refused = (spec: unknown, children: KubeObject[]) =>
      clickhouse.refusedEdits(contextFor(clickhouse, spec, { children }));

    test('nothing observed, or the same spec → nothing refused', () => {
      expect(refused(SMALL, [])).toEqual([]);
      expect(refused(SMALL, [observedInstallation(SMALL)])).toEqual([]);
    });

    test('replicas from 3 to 1 → refused: data lost, and the Keeper would go', () => {
      expect(
        refused({ size: 'small', clickhouse: { enabled: true, replicas: 1 } }, [observedInstallation(SMALL)]),
      ).toEqual([
        'spec.clickhouse.replicas cannot go down from 3 to 1: Altinity removes the highest hosts, and the rows of ' +
          'non-replicated tables (plain MergeTree) on them are lost; a single replica also drops the ' +
          'ClickHouseKeeperInstallation wandb-ch-keeper, which the replicated tables depend on',
      ]);
    });

    test('replicas from 1 to 3 → allowed (a Keeper is added)', () => {
      expect(refused({ clickhouse: { enabled: true, replicas: 3 } }, [observedInstallation(DEV)])).toEqual(
        [],
      );
    });

    test('storage shrink → refused; growth → allowed', () => {
      const observed = [observedInstallation({ clickhouse: { enabled: true, storageSize: '20Gi' } })];
      expect(refused({ clickhouse: { enabled: true, storageSize: '10Gi' } }, observed)).toEqual([
        'spec.clickhouse.storageSize cannot shrink from 20Gi to 10Gi: volumes only grow',
      ]);
      expect(refused({ clickhouse: { enabled: true, storageSize: '30Gi' } }, observed)).toEqual([]);
    });
  });

  test('credentialSecrets → the credentials Secret', () => {
    const { spec } = contextFor(clickhouse, DEV);
    expect(credentialSecrets(clickhouse, spec)).toEqual([credentialsSecretName(spec)]);
    expect(credentialsSecretName(spec)).toBe('wandb-ch-credentials');
  });
});
