// The real operators, built with go from the module proxy (e2e/tools/build.sh), run against the
// control plane: each accepts the custom resources our hooks create, without an error status, and
// makes the objects whose names our readiness rules, retention plans and docs assume. Only the
// Percona XtraDB Cluster operator 1.18.0 is served by the proxy at our pinned version (docs/e2e.md).
// Nothing runs a container here, so a cluster stays `initializing`: this checks how the operator
// reads our resources and what it creates, not MySQL. Percona 1.18.0 may generate a proxyadmin
// password it then refuses (docs/monitoring.md#percona-refuses-its-proxyadmin-password): a test
// provokes it, and the others apply the same runbook when it happens by chance.
import { randomBytes } from 'node:crypto';
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
const PXC_NAME = 'wandb-mysql-cluster';

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

/** What Percona 1.18.0's validatePasswords refuses (pkg/controller/pxc/secrets.go). */
const invalidProxyadmin = (password: string) => password.startsWith('*') || /[;:]/.test(password);

const proxyadminOf = (secret: Json): string =>
  Buffer.from(secret.data?.proxyadmin ?? '', 'base64').toString();

const refusesProxyadmin = (pxc: Json) =>
  pxc.status?.state === 'error' &&
  (pxc.status.message ?? []).some((m: string) => m.includes('invalid proxyadmin password'));

/** The parent in `namespace` with the MySQL children ours renders for it, created as Metacontroller would. */
async function createMySQL(example: string, namespace: string): Promise<string> {
  await applyExample(cluster, example, namespace);
  const parentFile = path.join(inject('workDir'), `operators-${namespace}.json`);
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
  return parentFile;
}

/**
 * Percona 1.18.0's known defect, handled as an operator would: wait for the operator to refuse the
 * proxyadmin password, check that our hooks' status for the cluster names the remedy, then apply
 * the runbook (docs/monitoring.md#percona-refuses-its-proxyadmin-password) and nothing else.
 */
async function applyProxyadminRunbook(
  namespace: string,
  parentFile: string,
  operator: Process | undefined,
): Promise<void> {
  await waitFor(
    `the operator to refuse the proxyadmin password of ${PXC_NAME}`,
    async () => refusesProxyadmin(await getJson(cluster, ['pxc', PXC_NAME, '-n', namespace])),
    operator ? { process: operator } : {},
  );
  await expectHooksNameRemedy(namespace, parentFile);
  await applyRemedy(namespace);
}

async function expectHooksNameRemedy(namespace: string, parentFile: string): Promise<void> {
  const observedFile = path.join(inject('workDir'), `operators-${namespace}-observed.json`);
  writeFileSync(
    observedFile,
    await mustKubectl(cluster, ['get', 'pxc,secrets', '-n', namespace, '-o', 'json']),
  );
  const answer = await render(parentFile, ['--observed', observedFile]);
  const reported = answer.status.mysqlStatus.conditions.find((c: Json) => c.type === 'MySQLReportedReady');
  expect(reported).toMatchObject({ status: 'False', reason: 'ProxyadminPasswordRefused' });
  expect(reported.message).toContain(`kubectl patch secret ${PXC_NAME}-secrets -n ${namespace} --type=merge`);
  expect(reported.message).toContain(`kubectl annotate pxc ${PXC_NAME} -n ${namespace} --overwrite`);
}

/** The runbook's commands (docs/monitoring.md#percona-refuses-its-proxyadmin-password). */
async function applyRemedy(namespace: string): Promise<void> {
  const patch = JSON.stringify({ stringData: { proxyadmin: randomBytes(12).toString('hex') } });
  const patchSecret = (name: string) =>
    mustKubectl(cluster, ['patch', 'secret', name, '-n', namespace, '--type=merge', '-p', patch]);
  await patchSecret(`${PXC_NAME}-secrets`);
  const internal = await kubectl(cluster, [
    'get',
    'secret',
    `internal-${PXC_NAME}`,
    '-n',
    namespace,
    '-o',
    'json',
  ]);
  if (internal.code === 0 && invalidProxyadmin(proxyadminOf(JSON.parse(internal.stdout)))) {
    await patchSecret(`internal-${PXC_NAME}`);
    // No container runs here, so there is no ProxySQL pod to restart: the command finds none.
    await mustKubectl(cluster, [
      'delete',
      'pod',
      '-n',
      namespace,
      '-l',
      `app.kubernetes.io/instance=${PXC_NAME},app.kubernetes.io/component=proxysql`,
    ]);
  }
  await mustKubectl(cluster, [
    'annotate',
    'pxc',
    PXC_NAME,
    '-n',
    namespace,
    '--overwrite',
    `wandb.com/reconcile-now=${Date.now()}`,
  ]);
}

async function waitForSecret(name: string, namespace: string): Promise<Json> {
  await waitFor(
    `Secret ${namespace}/${name}`,
    async () => (await kubectl(cluster, ['get', 'secret', name, '-n', namespace])).code === 0,
  );
  return getJson(cluster, ['secret', name, '-n', namespace]);
}

/** Percona's verdict on the current generation, as our readiness reads it (no container runs here). */
async function waitForInitializing(namespace: string, operator: Process | undefined): Promise<void> {
  await waitFor(
    `the operator to report ${PXC_NAME} initializing at its generation`,
    async () => {
      const pxc = await getJson(cluster, ['pxc', PXC_NAME, '-n', namespace]);
      return (
        pxc.status?.state === 'initializing' && pxc.status?.observedGeneration === pxc.metadata.generation
      );
    },
    { timeoutMs: 90_000, ...(operator ? { process: operator } : {}) },
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
    const parentFile = await createMySQL(example, namespace);

    // Percona generates <cluster>-secrets in its first reconcile; about one cluster in 86 gets a
    // proxyadmin password it refuses from the next one on (its 1.18.0 defect): the runbook fixes it.
    const secret = await waitForSecret(`${PXC_NAME}-secrets`, namespace);
    if (invalidProxyadmin(proxyadminOf(secret))) {
      console.warn(
        `${namespace}: Percona 1.18.0 generated an invalid proxyadmin password; applying the runbook`,
      );
      // Percona records only the first error of a failing run (status.go:31): a transient error
      // before the refusal hides it from the status, and then only the runbook's check of the
      // Secret shows it. The test below checks the reported case on every run.
      await waitFor(
        `the operator to fail on ${PXC_NAME}`,
        async () => (await getJson(cluster, ['pxc', PXC_NAME, '-n', namespace])).status?.state === 'error',
        operator ? { process: operator } : {},
      );
      const pxc = await getJson(cluster, ['pxc', PXC_NAME, '-n', namespace]);
      if (refusesProxyadmin(pxc)) await expectHooksNameRemedy(namespace, parentFile);
      else console.warn(`${namespace}: the status shows an earlier error: ${pxc.status.message}`);
      await applyRemedy(namespace);
    }

    // The operator has read the resource: a state and the observed generation our readiness checks.
    await waitForInitializing(namespace, operator);

    // What our readiness, retention plans and docs name (compositions/components/mysql.ts).
    await waitFor('the StatefulSet and its first data volume', async () => {
      const names = await kubectl(cluster, ['get', 'statefulsets,pvc', '-n', namespace, '-o', 'name']);
      return names.stdout.includes(`persistentvolumeclaim/datadir-${PXC_NAME}-pxc-0`);
    });
    const sts = await getJson(cluster, ['statefulset', `${PXC_NAME}-pxc`, '-n', namespace]);
    expect(sts.spec.replicas).toBe(size);
    const secrets = (await getJson(cluster, ['secrets', '-n', namespace])).items.map(
      (s: Json) => s.metadata.name,
    );
    expect(secrets).toEqual(expect.arrayContaining([`${PXC_NAME}-secrets`, `internal-${PXC_NAME}`]));
    const statefulSets = (await getJson(cluster, ['statefulsets', '-n', namespace])).items.map(
      (s: Json) => s.metadata.name,
    );
    expect(statefulSets.sort()).toEqual(
      size === 1 ? [`${PXC_NAME}-pxc`] : [`${PXC_NAME}-proxysql`, `${PXC_NAME}-pxc`],
    );
  });

  // Percona 1.18.0's defect on purpose: a proxyadmin password starting with `*`, supplied before the
  // cluster exists, or left by the defect itself (Percona copied it into internal-<cluster> first).
  it.each([
    ['supplied before the cluster exists', 'before'],
    ['left in both Secrets after Percona generated them', 'after'],
  ])('refuses a proxyadmin password starting with * (%s) and proceeds after the runbook', async (_, when) => {
    const namespace = `e2e-percona-proxyadmin-${when}`;
    await mustKubectl(cluster, ['create', 'namespace', namespace]);
    const invalidPassword = `*${randomBytes(8).toString('hex')}`;
    if (when === 'before') {
      await mustKubectl(cluster, [
        'create',
        'secret',
        'generic',
        `${PXC_NAME}-secrets`,
        '-n',
        namespace,
        `--from-literal=proxyadmin=${invalidPassword}`,
      ]);
    }
    const parentFile = await createMySQL('small', namespace);
    if (when === 'after') {
      // Settled first, so that no transient error of the first reconciles hides the refusal. About one
      // cluster in 86 draws a proxyadmin password Percona refuses by itself (the defect): it never
      // settles, and is already in the state the patch below makes.
      const users = proxyadminOf(await waitForSecret(`${PXC_NAME}-secrets`, namespace));
      if (!invalidProxyadmin(users)) await waitForInitializing(namespace, operator);
      for (const name of [`${PXC_NAME}-secrets`, `internal-${PXC_NAME}`]) {
        const patch = JSON.stringify({ stringData: { proxyadmin: invalidPassword } });
        await mustKubectl(cluster, ['patch', 'secret', name, '-n', namespace, '--type=merge', '-p', patch]);
      }
    }

    await applyProxyadminRunbook(namespace, parentFile, operator);
    await waitForInitializing(namespace, operator);
    // Both Secrets now hold the same valid password: Percona's copy is the one ProxySQL reads.
    const users = proxyadminOf(await getJson(cluster, ['secret', `${PXC_NAME}-secrets`, '-n', namespace]));
    expect(invalidProxyadmin(users)).toBe(false);
    await waitFor(`internal-${PXC_NAME} to hold the new password`, async () => {
      const internal = await getJson(cluster, ['secret', `internal-${PXC_NAME}`, '-n', namespace]);
      return proxyadminOf(internal) === users;
    });
  });
});
