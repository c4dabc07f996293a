// `wandb-hooks render`: golden files for the example parents, the fresh-install view, observed
// state (from the emulator, and from render's own output), Secret masking and bad input.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { type Io, loadParent, processIo } from '../cli/io.js';
import { runRender } from '../cli/render.js';
import { Simulation } from '../sim/simulation.js';
import { REPO_ROOT } from './support/shared.js';

const NOW = '2026-01-01T00:00:00Z';
const exampleFile = (name: string) => path.join(REPO_ROOT, 'manifests', 'examples', `${name}.yaml`);

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the command with in-memory files (`files`) besides the real ones, and stdin. */
function render(
  argv: readonly string[],
  options: { stdin?: string; files?: Record<string, string> } = {},
): Run {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    readFile: (file) => options.files?.[file] ?? processIo.readFile(file),
    readStdin: () => options.stdin ?? '',
  };
  const code = runRender(argv, io);
  return { code, out: out.join(''), err: err.join('') };
}

const json = (run: Run) => {
  expect(run.err).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.out) as {
    children: Array<{ apiVersion: string; kind: string; metadata: { name: string } }>;
    attachments: Array<{ metadata: { name: string }; data: Record<string, string> }>;
    status: { ready: boolean; conditions: Array<{ type: string; message: string }> } & Record<
      string,
      unknown
    >;
    deletionPlan?: { components: Array<{ component: string; policy: string; manual?: string }> };
    finalized?: boolean;
  };
};

describe('golden files for the example parents', () => {
  test.each(['dev', 'small', 'partial', 'purge'])('render -f manifests/examples/%s.yaml', async (name) => {
    const run = render(['-f', exampleFile(name), '--now', NOW]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    await expect(run.out).toMatchFileSnapshot(`./fixtures/render/${name}.yaml`);
  });

  test('render -o json (dev)', async () => {
    const run = render(['-f', exampleFile('dev'), '--now', NOW, '-o', 'json']);
    await expect(run.out).toMatchFileSnapshot('./fixtures/render/dev.json');
  });

  test('render --finalizing (purge): the deletion plan and the first removal phase', async () => {
    const run = render(['-f', exampleFile('purge'), '--now', NOW, '--finalizing']);
    expect(run.code).toBe(0);
    await expect(run.out).toMatchFileSnapshot('./fixtures/render/purge.finalizing.yaml');
  });
});

describe('render without --observed: the state a fresh install converges to', () => {
  test('every custom resource, though a first sync creates only those without credential Secrets', () => {
    const rendered = json(render(['-f', exampleFile('small'), '--now', NOW, '-o', 'json']));
    expect(rendered.children.map((c) => `${c.kind} ${c.metadata.name}`).sort()).toEqual([
      'ClickHouseInstallation wandb-ch-install',
      'ClickHouseKeeperInstallation wandb-ch-keeper',
      'Kafka wandb-kafka',
      'KafkaNodePool wandb-kafka-node-pool',
      'PerconaXtraDBCluster wandb-mysql-cluster',
      'RedisReplication wandb-redis-replica',
      'RedisSentinel wandb-redis',
      'Tenant wandb-minio',
    ]);
    expect(rendered.attachments.map((a) => a.metadata.name)).toEqual([
      'wandb-ch-credentials',
      'wandb-minio-config',
      'wandb-mysql-user-db-password',
      'wandb-redis-credentials',
    ]);

    const simulation = new Simulation({ now: NOW });
    simulation.apply(loadParent(exampleFile('small'), processIo));
    const first = simulation.round().composite[0]?.response.children ?? [];
    expect(first.map((c) => c.kind).sort()).toEqual(['Kafka', 'KafkaNodePool']);
  });

  test('is deterministic, reads stdin, and takes JSON as well as YAML', () => {
    const yaml = render(['-f', exampleFile('dev'), '--now', NOW]);
    expect(render(['-f', exampleFile('dev'), '--now', NOW]).out).toBe(yaml.out);
    const parent = loadParent(exampleFile('dev'), processIo);
    expect(render(['-f', '-', '--now', NOW], { stdin: stringify(parent) }).out).toBe(yaml.out);
    expect(render(['-f', '-', '--now', NOW], { stdin: JSON.stringify(parent) }).out).toBe(yaml.out);
  });

  test('Secret values are masked unless --show-secrets', () => {
    const masked = json(render(['-f', exampleFile('dev'), '--now', NOW, '-o', 'json']));
    const shown = json(render(['-f', exampleFile('dev'), '--now', NOW, '-o', 'json', '--show-secrets']));
    expect(Object.values(masked.attachments[0]?.data ?? {})).toEqual(['(masked)']);
    const passwords = shown.attachments.flatMap((a) =>
      Object.values(a.data).map((v) => Buffer.from(v, 'base64').toString()),
    );
    expect(passwords.length).toBeGreaterThan(0);
    const text = render(['-f', exampleFile('dev'), '--now', NOW]).out + JSON.stringify(masked);
    for (const value of passwords.filter((p) => p.length >= 16)) expect(text).not.toContain(value);
    expect(render(['-f', exampleFile('dev'), '--now', NOW]).out).toContain(
      '(values masked; --show-secrets prints them)',
    );
  });
});

describe('render --observed', () => {
  test('a converged cluster (from the emulator) renders Ready, with the connection Secrets', () => {
    const simulation = new Simulation({ now: NOW });
    simulation.apply(loadParent(exampleFile('dev'), processIo));
    expect(simulation.run(10).stable).toBe(true);
    const objects = simulation.cluster.all().filter((o) => o.kind !== 'WeightsAndBiases');
    const parent = simulation.parent('wandb', 'wandb');
    const files = {
      '/mem/parent.yaml': stringify(parent),
      // As `kubectl get … -o json` prints it.
      '/mem/observed.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    };
    const rendered = json(
      render(['-f', '/mem/parent.yaml', '--observed', '/mem/observed.json', '--now', NOW, '-o', 'json'], {
        files,
      }),
    );
    expect(rendered.status.ready).toBe(true);
    expect(rendered.children).toHaveLength(6);
    expect(rendered.attachments.map((a) => a.metadata.name)).toContain('wandb-mysql-connection');
    // The same answer the emulated hook gave in the cluster's last round.
    expect(rendered.children).toEqual(simulation.rounds.at(-1)?.composite[0]?.response.children);

    const finalizing = json(
      render(
        [
          '-f',
          '/mem/parent.yaml',
          '--observed',
          '/mem/observed.json',
          '--now',
          NOW,
          '-o',
          'json',
          '--finalizing',
        ],
        {
          files,
        },
      ),
    );
    expect(finalizing.finalized).toBe(false);
    expect(finalizing.children).toHaveLength(6);
    expect(finalizing.deletionPlan?.components.map((c) => `${c.component}:${c.policy}`)).toEqual([
      'mysql:retain',
      'redis:retain',
      'kafka:retain',
      'minio:retain',
      'clickhouse:retain',
    ]);
  });

  test("render's own output, fed back, counts as the existing children", () => {
    const first = render(['-f', exampleFile('dev'), '--now', NOW]);
    const again = json(
      render(['-f', exampleFile('dev'), '--observed', '-', '--now', NOW, '-o', 'json'], { stdin: first.out }),
    );
    const mysql = again.status.mysqlStatus as { conditions: Array<{ type: string; reason: string }> };
    expect(mysql.conditions.find((c) => c.type === 'MySQLCustomResource')?.reason).toBe('ResourceExists');
  });

  test('the connection Secret the DecoratorController writes from an observed custom resource reaches the composite', () => {
    // Render's own output holds the Redis custom resources, so the secrets hook now writes Redis's
    // connection Secret; fed back as Metacontroller would, the composite reads it.
    const first = render(['-f', exampleFile('dev'), '--now', NOW]);
    const again = json(
      render(['-f', exampleFile('dev'), '--observed', '-', '--now', NOW, '-o', 'json'], { stdin: first.out }),
    );
    expect(again.attachments.map((a) => a.metadata.name)).toContain('wandb-redis-connection');
    const redis = again.status.redisStatus as {
      conditions: Array<{ type: string; reason: string }>;
      connection?: unknown;
    };
    expect(redis.conditions.find((c) => c.type === 'RedisConnectionInfo')?.reason).toBe('ResourceExists');
    expect(redis.connection).toEqual({ url: { name: 'wandb-redis-connection', key: 'url' } });
  });

  test('a disabled component with observed children shows its removal and its deletion plan', () => {
    const simulation = new Simulation({ now: NOW });
    simulation.apply(loadParent(exampleFile('purge'), processIo));
    simulation.run(10);
    const parent = simulation.parent('wandb', 'wandb') as unknown as {
      spec: { minio: { enabled: boolean } };
    };
    parent.spec.minio.enabled = false;
    const files = {
      '/mem/parent.yaml': stringify(parent),
      '/mem/observed.yaml': simulation.cluster
        .all()
        .filter((o) => o.kind !== 'WeightsAndBiases')
        .map((o) => `---\n${stringify(o)}`)
        .join(''),
    };
    const rendered = json(
      render(['-f', '/mem/parent.yaml', '--observed', '/mem/observed.yaml', '--now', NOW, '-o', 'json'], {
        files,
      }),
    );
    expect(rendered.children.map((c) => c.kind)).toContain('Tenant');
    expect(rendered.deletionPlan?.components).toEqual([
      expect.objectContaining({
        component: 'minio',
        policy: 'purge',
        manual: 'kubectl delete pvc -n wandb -l v1.min.io/tenant=wandb-minio',
      }),
    ]);
  });
});

describe('bad input', () => {
  const files = {
    '/mem/broken.yaml': 'apiVersion: apps.wandb.com/v2\nkind: WeightsAndBiases\nmetadata: {name: wandb\n',
    '/mem/two.yaml': `${stringify({ apiVersion: 'apps.wandb.com/v2', kind: 'WeightsAndBiases', metadata: { name: 'a' } })}---\n${stringify({ apiVersion: 'apps.wandb.com/v2', kind: 'WeightsAndBiases', metadata: { name: 'b' } })}`,
    '/mem/secret.yaml': stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }),
    '/mem/nokind.yaml': stringify({ apiVersion: 'v1', metadata: { name: 's' } }),
    '/mem/scalar.yaml': 'just text\n',
    '/mem/v1.yaml': stringify({
      apiVersion: 'apps.wandb.com/v1',
      kind: 'WeightsAndBiases',
      metadata: { name: 'w' },
    }),
    '/mem/unnamed.yaml': stringify({
      apiVersion: 'apps.wandb.com/v2',
      kind: 'WeightsAndBiases',
      metadata: {},
    }),
    '/mem/invalid.yaml': stringify({
      apiVersion: 'apps.wandb.com/v2',
      kind: 'WeightsAndBiases',
      metadata: { name: 'wandb', namespace: 'wandb' },
      spec: { size: 'dev', mysql: { enabled: true, replicas: 2 } },
    }),
    '/mem/empty.yaml': '',
    '/mem/dup.yaml': `${stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } })}---\n${stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } })}`,
  };

  test.each([
    [['-f', '/nonexistent.yaml'], 'wandb-hooks render: /nonexistent.yaml: no such file\n'],
    [
      ['-f', '/mem/broken.yaml'],
      /^wandb-hooks render: \/mem\/broken\.yaml: not valid YAML or JSON: .*line \d+, column \d+/,
    ],
    [
      ['-f', '/mem/two.yaml'],
      'wandb-hooks render: /mem/two.yaml: expected exactly one WeightsAndBiases, found 2\n',
    ],
    [
      ['-f', '/mem/secret.yaml'],
      'wandb-hooks render: /mem/secret.yaml: expected exactly one WeightsAndBiases, found none and other objects (Secret)\n',
    ],
    [['-f', '/mem/nokind.yaml'], 'wandb-hooks render: /mem/nokind.yaml: document 1 has no kind\n'],
    [
      ['-f', '/mem/scalar.yaml'],
      'wandb-hooks render: /mem/scalar.yaml: document 1 is not a Kubernetes object\n',
    ],
    [
      ['-f', '/mem/unnamed.yaml'],
      'wandb-hooks render: /mem/unnamed.yaml: document 1 (WeightsAndBiases) has no metadata.name\n',
    ],
    [
      ['-f', '/mem/empty.yaml'],
      'wandb-hooks render: /mem/empty.yaml: expected exactly one WeightsAndBiases, found none\n',
    ],
    [['-f', '/mem/v1.yaml'], /apiVersion apps\.wandb\.com\/v1; the hooks serve apps\.wandb\.com\/v2/],
    [['-f', exampleFile('dev'), '--observed', '/mem/nokind.yaml'], /document 1 has no kind/],
    [
      ['-f', exampleFile('dev'), '--observed', '/mem/dup.yaml'],
      'wandb-hooks render: Secret s appears twice in namespace wandb\n',
    ],
  ] as const)('render %j exits 1 with a readable message', (argv, message) => {
    const run = render(argv, { files });
    expect(run.code).toBe(1);
    expect(run.out).toBe('');
    if (typeof message === 'string') expect(run.err).toBe(message);
    else expect(run.err).toMatch(message);
  });

  test.each([
    [[], '-f PARENT is required'],
    [['-f'], 'option --file needs a value'],
    [['-f', 'x', '-o', 'xml'], '-o must be yaml or json, not "xml"'],
    [['-f', 'x', '--now', 'yesterday'], '--now must be an RFC 3339 time'],
    [['-f', 'x', '--frobnicate'], 'unknown option --frobnicate'],
    [['-f', 'x', '--finalizing=yes'], 'option --finalizing takes no value'],
    [['-f', '-', '--observed', '-'], 'only one of -f and --observed can read stdin'],
    [['-f', 'x', 'extra'], 'unexpected argument "extra"'],
  ] as const)('render %j exits 2 with the usage', (argv, message) => {
    const run = render(argv, { files });
    expect(run.code).toBe(2);
    expect(run.err).toContain(message);
    expect(run.err).toContain('usage: wandb-hooks render -f PARENT');
  });

  test('an invalid spec renders the frozen answer and exits 1 saying why', () => {
    const run = render(['-f', '/mem/invalid.yaml', '--now', NOW, '-o', 'json'], { files });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^wandb-hooks render: the spec is invalid, so the hooks change nothing: .*mysql/);
    const body = JSON.parse(run.out);
    expect(body.children).toEqual([]);
    expect(body.status.conditions.map((c: { type: string }) => c.type)).toContain('InvalidSpec');
  });

  test('--help prints the usage', () => {
    const run = render(['--help']);
    expect(run.code).toBe(0);
    expect(run.out).toContain('usage: wandb-hooks render');
  });
});

describe('wandb-hooks <command>', () => {
  test('render and simulate are wired into the CLI, and serve stays the default', async () => {
    const cli = (args: string[], input?: string) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          ['--import', 'tsx', 'cli/main.ts', ...args],
          { cwd: REPO_ROOT },
          (error, stdout, stderr) =>
            resolve({
              status: error ? (typeof error.code === 'number' ? error.code : null) : 0,
              stdout,
              stderr,
            }),
        );
        child.stdin?.end(input ?? '');
      });
    const [rendered, unknown] = await Promise.all([
      cli(['render', '-f', '-', '--now', NOW], processIo.readFile(exampleFile('dev'))),
      cli(['frobnicate']),
    ]);
    expect(rendered.stderr).toBe('');
    expect(rendered.status).toBe(0);
    expect(rendered.stdout).toBe(render(['-f', exampleFile('dev'), '--now', NOW]).out);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^wandb-hooks: unknown command "frobnicate"/);
    expect(unknown.stderr).toMatch(/serve +run the Metacontroller hook server \(default\)/);
    expect(unknown.stderr).toMatch(/\n {2}render +/);
    expect(unknown.stderr).toMatch(/\n {2}simulate +/);
  });
});
