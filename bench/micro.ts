// Microbenchmarks: the pure sync function (`reconcile`) on each realistic request, the stages a /sync
// call goes through, and how the cost grows with the number of observed children and related objects.
// Run: npm run build && npx tsx bench/micro.ts [--json]
import type * as Checks from '../compositions/checks.js';
import type * as Metacontroller from '../compositions/metacontroller.js';
import type * as Reconcile from '../compositions/reconcile.js';
import {
  allScenarios,
  BENCH_NOW,
  FULL_PARENT,
  type Scenario,
  type SyncRequestBody,
  withMoreChildren,
  withMoreRelated,
} from './requests.js';
import { builtModule } from './servers.js';

// The functions as they ship (servers.ts, builtModule).
const { checkCompositeResponse } = await builtModule<typeof Checks>('compositions/checks.js');
const { CompositeSyncRequest } = await builtModule<typeof Metacontroller>('compositions/metacontroller.js');
const { reconcile } = await builtModule<typeof Reconcile>('compositions/reconcile.js');

export interface Timing {
  readonly name: string;
  readonly iterations: number;
  readonly medianUs: number;
  readonly p90Us: number;
  readonly p99Us: number;
  /** Lowest block median (interleaved cases only): the cost when the shared machine left us alone. */
  readonly bestBlockUs?: number;
}

const MAX_ITERATIONS = 20_000;
const MAX_MS_PER_CASE = 4_000;
const WARMUP_ITERATIONS = 500;

/** Median and tail of one call's duration, over up to MAX_ITERATIONS calls or MAX_MS_PER_CASE. */
export function time(name: string, fn: () => unknown, maxIterations = MAX_ITERATIONS): Timing {
  for (let i = 0; i < Math.min(WARMUP_ITERATIONS, maxIterations); i++) fn();
  const samples: number[] = [];
  const deadline = performance.now() + MAX_MS_PER_CASE;
  let sink = 0;
  while (samples.length < maxIterations && performance.now() < deadline) {
    const start = process.hrtime.bigint();
    const result = fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
    if (result !== undefined) sink++;
  }
  if (sink < 0) console.log(sink); // keeps the calls observable
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
  return { name, iterations: samples.length, medianUs: at(0.5), p90Us: at(0.9), p99Us: at(0.99) };
}

const BLOCKS = 10;
const BLOCK_ITERATIONS = 1_000;

/**
 * The headline figures: blocks of each case in turn, so a drift of this shared machine hits every case
 * alike; the figure is the median of the block medians (tails pooled over all blocks).
 */
export function interleaved(cases: ReadonlyArray<{ name: string; fn: () => unknown }>): Timing[] {
  for (const c of cases) for (let i = 0; i < WARMUP_ITERATIONS; i++) c.fn();
  const medians = cases.map(() => [] as number[]);
  const pooled = cases.map(() => [] as number[]);
  for (let block = 0; block < BLOCKS; block++) {
    cases.forEach((c, i) => {
      const samples: number[] = [];
      for (let n = 0; n < BLOCK_ITERATIONS; n++) {
        const start = process.hrtime.bigint();
        c.fn();
        samples.push(Number(process.hrtime.bigint() - start) / 1000);
      }
      samples.sort((a, b) => a - b);
      medians[i]?.push(samples[samples.length >> 1] ?? Number.NaN);
      pooled[i]?.push(...samples);
    });
  }
  return cases.map((c, i) => {
    const all = (pooled[i] ?? []).sort((a, b) => a - b);
    const blockMedians = (medians[i] ?? []).sort((a, b) => a - b);
    const at = (q: number) => all[Math.min(all.length - 1, Math.floor(q * all.length))] ?? Number.NaN;
    return {
      name: c.name,
      iterations: all.length,
      medianUs: blockMedians[blockMedians.length >> 1] ?? Number.NaN,
      p90Us: at(0.9),
      p99Us: at(0.99),
      bestBlockUs: blockMedians[0] ?? Number.NaN,
    };
  });
}

const parse = (request: SyncRequestBody) => CompositeSyncRequest.parse(JSON.parse(JSON.stringify(request)));

export function runMicro(): {
  scenarios: Timing[];
  stages: Timing[];
  fresh: Timing[];
  children: Timing[];
  related: Timing[];
} {
  const all = allScenarios();
  const full = all.find((s) => s.name === FULL_PARENT) as Scenario;

  const scenarios = interleaved(
    all.map((s) => {
      const parsed = parse(s.request);
      return {
        name: `reconcile ${s.name} (${(s.body.length / 1024).toFixed(0)} KiB)`,
        fn: () => reconcile(parsed, { now: BENCH_NOW }),
      };
    }),
  );

  // Where a /sync call on the full parent spends its time, stage by stage (the floor does 1 and 6).
  const json = JSON.parse(full.body) as unknown;
  const parsed = CompositeSyncRequest.parse(json);
  const response = reconcile(parsed, { now: BENCH_NOW });
  const namespace = parsed.parent.metadata.namespace;
  const stages = [
    time('1 JSON.parse(request body)', () => JSON.parse(full.body)),
    time('2 CompositeSyncRequest.safeParse (zod)', () => CompositeSyncRequest.safeParse(json)),
    time('3 reconcile', () => reconcile(parsed, { now: BENCH_NOW })),
    time('4 checkCompositeResponse (zod)', () => checkCompositeResponse(response, namespace)),
    time('5 JSON.stringify(response)', () => JSON.stringify(response)),
    time('6 floor: JSON.stringify(request)', () => JSON.stringify(json)),
  ];

  const fresh = freshStages(full.body);

  const factors = [1, 10, 100];
  const children = factors.map((factor) => {
    const request = parse(withMoreChildren(full, factor));
    const count = Object.values(request.children).reduce((n, g) => n + Object.keys(g).length, 0);
    return time(
      `children ×${factor} (${count} observed; refused, frozen)`,
      () => reconcile(request, { now: BENCH_NOW }),
      factor === 100 ? 2_000 : MAX_ITERATIONS,
    );
  });
  const related = factors.map((factor) => {
    const request = parse(withMoreRelated(full, factor));
    const count = Object.values(request.related).reduce((n, g) => n + Object.keys(g).length, 0);
    return time(
      `related ×${factor} (${count} related objects)`,
      () => reconcile(request, { now: BENCH_NOW }),
      factor === 100 ? 2_000 : MAX_ITERATIONS,
    );
  });
  return { scenarios, stages, fresh, children, related };
}

const FRESH_CALLS = 4_000;

/**
 * The stages of a /sync call as the server runs them: on objects parsed from the body for this call,
 * not on one parsed object called again and again. Every stage costs more so (docs/performance.md):
 * the parse fills the caches, and names read from fresh objects are hashed anew.
 */
function freshStages(body: string): Timing[] {
  const names = [
    'JSON.parse',
    'request schema (zod)',
    'reconcile',
    'response check (zod)',
    'JSON.stringify(response)',
  ];
  const samples = names.map(() => [] as number[]);
  let sink = 0;
  for (let call = 0; call < WARMUP_ITERATIONS + FRESH_CALLS; call++) {
    const at = [process.hrtime.bigint()];
    const json = JSON.parse(body) as unknown;
    at.push(process.hrtime.bigint());
    const request = CompositeSyncRequest.parse(json);
    at.push(process.hrtime.bigint());
    const response = reconcile(request, { now: BENCH_NOW });
    at.push(process.hrtime.bigint());
    checkCompositeResponse(response, request.parent.metadata.namespace);
    at.push(process.hrtime.bigint());
    sink += JSON.stringify(response).length;
    at.push(process.hrtime.bigint());
    if (call < WARMUP_ITERATIONS) continue;
    samples.forEach((stage, i) => {
      stage.push(Number((at[i + 1] as bigint) - (at[i] as bigint)) / 1000);
    });
  }
  if (sink < 0) console.log(sink);
  return names.map((name, i) => {
    const sorted = (samples[i] ?? []).sort((a, b) => a - b);
    const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))] ?? Number.NaN;
    return { name, iterations: sorted.length, medianUs: q(0.5), p90Us: q(0.9), p99Us: q(0.99) };
  });
}

export function formatTimings(title: string, timings: readonly Timing[]): string {
  const best = timings.some((t) => t.bestBlockUs !== undefined);
  const rows = timings.map(
    (t) =>
      `| ${t.name} | ${t.medianUs.toFixed(1)} | ${best ? `${t.bestBlockUs?.toFixed(1) ?? ''} | ` : ''}${t.p90Us.toFixed(1)} | ${t.p99Us.toFixed(1)} | ${t.iterations} |`,
  );
  const head = best
    ? [
        '| case | median µs | best block µs | p90 µs | p99 µs | iterations |',
        '|---|---:|---:|---:|---:|---:|',
      ]
    : ['| case | median µs | p90 µs | p99 µs | iterations |', '|---|---:|---:|---:|---:|'];
  return [`### ${title}`, '', ...head, ...rows, ''].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = runMicro();
  if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(formatTimings('Pure sync function (reconcile), per request shape', result.scenarios));
    console.log(formatTimings('A /sync call on the full parent, stage by stage', result.stages));
    console.log(formatTimings('The same stages on objects parsed for each call', result.fresh));
    console.log(formatTimings('Growth with observed children', result.children));
    console.log(formatTimings('Growth with related objects', result.related));
  }
}
