// The pattern component: Percona XtraDB Cluster. Named tables ({ name, args, want }), one row per case.
import { describe, expect, test } from 'vitest';
import {
  clusterName,
  mysql,
  PURGE_FINALIZERS,
  passwordSecretName,
  reportedReady,
} from '../../compositions/components/mysql.js';
import type { KubeObject } from '../../compositions/kube.js';
import { contextFor, observedObject } from '../support/builders.js';
import { assertValidAgainstCrd } from '../support/crd-validator.js';

const pxcWith = (status: unknown, generation = 1): KubeObject =>
  observedObject(
    {
      apiVersion: 'pxc.percona.com/v1',
      kind: 'PerconaXtraDBCluster',
      metadata: { name: 'wandb-mysql-cluster' },
    },
    { status, generation },
  );

describe('desired', () => {
  const cases: Array<{
    name: string;
    args: { spec: unknown };
    want: { size: number; tls: boolean; proxysql: boolean; finalizers: string[]; storage: string };
  }> = [
    {
      name: 'dev is one unsafe node without TLS or proxy, retained by default',
      args: { spec: { mysql: { enabled: true } } },
      want: {
        size: 1,
        tls: false,
        proxysql: false,
        finalizers: ['percona.com/delete-pxc-pods-in-order'],
        storage: '1Gi',
      },
    },
    {
      name: 'small is a three-node cluster with TLS and ProxySQL',
      args: { spec: { size: 'small', mysql: { enabled: true } } },
      want: {
        size: 3,
        tls: true,
        proxysql: true,
        finalizers: ['percona.com/delete-pxc-pods-in-order'],
        storage: '10Gi',
      },
    },
    {
      name: 'purge adds the finalizers with which Percona deletes the volumes and Secrets',
      args: {
        spec: { mysql: { enabled: true, retentionPolicy: { onDelete: 'purge' }, storageSize: '5Gi' } },
      },
      want: {
        size: 1,
        tls: false,
        proxysql: false,
        finalizers: ['percona.com/delete-pxc-pods-in-order', ...PURGE_FINALIZERS],
        storage: '5Gi',
      },
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    const [pxc, ...rest] = mysql.desired(contextFor(mysql, args.spec));
    expect(rest).toEqual([]);
    // biome-ignore lint/suspicious/noExplicitAny: reads of the built object, checked below
    const spec = pxc?.spec as any;
    expect({
      size: spec.pxc.size,
      tls: spec.tls.enabled,
      proxysql: spec.proxysql.enabled,
      finalizers: pxc?.metadata.finalizers,
      storage: spec.pxc.volumeSpec.persistentVolumeClaim.resources.requests.storage,
    }).toEqual(want);
    assertValidAgainstCrd(pxc as KubeObject);
  });
});

describe('reportedReady', () => {
  const cases: Array<{
    name: string;
    args: { status: unknown; generation?: number };
    want: { status: string; reason: string; implies: string };
  }> = [
    {
      name: 'ready → Healthy',
      args: { status: { state: 'ready', observedGeneration: 1 } },
      want: { status: 'True', reason: 'ready', implies: 'Healthy' },
    },
    {
      name: 'initializing → Pending',
      args: { status: { state: 'initializing', observedGeneration: 1 } },
      want: { status: 'False', reason: 'initializing', implies: 'Pending' },
    },
    {
      name: 'stopping → Unavailable',
      args: { status: { state: 'stopping', observedGeneration: 1 } },
      want: { status: 'False', reason: 'stopping', implies: 'Unavailable' },
    },
    {
      name: 'error → Error',
      args: { status: { state: 'error', observedGeneration: 1 } },
      want: { status: 'False', reason: 'error', implies: 'Error' },
    },
    {
      name: 'a state reported for an older generation is stale',
      args: { status: { state: 'ready', observedGeneration: 1 }, generation: 2 },
      want: { status: 'False', reason: 'StaleGeneration', implies: 'Pending' },
    },
    {
      name: 'no state yet → Unknown',
      args: { status: {} },
      want: { status: 'Unknown', reason: 'Unknown', implies: 'Unknown' },
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    expect(reportedReady(pxcWith(args.status, args.generation))).toMatchObject({
      type: 'MySQLReportedReady',
      ...want,
    });
  });
});

describe("reportedReady names Percona 1.18.0's proxyadmin password defect", () => {
  // What Percona 1.18.0 writes when validatePasswords refuses `<cluster>-secrets` (status.go:30-46):
  // state error, the error in status.message, and no observedGeneration.
  const refusal =
    "Error: reconcile users secret: validate passwords: invalid proxyadmin password, first character must not be '*'";
  const pxcRefusing = (options: { message: string; observedGeneration?: number; proxysql: boolean }) =>
    observedObject(
      {
        apiVersion: 'pxc.percona.com/v1',
        kind: 'PerconaXtraDBCluster',
        metadata: { name: 'wandb-mysql-cluster' },
        spec: { proxysql: { enabled: options.proxysql } },
      },
      {
        status: {
          state: 'error',
          message: [options.message],
          ...(options.observedGeneration === undefined
            ? {}
            : { observedGeneration: options.observedGeneration }),
        },
        generation: 2,
        namespace: 'team-a',
      },
    );
  const patch = `kubectl patch secret wandb-mysql-cluster-secrets -n team-a --type=merge -p '{"stringData":{"proxyadmin":"<new password>"}}'`;
  const cases: Array<{
    name: string;
    args: { message: string; observedGeneration?: number; proxysql: boolean };
    want: { reason: string; implies: string; mentions: string[]; omits: string[] };
  }> = [
    {
      name: 'the refusal names the defect and the patch, even with no observedGeneration',
      args: { message: refusal, proxysql: false },
      want: {
        reason: 'ProxyadminPasswordRefused',
        implies: 'Error',
        mentions: [
          refusal,
          'known defect of the Percona operator 1.18.0',
          patch,
          'without "*", ";" or ":"',
          'kubectl annotate pxc wandb-mysql-cluster -n team-a --overwrite wandb.com/reconcile-now=',
        ],
        omits: ['internal-wandb-mysql-cluster'],
      },
    },
    {
      name: 'with ProxySQL, the copy in internal-<cluster> and the ProxySQL pods are part of the remedy',
      args: { message: refusal, observedGeneration: 1, proxysql: true },
      want: {
        reason: 'ProxyadminPasswordRefused',
        implies: 'Error',
        mentions: [
          patch,
          'same patch on internal-wandb-mysql-cluster',
          'delete the pods wandb-mysql-cluster-proxysql-*',
        ],
        omits: [],
      },
    },
    {
      name: "the refusal of ';' or ':' (a Secret someone wrote) has the same remedy",
      args: {
        message:
          "Error: reconcile users secret: validate passwords: invalid proxyadmin password, don't use ';' or ':'",
        observedGeneration: 2,
        proxysql: true,
      },
      want: { reason: 'ProxyadminPasswordRefused', implies: 'Error', mentions: [patch], omits: [] },
    },
    {
      name: 'another error is reported as it is, and stale without observedGeneration',
      args: { message: 'Error: reconcile users secret: get secret: forbidden', proxysql: true },
      want: { reason: 'StaleGeneration', implies: 'Pending', mentions: [], omits: ['kubectl patch'] },
    },
    {
      name: 'another error of the current generation is a plain error, without the remedy',
      args: { message: 'Error: wrong PXC options: bad size', observedGeneration: 2, proxysql: true },
      want: { reason: 'error', implies: 'Error', mentions: ['wrong PXC options'], omits: ['kubectl patch'] },
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    const finding = reportedReady(pxcRefusing(args));
    expect(finding).toMatchObject({
      type: 'MySQLReportedReady',
      status: 'False',
      reason: want.reason,
      implies: want.implies,
    });
    for (const text of want.mentions) expect(finding.message).toContain(text);
    for (const text of want.omits) expect(finding.message).not.toContain(text);
  });
});

describe('refusedEdits', () => {
  const observedCluster = (size: number, storage: string) =>
    observedObject({
      apiVersion: 'pxc.percona.com/v1',
      kind: 'PerconaXtraDBCluster',
      metadata: { name: 'wandb-mysql-cluster' },
      spec: {
        pxc: { size, volumeSpec: { persistentVolumeClaim: { resources: { requests: { storage } } } } },
      },
    });
  const cases: Array<{ name: string; args: { spec: unknown; observed: KubeObject }; want: RegExp[] }> = [
    {
      name: 'the same cluster is no edit',
      args: { spec: { mysql: { enabled: true } }, observed: observedCluster(1, '1Gi') },
      want: [],
    },
    {
      name: 'a single node cannot become a cluster',
      args: { spec: { mysql: { enabled: true, replicas: 3 } }, observed: observedCluster(1, '1Gi') },
      want: [/replicas cannot change from 1 to 3/],
    },
    {
      name: 'a volume cannot shrink',
      args: { spec: { mysql: { enabled: true, storageSize: '500Mi' } }, observed: observedCluster(1, '1Gi') },
      want: [/storageSize/],
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    const problems = mysql.refusedEdits(contextFor(mysql, args.spec, { children: [args.observed] }));
    expect(problems).toHaveLength(want.length);
    for (const [i, pattern] of want.entries()) expect(problems[i]).toMatch(pattern);
  });
});

describe('names and Secrets', () => {
  const context = contextFor(mysql, { mysql: { enabled: true } });
  const cases: Array<{ name: string; args: () => unknown; want: unknown }> = [
    { name: 'cluster name', args: () => clusterName(context.spec), want: 'wandb-mysql-cluster' },
    {
      name: 'credential Secret',
      args: () => mysql.secrets.credentials(context.spec).map((c) => c.name),
      want: [passwordSecretName(context.spec)],
    },
    {
      name: 'data volumes, one per node',
      args: () => mysql.dataVolumes(context.spec),
      want: ['datadir-wandb-mysql-cluster-pxc-0'],
    },
    {
      name: 'the connection waits for status.host',
      args: () =>
        mysql.secrets.connection(context.spec, {
          namespace: 'wandb',
          related: context.related,
          observedSecret: () => undefined,
          credentials: { [passwordSecretName(context.spec)]: { password: 'p w' } },
        }),
      want: undefined,
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    expect(args()).toEqual(want);
  });
});
