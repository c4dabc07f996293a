// What a /sync call costs without HTTP, garbage collection included, with V8's defaults, without
// allocation-site pretenuring alone, and with the production flags (`npm start`): each case runs in a
// fresh process so its heap is its own.
// Run: npm run build && npx tsx bench/gc.ts [--seconds 3] [--rounds 3]
import { execFileSync } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type * as Checks from '../compositions/checks.js';
import type * as Metacontroller from '../compositions/metacontroller.js';
import type * as Reconcile from '../compositions/reconcile.js';
import { BENCH_NOW, buildScenario, FULL_PARENT } from './requests.js';
import { builtModule, PRODUCTION_NODE_FLAGS } from './servers.js';

// The functions as they ship (servers.ts, builtModule).
const { checkCompositeResponse } = await builtModule<typeof Checks>('compositions/checks.js');
const { CompositeSyncRequest } = await builtModule<typeof Metacontroller>('compositions/metacontroller.js');
const { reconcile } = await builtModule<typeof Reconcile>('compositions/reconcile.js');

export interface GcCase {
  readonly work: 'floor' | 'ours' | 'parse' | 'parse+zod';
  readonly flags: string;
  readonly cpuUsPerOp: number;
  readonly gcMsPerOp: number;
  readonly scavenges: number;
  readonly markCompacts: number;
}

const WORK = {
  /** What the floor does: parse the body, serialize it back. */
  floor: (body: string) => JSON.stringify(JSON.parse(body)),
  parse: (body: string) => JSON.parse(body),
  'parse+zod': (body: string) => CompositeSyncRequest.safeParse(JSON.parse(body)),
  /** What our /sync handler does between body and socket. */
  ours: (body: string) => {
    const request = CompositeSyncRequest.parse(JSON.parse(body));
    const response = reconcile(request, { now: BENCH_NOW });
    checkCompositeResponse(response, request.parent.metadata.namespace);
    return JSON.stringify(response);
  },
} as const;

/** In the child: run one kind of work for `seconds`, report CPU and GC per operation. */
function child(work: keyof typeof WORK, seconds: number): void {
  const [size, phase] = FULL_PARENT.split('-') as ['small', 'converged'];
  const body = buildScenario(size, phase).body;
  const fn = WORK[work];
  for (let i = 0; i < 200; i++) fn(body);
  let gcMs = 0;
  let scavenges = 0;
  let markCompacts = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration;
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === 1) scavenges++;
      else if (kind === 4) markCompacts++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const cpu = process.cpuUsage();
  const started = performance.now();
  let ops = 0;
  while (performance.now() - started < seconds * 1000 && ops < 1_000_000) {
    fn(body);
    ops++;
  }
  const used = process.cpuUsage(cpu);
  setTimeout(() => {
    observer.disconnect();
    process.stdout.write(
      JSON.stringify({
        cpuUsPerOp: (used.user + used.system) / ops,
        gcMsPerOp: gcMs / ops,
        scavenges,
        markCompacts,
      }),
    );
  }, 50);
}

export function runGc(seconds: number, rounds: number): GcCase[] {
  const self = fileURLToPath(import.meta.url);
  const cases: Array<{ work: keyof typeof WORK; flags: string }> = [];
  for (const work of ['floor', 'ours', 'parse', 'parse+zod'] as const) {
    // A set: the production flags may be exactly the pretenuring flag.
    for (const flags of new Set(['', '--no-allocation-site-pretenuring', PRODUCTION_NODE_FLAGS.join(' ')])) {
      cases.push({ work, flags });
    }
  }
  const results = cases.map(() => [] as GcCase[]);
  for (let round = 0; round < rounds; round++) {
    cases.forEach(({ work, flags }, i) => {
      const out = execFileSync(
        process.execPath,
        [
          ...flags.split(' ').filter(Boolean),
          '--import',
          'tsx',
          self,
          '--child',
          work,
          '--seconds',
          String(seconds),
        ],
        { encoding: 'utf8', timeout: (seconds + 60) * 1000 },
      );
      results[i]?.push({ work, flags, ...(JSON.parse(out) as Omit<GcCase, 'work' | 'flags'>) });
    });
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;
  return cases.map(({ work, flags }, i) => {
    const runs = results[i] ?? [];
    return {
      work,
      flags,
      cpuUsPerOp: median(runs.map((r) => r.cpuUsPerOp)),
      gcMsPerOp: median(runs.map((r) => r.gcMsPerOp)),
      scavenges: median(runs.map((r) => r.scavenges)),
      markCompacts: median(runs.map((r) => r.markCompacts)),
    };
  });
}

export function formatGc(cases: readonly GcCase[], seconds: number): string {
  const rows = cases.map(
    (c) =>
      `| ${c.work} | ${c.flags || '(defaults)'} | ${c.cpuUsPerOp.toFixed(0)} | ${(1000 * c.gcMsPerOp).toFixed(0)} | ${c.scavenges} | ${c.markCompacts} |`,
  );
  return [
    `### Without HTTP: CPU per call on the full parent (${seconds} s per case, median of rounds)`,
    '',
    '| work | node flags | CPU µs/op | GC pause µs/op | scavenges | mark-compacts |',
    '|---|---|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      seconds: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  });
  const seconds = Math.min(60, Number(values.seconds));
  if (values.child) child(values.child as keyof typeof WORK, seconds);
  else {
    const cases = runGc(seconds, Math.min(10, Number(values.rounds)));
    console.log(values.json ? JSON.stringify(cases) : formatGc(cases, seconds));
  }
}
