// ClickHouse day 2 (issue 15): who provisions the data volumes, the Keeper before the replicas, the
// scale-down refusal, and the scale-out and storage growth Altinity carries out (ClickHouseOperation).
import { describe, expect, test } from 'vitest';
import { clickhouse, installationName, keeperName } from '../../compositions/components/clickhouse.js';
import { type Child, field, type KubeObject } from '../../compositions/kube.js';
import { contextFor, observedObject } from '../support/builders.js';

const DEV = { clickhouse: { enabled: true } };
const SMALL = { size: 'small', clickhouse: { enabled: true } };
const THREE = { clickhouse: { enabled: true, replicas: 3 } };
const GROWN = { size: 'small', clickhouse: { enabled: true, storageSize: '20Gi' } };

type Field = Record<string, unknown>;
const CHI_KIND = 'ClickHouseInstallation';
const specOf = (o: Child | KubeObject) => o.spec as Field;
const dataTemplateOf = (chi: Child | KubeObject) =>
  ((specOf(chi).templates as Field).volumeClaimTemplates as Field[])[0] as Field;
const replicasOf = (chi: Child | KubeObject) =>
  field(chi, 'spec', 'configuration', 'clusters', '0', 'layout', 'replicasCount');

const desiredOf = (spec: unknown, children: KubeObject[] = []) =>
  clickhouse.desired(contextFor(clickhouse, spec, { children }));
const chiOf = (children: Child[]) => children.find((c) => c.kind === CHI_KIND) as Child;

/** The installation as observed with an operator status, its desired spec edited by `edit`. */
function observedChi(spec: unknown, status: Field = {}, edit?: (chi: Child) => Child): KubeObject {
  const chi = chiOf(desiredOf(spec));
  return observedObject(edit ? edit(chi) : chi, { status });
}

const completed = (chi: KubeObject): Field => ({
  status: 'Completed',
  taskID: specOf(chi).taskID,
  taskIDsCompleted: [specOf(chi).taskID],
});
const inProgress = (chi: KubeObject, done: number, hosts: number): Field => ({
  status: 'InProgress',
  taskID: specOf(chi).taskID,
  taskIDsCompleted: ['an-earlier-task'],
  hosts,
  hostsCompleted: done,
});

function claim(name: string, capacity: string, resizing = false): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'wandb' },
    status: {
      phase: 'Bound',
      capacity: { storage: capacity },
      ...(resizing ? { conditions: [{ type: 'Resizing', status: 'True' }] } : {}),
    },
  };
}
const volume = (replica: number) => `wandb-ch-voltempl-chi-wandb-ch-install-wandb-ch-0-${replica}-0`;

describe('clickhouse day 2', () => {
  describe('data volume provisioner', () => {
    const withoutProvisioner = (chi: Child): Child => {
      const templates = specOf(chi).templates as Field;
      const [data] = templates.volumeClaimTemplates as Field[];
      const { provisioner: _gone, ...rest } = data as Field;
      return { ...chi, spec: { ...specOf(chi), templates: { ...templates, volumeClaimTemplates: [rest] } } };
    };
    const cases: Array<{ name: string; args: { observed: KubeObject[] }; want: unknown }> = [
      { name: 'a new installation → Operator', args: { observed: [] }, want: 'Operator' },
      {
        name: 'a running one without → kept without',
        args: { observed: [observedChi(SMALL, {}, withoutProvisioner)] },
        want: undefined,
      },
      {
        name: 'a running one with Operator → kept',
        args: { observed: [observedChi(SMALL)] },
        want: 'Operator',
      },
    ];
    test.each(cases)('$name', ({ args, want }) => {
      expect(dataTemplateOf(chiOf(desiredOf(SMALL, args.observed))).provisioner).toBe(want);
    });
  });

  describe('1 → 3 replicas on a live installation: the Keeper first', () => {
    const live = observedChi(DEV);
    const keeper = (status?: string): KubeObject => ({
      apiVersion: 'clickhouse-keeper.altinity.com/v1',
      kind: 'ClickHouseKeeperInstallation',
      metadata: { name: 'wandb-ch-keeper', namespace: 'wandb' },
      ...(status ? { status: { status } } : {}),
    });
    const cases: Array<{
      name: string;
      args: { children: KubeObject[] };
      want: { replicas: number; keeper: boolean };
    }> = [
      { name: 'no Keeper yet → one host', args: { children: [live] }, want: { replicas: 1, keeper: false } },
      {
        name: 'Keeper InProgress → one host',
        args: { children: [live, keeper('InProgress')] },
        want: { replicas: 1, keeper: false },
      },
      {
        name: 'Keeper Completed → 3 and the Keeper',
        args: { children: [live, keeper('Completed')] },
        want: { replicas: 3, keeper: true },
      },
      { name: 'a new installation → 3 at once', args: { children: [] }, want: { replicas: 3, keeper: true } },
    ];
    test.each(cases)('$name', ({ args, want }) => {
      const children = desiredOf(THREE, args.children);
      expect(children.map((c) => c.metadata.name)).toEqual([
        keeperName(contextFor(clickhouse, THREE).spec),
        installationName(contextFor(clickhouse, THREE).spec),
      ]);
      const chi = chiOf(children);
      expect({
        replicas: replicasOf(chi),
        keeper: (specOf(chi).configuration as Field).zookeeper !== undefined,
      }).toEqual(want);
    });
  });

  describe('scale-down refused against the running installation', () => {
    const refused = (spec: unknown) =>
      clickhouse.refusedEdits(contextFor(clickhouse, spec, { children: [observedChi(SMALL)] }));
    const cases: Array<{ name: string; args: { replicas: number }; want: string[] }> = [
      {
        name: '3 → 2',
        args: { replicas: 2 },
        want: [
          'spec.clickhouse.replicas cannot go down from 3 to 2: Altinity removes the highest hosts, and the rows of non-replicated tables (plain MergeTree) on them are lost',
        ],
      },
      { name: '3 → 5 allowed', args: { replicas: 5 }, want: [] },
    ];
    test.each(cases)('$name', ({ args, want }) => {
      expect(refused({ size: 'small', clickhouse: { enabled: true, replicas: args.replicas } })).toEqual(
        want,
      );
    });
  });

  describe('operations', () => {
    const operationsOf = (spec: unknown, children: KubeObject[], related: KubeObject[]) =>
      clickhouse.operations?.(contextFor(clickhouse, spec, { children, related })) ?? [];
    const grown = observedChi(GROWN);
    const small = observedChi(SMALL);
    const statefulSetProvisioned = observedChi(GROWN, {}, (chi) => {
      const templates = specOf(chi).templates as Field;
      const data = { ...dataTemplateOf(chi), provisioner: 'StatefulSet' };
      return { ...chi, spec: { ...specOf(chi), templates: { ...templates, volumeClaimTemplates: [data] } } };
    });
    const at = (chi: KubeObject, status: Field): KubeObject => ({ ...chi, status });
    const cases: Array<{
      name: string;
      args: { spec: unknown; chi: KubeObject; claims: KubeObject[] };
      want: Array<Field>;
    }> = [
      {
        name: 'nothing in flight',
        args: {
          spec: SMALL,
          chi: at(small, completed(small)),
          claims: [0, 1, 2].map((r) => claim(volume(r), '10Gi')),
        },
        want: [],
      },
      {
        name: 'first install is no scale-out',
        args: {
          spec: SMALL,
          chi: at(small, { ...inProgress(small, 0, 3), taskIDsCompleted: [] }),
          claims: [],
        },
        want: [],
      },
      {
        name: 'growth, Operator provisioner',
        args: {
          spec: GROWN,
          chi: at(grown, inProgress(grown, 1, 3)),
          claims: [claim(volume(0), '20Gi'), claim(volume(1), '10Gi'), claim(volume(2), '10Gi')],
        },
        want: [
          {
            kind: 'Resizing',
            change: 'storage 10Gi → 20Gi',
            progress: `1 of 3 volumes at 20Gi (the operator patches each PVC, no restart); task ${specOf(grown).taskID}: 1 of 3 hosts reconciled`,
          },
        ],
      },
      {
        name: 'growth, StatefulSet provisioner',
        args: {
          spec: GROWN,
          chi: at(statefulSetProvisioned, inProgress(statefulSetProvisioned, 0, 3)),
          claims: [0, 1, 2].map((r) => claim(volume(r), '10Gi')),
        },
        want: [
          expect.objectContaining({
            progress: expect.stringContaining("recreates each host's StatefulSet, one restart per host"),
          }),
        ],
      },
      {
        name: 'growth, task done, a PVC still resizing',
        args: {
          spec: GROWN,
          chi: at(grown, completed(grown)),
          claims: [claim(volume(0), '20Gi'), claim(volume(1), '20Gi'), claim(volume(2), '10Gi', true)],
        },
        want: [expect.not.objectContaining({ failed: expect.anything() })],
      },
      {
        name: 'growth, task done, a PVC left behind',
        args: {
          spec: GROWN,
          chi: at(grown, completed(grown)),
          claims: [claim(volume(0), '20Gi'), claim(volume(1), '20Gi'), claim(volume(2), '10Gi')],
        },
        want: [
          expect.objectContaining({
            kind: 'Resizing',
            failed: `the operator finished its task, but PVC ${volume(2)} is still at 10Gi: Altinity logs a refused resize (a StorageClass without allowVolumeExpansion) and goes on`,
          }),
        ],
      },
      {
        name: 'scale-out, 2 of 3 hosts',
        args: {
          spec: SMALL,
          chi: at(small, inProgress(small, 2, 3)),
          claims: [claim(volume(0), '10Gi'), claim(volume(1), '10Gi')],
        },
        want: [
          {
            kind: 'ScalingOut',
            change: 'to 3 replicas',
            progress: expect.stringContaining(
              '2 of 3 hosts have their data volume; ' +
                `task ${specOf(small).taskID}: 2 of 3 hosts reconciled; non-replicated tables (plain MergeTree) are created empty`,
            ),
          },
        ],
      },
      {
        name: 'scale-out aborted',
        args: {
          spec: SMALL,
          chi: at(small, { ...inProgress(small, 2, 3), status: 'Aborted', errors: ['host 2 not ready'] }),
          claims: [claim(volume(0), '10Gi'), claim(volume(1), '10Gi')],
        },
        want: [
          expect.objectContaining({
            kind: 'ScalingOut',
            failed: `the operator aborted task ${specOf(small).taskID}: host 2 not ready`,
          }),
        ],
      },
    ];
    test.each(cases)('$name', ({ args, want }) => {
      expect(operationsOf(args.spec, [args.chi], args.claims)).toEqual(want);
    });

    test('1 → 3 while the Keeper is not ready → ScalingOut that waits for it', () => {
      const live = observedChi(DEV);
      const operations = operationsOf(THREE, [at(live, completed(live))], [claim(volume(0), '10Gi')]);
      expect(operations).toEqual([
        {
          kind: 'ScalingOut',
          change: 'to 3 replicas',
          progress: expect.stringMatching(
            /^waiting for ClickHouseKeeperInstallation wandb-ch-keeper to complete \(status not reported\)/,
          ),
        },
      ]);
    });
  });

  test('relatedRules → the server data volumes of the namespace', () => {
    const { spec } = contextFor(clickhouse, SMALL);
    expect(clickhouse.relatedRules(spec, 'wandb')).toEqual([
      {
        apiVersion: 'v1',
        resource: 'persistentvolumeclaims',
        namespace: 'wandb',
        names: [0, 1, 2].map(volume),
      },
    ]);
  });
});
