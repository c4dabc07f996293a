// The real operators, built with go from the module proxy (e2e/tools/build.sh), run against the
// control plane: each accepts the custom resources our hooks create, without an error status, and
// makes the objects whose names our readiness rules, retention plans and docs assume. Only the
// Percona XtraDB Cluster operator 1.18.0 is served by the proxy at our pinned version (docs/e2e.md).
// Nothing runs a container here, so a cluster stays `initializing`: this checks how the operator
// reads our resources and what it creates, not MySQL.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, type Process, startProcess, stopProcess, waitFor } from './support/control-plane.js';
import { type Cluster, getJson, type Json, kubectl, mustKubectl } from './support/kubectl.js';
import { sharedDir } from './support/paths.js';
import { applyExample, desiredObjects, render, saveParent } from './support/wandb.js';

const cluster: Cluster = { bin: inject('bin'), kubeconfig: inject('kubeconfig') };
const OPERATOR_NAMESPACE = 'e2e-percona-operator';
const OPERATOR_POD = 'percona-xtradb-cluster-operator-0';
const OPERATOR_IMAGE = 'percona/percona-xtradb-cluster-operator:1.18.0';

/**
 * Start an in-cluster operator out of cluster: it reads its namespace from the service-account
 * mount, which a private mount namespace provides (tmpfs over /run) without touching the host;
 * its webhook certificates go to a tmpfs too. Metrics and probes listen on loopback.
 */
async function startOperator(name: string, binary: string, args: string[], env: Record<string, string>) {
  const dir = path.join(inject('workDir'), name);
  mkdirSync(dir, { recursive: true });
  const script = [
    'set -e',
    'mount -t tmpfs none /run',
    'mkdir -p /run/secrets/kubernetes.io/serviceaccount /tmp/k8s-webhook-server',
    `printf %s "${OPERATOR_NAMESPACE}" > /run/secrets/kubernetes.io/serviceaccount/namespace`,
    'mount -t tmpfs none /tmp/k8s-webhook-server',
    'exec "$@"',
  ].join('\n');
  writeFileSync(path.join(dir, 'start.sh'), script);
  return startProcess(
    dir,
    name,
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', path.join(dir, 'start.sh'), binary, ...args],
    env,
  );
}

describe('the Percona XtraDB Cluster operator 1.18.0', () => {
  let operator: Process | undefined;

  beforeAll(async () => {
    // Every CRD the operator installs (it watches backups and restores too).
    await mustKubectl(cluster, [
      'apply',
      '--server-side',
      '-f',
      path.join(sharedDir(), 'crds/operators-full/percona/crd.yaml'),
    ]);
    await mustKubectl(cluster, ['create', 'namespace', OPERATOR_NAMESPACE]);
    // In a cluster the operator runs in a Pod, which it reads (by HOSTNAME) for its own image: the
    // init container of every cluster it makes. The Pod object is made as its Deployment would
    // make it; without a scheduler it never runs (the process below stands in for its container).
    await waitFor(
      'the default service account of the operator namespace',
      async () =>
        (await kubectl(cluster, ['get', 'serviceaccount', 'default', '-n', OPERATOR_NAMESPACE])).code === 0,
    );
    await mustKubectl(
      cluster,
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: OPERATOR_POD, namespace: OPERATOR_NAMESPACE },
        spec: {
          containers: [{ name: 'percona-xtradb-cluster-operator', image: OPERATOR_IMAGE }],
        },
      }),
    );
    operator = await startOperator(
      'percona-operator',
      path.join(inject('bin'), 'percona-xtradb-cluster-operator'),
      [
        `--metrics-bind-address=127.0.0.1:${await freePort()}`,
        `--health-probe-bind-address=127.0.0.1:${await freePort()}`,
        '--leader-elect=false',
      ],
      {
        KUBECONFIG: inject('kubeconfig'),
        HOSTNAME: OPERATOR_POD,
        WATCH_NAMESPACE: '',
        DISABLE_TELEMETRY: 'true',
        LOG_LEVEL: 'INFO',
      },
    );
  });

  afterAll(async () => {
    if (operator) await stopProcess(operator);
  });

  it.each([
    ['dev', 1],
    ['small', 3],
  ])('accepts the %s PerconaXtraDBCluster and creates the objects we name', async (example, size) => {
    const namespace = `e2e-percona-${example}`;
    await mustKubectl(cluster, ['create', 'namespace', namespace]);
    await applyExample(cluster, example, namespace);
    const parentFile = path.join(inject('workDir'), `operators-${example}.json`);
    await saveParent(cluster, namespace, parentFile);
    const objects = desiredObjects(await render(parentFile), namespace).filter(
      (o) => o.kind === 'PerconaXtraDBCluster' || (o.kind === 'Secret' && o.metadata.name.includes('mysql')),
    );
    expect(objects.map((o) => o.kind).sort()).toEqual(['PerconaXtraDBCluster', 'Secret']);
    await mustKubectl(
      cluster,
      ['create', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    );
    const pxcName = 'wandb-mysql-cluster';

    // The operator has read the resource: a state and the observed generation our readiness checks.
    await waitFor(
      `the operator to report a state for ${pxcName}`,
      async () => {
        const pxc = await getJson(cluster, ['pxc', pxcName, '-n', namespace]);
        return Boolean(pxc.status?.state) && pxc.status?.observedGeneration === pxc.metadata.generation;
      },
      { timeoutMs: 90_000, ...(operator ? { process: operator } : {}) },
    );
    const pxc = await getJson(cluster, ['pxc', pxcName, '-n', namespace]);
    expect(pxc.status.state, JSON.stringify(pxc.status)).toBe('initializing');

    // What our readiness, retention plans and docs name (compositions/components/mysql.ts).
    await waitFor('the StatefulSet and its first data volume', async () => {
      const names = await kubectl(cluster, ['get', 'statefulsets,pvc', '-n', namespace, '-o', 'name']);
      return names.stdout.includes(`persistentvolumeclaim/datadir-${pxcName}-pxc-0`);
    });
    const sts = await getJson(cluster, ['statefulset', `${pxcName}-pxc`, '-n', namespace]);
    expect(sts.spec.replicas).toBe(size);
    const secrets = (await getJson(cluster, ['secrets', '-n', namespace])).items.map(
      (s: Json) => s.metadata.name,
    );
    expect(secrets).toEqual(expect.arrayContaining([`${pxcName}-secrets`, `internal-${pxcName}`]));
    const statefulSets = (await getJson(cluster, ['statefulsets', '-n', namespace])).items.map(
      (s: Json) => s.metadata.name,
    );
    expect(statefulSets.sort()).toEqual(
      size === 1 ? [`${pxcName}-pxc`] : [`${pxcName}-proxysql`, `${pxcName}-pxc`],
    );
  });
});
