// A Kubernetes control plane on loopback, as a user's cluster has it, from the real programs built
// by e2e/tools/build.sh: etcd, kube-apiserver (generated certificates, a service-account signing
// key, a static admin token) and kube-controller-manager with the controllers our scenarios need.
// There is no scheduler and no kubelet: nothing runs a container. Every process is started here
// and stopped here, by process id.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The controllers of kube-controller-manager the scenarios rely on (1.36 names). */
export const CONTROLLERS = [
  'garbage-collector-controller', // owner references: what survives a parent's deletion
  'namespace-controller',
  'statefulset-controller', // Opstree's StatefulSets get pods, whose readiness the stand-in sets
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'persistentvolumeclaim-protection-controller', // without it a PVC never goes away
  'persistentvolume-protection-controller',
];

export interface ControlPlane {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly server: string;
  readonly caFile: string;
  readonly token: string;
  /** Milliseconds from the first process start until the API server was ready. */
  readonly startMs: number;
  stop(): Promise<void>;
}

export interface Process {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Start a program with its output in `<dir>/<name>.log`; it dies with an error if it exits early. */
export function startProcess(dir: string, name: string, command: string, args: string[], env = {}): Process {
  const log = join(dir, `${name}.log`);
  const out = openSync(log, 'a');
  const child = spawn(command, args, {
    stdio: ['ignore', out, out],
    env: { ...process.env, ...env },
  });
  return { name, child, log };
}

export async function stopProcess({ child }: Process, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Poll until `ready()` holds; fail with the process log if the process exits or time runs out. */
export async function waitFor(
  what: string,
  ready: () => Promise<boolean>,
  options: { timeoutMs?: number; process?: Process } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const proc = options.process;
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
      throw new Error(
        `${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}) before ${what}:\n${tail(proc.log)}`,
      );
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${proc ? `:\n${tail(proc.log)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

/** A CA, the API server's serving certificate for loopback, and the service-account key pair. */
async function certificates(dir: string): Promise<void> {
  await openssl(dir, ['genrsa', '-out', 'ca.key', '2048']);
  await openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-subj',
    '/CN=wandb-e2e-ca',
    '-days',
    '2',
    '-out',
    'ca.crt',
  ]);
  await openssl(dir, ['genrsa', '-out', 'apiserver.key', '2048']);
  writeFileSync(
    join(dir, 'apiserver.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n' +
      'extendedKeyUsage=serverAuth\n',
  );
  await openssl(dir, [
    'req',
    '-new',
    '-key',
    'apiserver.key',
    '-subj',
    '/CN=kube-apiserver',
    '-out',
    'apiserver.csr',
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    'apiserver.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'apiserver.ext',
    '-out',
    'apiserver.crt',
  ]);
  await openssl(dir, ['genrsa', '-out', 'service-account.key', '2048']);
  await openssl(dir, ['rsa', '-in', 'service-account.key', '-pubout', '-out', 'service-account.pub']);
}

function apiGet(server: string, caFile: string, token: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      `${server}${path}`,
      { ca: readFileSync(caFile), headers: { Authorization: `Bearer ${token}` }, timeout: 5_000 },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', reject);
    request.on('timeout', () => request.destroy(new Error('timeout')));
  });
}

export async function startControlPlane(bin: string, dir: string): Promise<ControlPlane> {
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  await certificates(dir);
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},e2e-admin,e2e-admin,"system:masters"\n`, { mode: 0o600 });
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const processes: Process[] = [];
  const stop = async () => {
    for (const proc of [...processes].reverse()) await stopProcess(proc);
  };
  try {
    const etcd = startProcess(dir, 'etcd', join(bin, 'etcd'), [
      '--name=e2e',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=e2e=http://127.0.0.1:${etcdPeer}`,
      // A test cluster's data dies with it: skip fsync, which dominates etcd's latency on shared disks.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    processes.push(etcd);

    const server = `https://127.0.0.1:${apiPort}`;
    const caFile = join(dir, 'ca.crt');
    const apiserver = startProcess(dir, 'kube-apiserver', join(bin, 'kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${join(dir, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(dir, 'apiserver.key')}`,
      `--client-ca-file=${caFile}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      `--service-account-key-file=${join(dir, 'service-account.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'service-account.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--authorization-mode=RBAC',
      // Service IPs are only allocated, never routed: nothing here sends traffic to them.
      '--service-cluster-ip-range=10.0.0.0/24',
      // The `kubernetes` Service's endpoints would name a loopback address, which the API rejects.
      '--endpoint-reconciler-type=none',
      '--profiling=false',
    ]);
    processes.push(apiserver);
    await waitFor(
      'the API server to be ready',
      async () => (await apiGet(server, caFile, token, '/readyz')) === 200,
      {
        timeoutMs: 120_000,
        process: apiserver,
      },
    );
    const startMs = Date.now() - started;

    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: e2e\n  cluster:\n    server: ${server}\n    certificate-authority: ${caFile}`,
        'users:',
        `- name: e2e-admin\n  user:\n    token: ${token}`,
        'contexts:',
        '- name: e2e\n  context:\n    cluster: e2e\n    user: e2e-admin',
        'current-context: e2e',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );

    const controllerManager = startProcess(
      dir,
      'kube-controller-manager',
      join(bin, 'kube-controller-manager'),
      [
        `--kubeconfig=${kubeconfig}`,
        `--controllers=${CONTROLLERS.join(',')}`,
        `--service-account-private-key-file=${join(dir, 'service-account.key')}`,
        `--root-ca-file=${caFile}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${await freePort()}`,
        '--profiling=false',
      ],
    );
    processes.push(controllerManager);
    await waitFor(
      'kube-controller-manager to start its controllers',
      async () =>
        readFileSync(controllerManager.log, 'utf8').includes('Started controller') ||
        readFileSync(controllerManager.log, 'utf8').includes('Starting controller'),
      { timeoutMs: 60_000, process: controllerManager },
    );

    return { dir, kubeconfig, server, caFile, token, startMs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
