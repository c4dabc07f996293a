// `npm run bench`: the hook server against the floor (a bare Express JSON echo), side by side in one
// run on this machine, at 10 connections on loopback; then startup time, the pure-function
// microbenchmarks and the bounded soak. Every loop is bounded in count and time.
// Run: npm run build && npx tsx bench/run.ts [--rounds 5] [--duration 10] [--quick] [--skip-soak]
//   [--variant 'label|/path/to/checkout|--node-flag ...'] [--out file.json]
// A variant is another build of the hook server (its dist/, node flags) measured in the same rounds.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { allScenarios, FULL_PARENT, type Scenario } from './requests.js';
import {
  assertBuilt,
  cpuSeconds,
  HOST,
  PRODUCTION_NODE_FLAGS,
  ROOT,
  type Server,
  sampleRss,
  startFloor,
  startHookServer,
  stop,
} from './servers.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    'other-rounds': { type: 'string', default: '3' },
    'other-duration': { type: 'string', default: '5' },
    scenarios: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'floor-etag': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    'skip-soak': { type: 'boolean', default: false },
    'skip-micro': { type: 'boolean', default: false },
    'skip-startup': { type: 'boolean', default: false },
    'skip-gc': { type: 'boolean', default: false },
    profile: { type: 'string' },
    /** Extra node flags for every server, e.g. "--max-semi-space-size=32" (space-separated). */
    'node-args': { type: 'string', default: '' },
    /** Extra node flags for the hook server only. */
    'ours-node-args': { type: 'string', default: '' },
    /** `label|checkout|node flags`: another build measured in the same rounds (repeatable). */
    variant: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
  },
});

const CONNECTIONS = Number(args.connections);
const WARMUP_SECONDS = 3;
const REQUEST_TIMEOUT_SECONDS = 10;
const STARTUPS = 5;

interface Measurement {
  readonly server: string;
  readonly round: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly failures: number;
  readonly rssMaxMiB: number;
  /** Server CPU over the run, in cores (1.0 = one core busy all the time). */
  readonly serverCores: number;
  /** The load generator's (this process's) CPU over the run, in cores. */
  readonly clientCores: number;
}

const percentile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const median = (values: readonly number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
const mib = (bytes: number) => bytes / 1024 / 1024;
const cpuCores = (usage: NodeJS.CpuUsage, seconds: number) => (usage.user + usage.system) / 1e6 / seconds;

/** One autocannon run against `server`; latencies are taken per response (autocannon's histogram rounds to ms). */
function load(server: Server, body: string, seconds: number): Promise<Omit<Measurement, 'server' | 'round'>> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let ok = 0;
    const rss = sampleRss(server.pid);
    const cpuBefore = cpuSeconds(server.pid);
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    const instance = autocannon(
      {
        url: `http://${HOST}:${server.port}/sync`,
        method: 'POST',
        connections: CONNECTIONS,
        duration: seconds,
        timeout: REQUEST_TIMEOUT_SECONDS,
        headers: { 'content-type': 'application/json' },
        body,
      },
      (error, result) => {
        const elapsed = (performance.now() - started) / 1000;
        const memory = rss.stop();
        if (error) return reject(error);
        latencies.sort((a, b) => a - b);
        resolve({
          requestsPerSecond: ok / result.duration,
          p50Ms: percentile(latencies, 0.5),
          p99Ms: percentile(latencies, 0.99),
          meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
          failures: result.errors + result.timeouts + result.non2xx,
          rssMaxMiB: mib(memory.max),
          serverCores: (cpuSeconds(server.pid) - cpuBefore) / elapsed,
          clientCores: cpuCores(process.cpuUsage(clientBefore), elapsed),
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
      if (status === 200) {
        ok++;
        latencies.push(responseTime);
      }
    });
  });
}

const post = (server: Server, body: string) =>
  fetch(`http://${HOST}:${server.port}/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

/** One request to each server before measuring: all answer 200, hook servers keep every observed child. */
async function sanityCheck(scenario: Scenario, floor: Server, hooks: readonly Server[]): Promise<number> {
  const bare = await post(floor, scenario.body);
  if (bare.status !== 200 || (await bare.text()).length !== scenario.body.length) {
    throw new Error(`${scenario.name}: the floor did not echo the request`);
  }
  let responseBytes = 0;
  for (const server of hooks) {
    const answer = await post(server, scenario.body);
    const text = await answer.text();
    if (answer.status !== 200)
      throw new Error(`${scenario.name}: ${server.name} answered ${answer.status}: ${text}`);
    const response = JSON.parse(text) as { children: unknown[]; status: { ready: boolean } };
    if (response.children.length !== scenario.observedChildren) {
      throw new Error(
        `${scenario.name}: ${server.name} returned ${response.children.length} of ${scenario.observedChildren} children`,
      );
    }
    if (scenario.phase === 'converged' && !response.status.ready) {
      throw new Error(`${scenario.name}: ${server.name} says not ready`);
    }
    if (server.name === 'ours') responseBytes = text.length;
  }
  return responseBytes;
}

interface Summary {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly rssMaxMiB: number;
  readonly serverCores: number;
  /** Server CPU per answered request (µs): the cost, less sensitive than req/s to a busy machine. */
  readonly cpuUsPerRequest: number;
  readonly failures: number;
  /** Medians over rounds of this server's figure / the floor's in the same round (hook servers only). */
  readonly rpsRatio?: number;
  readonly p99Ratio?: number;
}

interface ScenarioResult {
  readonly scenario: string;
  readonly requestKiB: number;
  readonly responseKiB: number;
  readonly observedChildren: number;
  readonly relatedObjects: number;
  readonly rounds: Measurement[];
  readonly summary: Record<string, Summary>;
}

function summarize(rounds: readonly Measurement[], server: string): Summary {
  const mine = rounds.filter((r) => r.server === server);
  const floorIn = (round: number) => rounds.find((r) => r.server === 'floor' && r.round === round);
  const ratios = (pick: (m: Measurement) => number) =>
    median(
      mine.flatMap((m) => {
        const floor = floorIn(m.round);
        return floor ? [pick(m) / pick(floor)] : [];
      }),
    );
  return {
    requestsPerSecond: median(mine.map((r) => r.requestsPerSecond)),
    p50Ms: median(mine.map((r) => r.p50Ms)),
    p99Ms: median(mine.map((r) => r.p99Ms)),
    rssMaxMiB: Math.max(...mine.map((r) => r.rssMaxMiB)),
    serverCores: median(mine.map((r) => r.serverCores)),
    cpuUsPerRequest: median(mine.map((r) => (1e6 * r.serverCores) / r.requestsPerSecond)),
    failures: mine.reduce((n, r) => n + r.failures, 0),
    ...(server === 'floor'
      ? {}
      : { rpsRatio: ratios((m) => m.requestsPerSecond), p99Ratio: ratios((m) => m.p99Ms) }),
  };
}

async function compare(
  scenario: Scenario,
  floor: Server,
  hooks: readonly Server[],
  rounds: number,
  seconds: number,
): Promise<ScenarioResult> {
  const responseBytes = await sanityCheck(scenario, floor, hooks);
  const servers = [floor, ...hooks];
  for (const server of servers) await load(server, scenario.body, WARMUP_SECONDS);
  const measurements: Measurement[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Rotate which server goes first, so a drift of the machine hits every server alike.
    const order = servers.map((_, i) => servers[(i + round - 1) % servers.length] as Server);
    for (const server of order) {
      const m = await load(server, scenario.body, seconds);
      measurements.push({ server: server.name, round, ...m });
      process.stderr.write(
        `  ${scenario.name} round ${round} ${server.name.padEnd(10)} ${m.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${m.p50Ms.toFixed(2)} ms  p99 ${m.p99Ms.toFixed(2)} ms  cpu ${m.serverCores.toFixed(2)} (${((1e6 * m.serverCores) / m.requestsPerSecond).toFixed(0)} µs/req) client ${m.clientCores.toFixed(2)}\n`,
      );
    }
  }
  return {
    scenario: scenario.name,
    requestKiB: scenario.body.length / 1024,
    responseKiB: responseBytes / 1024,
    observedChildren: scenario.observedChildren,
    relatedObjects: scenario.relatedObjects,
    rounds: measurements,
    summary: Object.fromEntries(servers.map((s) => [s.name, summarize(measurements, s.name)])),
  };
}

async function startupTimes(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < STARTUPS; i++) {
    const server = await startHookServer({ logLevel: 'info' });
    times.push(server.readyMs);
    await stop(server);
  }
  return times;
}

function runChild(script: string, extra: string[] = []): string {
  return execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, script), ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 20 * 60_000,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`;
}

function table(results: readonly ScenarioResult[], names: readonly string[]): string {
  const head =
    '| request | KiB in → out | server | req/s | p50 ms | p99 ms | CPU µs/req | RSS max MiB | failures | req/s vs floor | p99 vs floor |\n' +
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|';
  const rows = results.flatMap((r) =>
    names.map((server) => {
      const s = r.summary[server];
      if (!s) return '';
      const out = server === 'floor' ? r.requestKiB : r.responseKiB;
      const ratio =
        s.rpsRatio === undefined || s.p99Ratio === undefined
          ? ['', '']
          : [`**${(100 * s.rpsRatio).toFixed(1)} %**`, `**${s.p99Ratio.toFixed(2)}×**`];
      return `| ${r.scenario} | ${r.requestKiB.toFixed(1)} → ${out.toFixed(1)} | ${server} | ${s.requestsPerSecond.toFixed(0)} | ${s.p50Ms.toFixed(2)} | ${s.p99Ms.toFixed(2)} | ${s.cpuUsPerRequest.toFixed(0)} | ${s.rssMaxMiB.toFixed(0)} | ${s.failures} | ${ratio[0]} | ${ratio[1]} |`;
    }),
  );
  return [head, ...rows.filter(Boolean)].join('\n');
}

const flags = (text: string | undefined) => (text ?? '').split(' ').filter(Boolean);

async function main(): Promise<void> {
  assertBuilt();
  const quick = args.quick;
  const rounds = quick ? 2 : Number(args.rounds);
  const seconds = quick ? 3 : Number(args.duration);
  const otherRounds = quick ? 1 : Number(args['other-rounds']);
  const otherSeconds = quick ? 2 : Number(args['other-duration']);
  process.stderr.write(`machine: ${machine()}\n`);

  const scenarios = allScenarios().filter(
    (s) => !args.scenarios || args.scenarios.split(',').includes(s.name),
  );
  const common = [
    ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : []),
    ...flags(args['node-args']),
  ];
  const floor = await startFloor({ etag: args['floor-etag'], nodeArgs: common });
  const hooks: Server[] = [
    await startHookServer({
      logLevel: args['log-level'] ?? 'info',
      // The production command's flags; a variant's flags replace them (an empty one measures V8's defaults).
      nodeArgs: [...common, ...PRODUCTION_NODE_FLAGS, ...flags(args['ours-node-args'])],
    }),
  ];
  const variants = (args.variant ?? []).map((spec) => {
    const [name = '', root = '', nodeFlags = ''] = spec.split('|');
    if (!name || !root || name === 'ours' || name === 'floor') throw new Error(`bad --variant ${spec}`);
    return { name, root: resolve(root), nodeFlags };
  });
  for (const v of variants) {
    hooks.push(
      await startHookServer({
        name: v.name,
        root: v.root,
        logLevel: args['log-level'] ?? 'info',
        nodeArgs: [...common, ...flags(v.nodeFlags)],
      }),
    );
  }
  const names = ['floor', ...hooks.map((h) => h.name)];
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) {
      const headline = scenario.name === FULL_PARENT;
      process.stderr.write(`${scenario.name}: ${(scenario.body.length / 1024).toFixed(1)} KiB\n`);
      results.push(
        await compare(
          scenario,
          floor,
          hooks,
          headline ? rounds : otherRounds,
          headline ? seconds : otherSeconds,
        ),
      );
    }
  } finally {
    await Promise.all([floor, ...hooks].map(stop));
  }

  const startup = args['skip-startup'] ? [] : await startupTimes();
  const micro = args['skip-micro'] ? undefined : JSON.parse(runChild('bench/micro.ts', ['--json']));
  const gc = args['skip-gc'] || quick ? undefined : JSON.parse(runChild('bench/gc.ts', ['--json']));
  const soak = args['skip-soak'] || quick ? undefined : JSON.parse(runChild('bench/soak.ts', ['--json']));

  const report = {
    machine: machine(),
    date: new Date().toISOString(),
    settings: {
      connections: CONNECTIONS,
      rounds,
      seconds,
      otherRounds,
      otherSeconds,
      logLevel: args['log-level'],
      nodeArgs: args['node-args'],
      oursNodeArgs: [...PRODUCTION_NODE_FLAGS, ...flags(args['ours-node-args'])].join(' '),
      variants,
    },
    results,
    startupMs: startup,
    micro,
    gc,
    soak,
  };
  if (args.out) writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);

  console.log(`## HTTP: hook server vs the floor, ${CONNECTIONS} connections, loopback\n`);
  console.log(`machine: ${machine()}`);
  console.log(`ours: node ${[...PRODUCTION_NODE_FLAGS, ...flags(args['ours-node-args'])].join(' ')}`);
  for (const v of variants) console.log(`variant ${v.name}: ${v.root} ${v.nodeFlags || '(V8 defaults)'}`);
  console.log(
    `full parent (${FULL_PARENT}): ${rounds} rounds × ${seconds} s per server; other requests: ${otherRounds} × ${otherSeconds} s; medians over rounds; ratios are medians of per-round ratios\n`,
  );
  console.log(table(results, names));
  if (startup.length > 0) {
    console.log(
      `\nready after start (spawn → first 200 from /readyz), ${STARTUPS} starts: median ${median(startup).toFixed(0)} ms, max ${Math.max(...startup).toFixed(0)} ms`,
    );
  }
  if (micro) {
    const { formatTimings } = await import('./micro.js');
    console.log(`\n${formatTimings('Pure sync function (reconcile), per request shape', micro.scenarios)}`);
    console.log(formatTimings('A /sync call on the full parent, stage by stage', micro.stages));
    console.log(formatTimings('The same stages on objects parsed for each call', micro.fresh));
    console.log(formatTimings('Growth with observed children', micro.children));
    console.log(formatTimings('Growth with related objects', micro.related));
  }
  if (gc) {
    const { formatGc } = await import('./gc.js');
    console.log(formatGc(gc, 3));
  }
  if (soak) {
    const { formatSoak } = await import('./soak.js');
    console.log(formatSoak(soak));
  }
  const full = results.find((r) => r.scenario === FULL_PARENT)?.summary.ours;
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log('\n## Targets (ours, this tree)');
  if (full?.rpsRatio !== undefined && full.p99Ratio !== undefined) {
    console.log(
      `- req/s ≥ 80 % of the floor (full parent): ${(100 * full.rpsRatio).toFixed(1)} % → ${verdict(full.rpsRatio >= 0.8)}`,
    );
    console.log(
      `- p99 ≤ 1.25× the floor's (full parent): ${full.p99Ratio.toFixed(2)}× → ${verdict(full.p99Ratio <= 1.25)}`,
    );
  }
  if (micro) {
    const fullMicro = micro.scenarios.find((t: { name: string }) => t.name.includes(FULL_PARENT));
    if (fullMicro) {
      console.log(
        `- pure sync ≤ 100 µs median: ${fullMicro.medianUs.toFixed(1)} µs → ${verdict(fullMicro.medianUs <= 100)}`,
      );
    }
  }
  if (soak) console.log(`- memory flat within 10 % over ${soak.requests} requests: ${soak.verdict}`);
  if (startup.length > 0) {
    console.log(
      `- ready < 1 s: median ${median(startup).toFixed(0)} ms → ${verdict(Math.max(...startup) < 1000)}`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
