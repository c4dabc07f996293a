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
  test.each([
    ['dev', DEV],
    ['small', SMALL],
    [
      'small with telemetry and purge',
      { ...PURGE_SMALL, clickhouse: { enabled: true, telemetry: { enabled: true } } },
    ],
  ])('%s parent → every desired child is valid against its Altinity CRD', (_, spec) => {
    for (const child of desiredFor(spec)) assertValidAgainstCrd(child);
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

  describe('retention knobs', () => {
    test.each([
      ['no policy', {}, 'Retain'],
      ['autoCleanupEnabled', { autoCleanupEnabled: true }, 'Delete'],
      ['top-level purge', { retentionPolicy: { onDelete: 'purge' } }, 'Delete'],
      ['top-level purge, component retain', { retentionPolicy: { onDelete: 'purge' } }, 'Retain', 'retain'],
      ['top-level retain, component purge', { retentionPolicy: { onDelete: 'retain' } }, 'Delete', 'purge'],
    ])(
      '%s → reclaimPolicy %s on every volume claim template of the CHI and the Keeper',
      (_, parentFields, policy, own?: string) => {
        const spec = {
          ...parentFields,
          size: 'small',
          clickhouse: { enabled: true, ...(own ? { retentionPolicy: { onDelete: own } } : {}) },
        };
        const children = desiredFor(spec);
        expect(children).toHaveLength(2);
        for (const child of children) {
          const templates = volumeTemplatesOf(child);
          expect(templates.length).toBeGreaterThan(0);
          for (const template of templates) expect(template.reclaimPolicy).toBe(policy);
        }
      },
    );
  });

  describe('ClickHouseReportedReady', () => {
    const findingsFor = (children: KubeObject[], spec: unknown = DEV) =>
      clickhouse.observe(contextFor(clickhouse, spec, { children }));
    const taskID = specOf(installationOf(DEV)).taskID as string;

    test.each([
      ['Completed with the current taskID', { status: 'Completed', taskID }, 'True', 'Completed', 'Healthy'],
      [
        'Completed with the current taskID and an old error in the history',
        { status: 'Completed', taskID, errors: ['2026-01-01T00:00:00Z FAILED to reconcile CR'] },
        'True',
        'Completed',
        'Healthy',
      ],
      [
        'Completed with another taskID',
        { status: 'Completed', taskID: 'previous' },
        'False',
        'StaleTask',
        'Pending',
      ],
      ['Completed without taskID', { status: 'Completed' }, 'False', 'StaleTask', 'Pending'],
      ['InProgress', { status: 'InProgress', taskID }, 'False', 'InProgress', 'Pending'],
      [
        'Aborted on the current task',
        { status: 'Aborted', taskID, errors: ['boom'] },
        'False',
        'Aborted',
        'Error',
      ],
      [
        'Aborted on an older task',
        { status: 'Aborted', taskID: 'previous' },
        'False',
        'StaleTask',
        'Pending',
      ],
      ['Terminating', { status: 'Terminating', taskID }, 'False', 'Terminating', 'Unavailable'],
      ['empty status', {}, 'Unknown', 'Unknown', 'Unknown'],
      ['an unknown status', { status: 'Exploded', taskID }, 'Unknown', 'Unknown', 'Unknown'],
    ])('%s → %s/%s (%s)', (_, status, conditionStatus, reason, implies) => {
      expect(findingsFor([observedInstallation(DEV, status)])).toEqual([
        expect.objectContaining({
          type: 'ClickHouseReportedReady',
          status: conditionStatus,
          reason,
          implies,
        }),
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

    test.each([
      ['Completed (taskID is never filled for a Keeper)', { status: 'Completed' }, 'True', 'Healthy'],
      ['InProgress', { status: 'InProgress' }, 'False', 'Pending'],
      ['no status yet', undefined, 'False', 'Pending'],
      ['Aborted', { status: 'Aborted', errors: ['disk full'] }, 'False', 'Error'],
      ['Terminating', { status: 'Terminating' }, 'False', 'Unavailable'],
    ])('%s → %s (%s)', (_, status, conditionStatus, implies) => {
      expect(keeperFinding(status)).toMatchObject({ status: conditionStatus, implies });
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

    test.each([
      ['retain wanted, CHI applied with Retain', SMALL, 'ClickHouseInstallation', SMALL, true],
      ['retain wanted, Keeper applied with Retain', SMALL, 'ClickHouseKeeperInstallation', SMALL, true],
      ['purge wanted, CHI still Retain', PURGE_SMALL, 'ClickHouseInstallation', SMALL, false],
      ['purge wanted, Keeper still Retain', PURGE_SMALL, 'ClickHouseKeeperInstallation', SMALL, false],
      ['retain wanted, Keeper still Delete', SMALL, 'ClickHouseKeeperInstallation', PURGE_SMALL, false],
      ['purge wanted, both applied with Delete', PURGE_SMALL, 'ClickHouseInstallation', PURGE_SMALL, true],
    ])('%s → %s', (_, spec, kind, observedAs, expected) => {
      expect(inEffect(spec, observedObject(childOf(desiredFor(observedAs), kind)))).toBe(expected);
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

    test('replicas from 3 to 1 → refused: the Keeper would go', () => {
      expect(
        refused({ size: 'small', clickhouse: { enabled: true, replicas: 1 } }, [observedInstallation(SMALL)]),
      ).toEqual([
        'spec.clickhouse.replicas cannot change from 3 to 1: a single replica drops the ClickHouseKeeperInstallation ' +
          "wandb-ch-keeper, and the replicated tables depend on the Keeper's data",
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

  test('credentialSecrets → the credentials Secret; relatedRules → none', () => {
    const { spec } = contextFor(clickhouse, DEV);
    expect(credentialSecrets(clickhouse, spec)).toEqual([credentialsSecretName(spec)]);
    expect(credentialsSecretName(spec)).toBe('wandb-ch-credentials');
    expect(clickhouse.relatedRules(spec, 'wandb')).toEqual([]);
  });
});
