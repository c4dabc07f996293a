// Bounded soak: 100 000 /sync calls on loopback against a fresh hook server, cycling through the four
// realistic requests, with RSS and V8 heap sampled as it goes. Memory is flat when RSS at the end is
// within 10 % of RSS after the warm-up (the first 10 % of the requests); the trend is reported too.
// Run: npm run build && npx tsx bench/soak.ts [--requests 100000] [--json]
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { allScenarios } from './requests.js';
import { HOST, rssBytes, startHookServer, stop } from './servers.js';

const MAX_SECONDS = 600;
const SAMPLE_EVERY_MS = 500;

export interface SoakSample {
  readonly requests: number;
  readonly seconds: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
}

export interface SoakResult {
  readonly requests: number;
  readonly failures: number;
  readonly seconds: number;
  readonly baselineRssMiB: number;
  readonly finalRssMiB: number;
  readonly maxRssMiB: number;
  readonly growthPercent: number;
  readonly rssSlopeMiBPer10k: number;
  readonly baselineHeapMiB: number;
  readonly finalHeapMiB: number;
  readonly verdict: string;
  readonly samples: SoakSample[];
}

const mib = (bytes: number) => bytes / 1024 / 1024;
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function heapUsed(metricsPort: number | undefined): Promise<number> {
  if (metricsPort === undefined) return Number.NaN;
  const text = await fetch(`http://${HOST}:${metricsPort}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  const match = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

export async function soak(total: number): Promise<SoakResult> {
  const server = await startHookServer({ logLevel: 'info' });
  const bodies = allScenarios().map((s) => s.body);
  const samples: SoakSample[] = [];
  let done = 0;
  let failures = 0;
  const started = performance.now();
  const sample = async () => {
    const heap = await heapUsed(server.metricsPort);
    samples.push({
      requests: done,
      seconds: (performance.now() - started) / 1000,
      rssMiB: mib(rssBytes(server.pid)),
      heapUsedMiB: mib(heap),
    });
  };
  try {
    await sample();
    const timer = setInterval(() => void sample(), SAMPLE_EVERY_MS);
    await new Promise<void>((resolve, reject) => {
      const instance = autocannon(
        {
          url: `http://${HOST}:${server.port}`,
          connections: 10,
          amount: total,
          timeout: 10,
          requests: bodies.map((body) => ({
            method: 'POST',
            path: '/sync',
            headers: { 'content-type': 'application/json' },
            body,
          })),
        },
        (error, result) => {
          clearTimeout(limit);
          clearInterval(timer);
          failures = result?.errors + result?.timeouts + result?.non2xx || 0;
          if (error) reject(error);
          else resolve();
        },
      );
      const limit = setTimeout(() => instance.stop(), MAX_SECONDS * 1000);
      instance.on('response', () => {
        done++;
      });
    });
    await sample();
  } finally {
    await stop(server);
  }

  const after = (fraction: number) => samples.filter((s) => s.requests >= fraction * done);
  const warm = samples.filter((s) => s.requests >= 0.1 * done && s.requests <= 0.2 * done);
  const end = after(0.9);
  const baselineRss = median(warm.map((s) => s.rssMiB));
  const finalRss = median(end.map((s) => s.rssMiB));
  const maxRss = Math.max(...after(0.1).map((s) => s.rssMiB));
  const growth = (100 * (finalRss - baselineRss)) / baselineRss;
  const slope = slopePer10k(after(0.1));
  const flat = Math.abs(growth) <= 10;
  return {
    requests: done,
    failures,
    seconds: (performance.now() - started) / 1000,
    baselineRssMiB: baselineRss,
    finalRssMiB: finalRss,
    maxRssMiB: maxRss,
    growthPercent: growth,
    rssSlopeMiBPer10k: slope,
    baselineHeapMiB: median(warm.map((s) => s.heapUsedMiB)),
    finalHeapMiB: median(end.map((s) => s.heapUsedMiB)),
    verdict: `${flat ? 'met' : 'MISSED'} (RSS ${baselineRss.toFixed(1)} → ${finalRss.toFixed(1)} MiB, ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %; trend ${slope >= 0 ? '+' : ''}${slope.toFixed(2)} MiB per 10 000 requests)`,
    samples,
  };
}

/** Least-squares slope of RSS against requests done, in MiB per 10 000 requests. */
function slopePer10k(points: readonly SoakSample[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((a, p) => a + p.requests, 0) / n;
  const my = points.reduce((a, p) => a + p.rssMiB, 0) / n;
  const sxy = points.reduce((a, p) => a + (p.requests - mx) * (p.rssMiB - my), 0);
  const sxx = points.reduce((a, p) => a + (p.requests - mx) ** 2, 0);
  return sxx === 0 ? 0 : (sxy / sxx) * 10_000;
}

export function formatSoak(result: SoakResult): string {
  const rows = [0, 0.1, 0.25, 0.5, 0.75, 1].map((fraction) => {
    const target = fraction * result.requests;
    const s = result.samples.reduce((best, x) =>
      Math.abs(x.requests - target) < Math.abs(best.requests - target) ? x : best,
    );
    return `| ${s.requests} | ${s.seconds.toFixed(1)} | ${s.rssMiB.toFixed(1)} | ${s.heapUsedMiB.toFixed(1)} |`;
  });
  return [
    `\n### Soak: ${result.requests} requests in ${result.seconds.toFixed(0)} s, ${result.failures} failures`,
    '',
    '| requests done | s | RSS MiB | V8 heap used MiB |',
    '|---:|---:|---:|---:|',
    ...rows,
    '',
    `RSS after warm-up (median over 10–20 % of the requests) ${result.baselineRssMiB.toFixed(1)} MiB → over the last 10 % ${result.finalRssMiB.toFixed(1)} MiB (${result.growthPercent >= 0 ? '+' : ''}${result.growthPercent.toFixed(1)} %); max after warm-up ${result.maxRssMiB.toFixed(1)} MiB; least-squares trend ${result.rssSlopeMiBPer10k.toFixed(2)} MiB per 10 000 requests; V8 heap used ${result.baselineHeapMiB.toFixed(1)} → ${result.finalHeapMiB.toFixed(1)} MiB. Flat within 10 %: ${result.verdict}`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '100000' }, json: { type: 'boolean', default: false } },
  });
  const result = await soak(Math.min(1_000_000, Number(values.requests)));
  console.log(values.json ? JSON.stringify(result) : formatSoak(result));
}
