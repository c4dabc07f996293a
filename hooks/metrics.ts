// Prometheus metrics: calls and duration per hook and outcome, and request sizes.
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly calls: Counter<'hook' | 'outcome'>;
  readonly duration: Histogram<'hook' | 'outcome'>;
  readonly requestBytes: Histogram<'hook'>;
}

export function createMetrics(options: { processMetrics: boolean }): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    calls: new Counter({
      name: 'wandb_hooks_requests_total',
      help: 'Hook calls by hook and outcome (ok, invalid_spec, client_error, error).',
      labelNames: ['hook', 'outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'wandb_hooks_request_duration_seconds',
      help: 'Time to answer a hook call, parsing and serialization included.',
      labelNames: ['hook', 'outcome'],
      // Up to Metacontroller's 10 s hook timeout, so alerts can tell slow from timed out (docs/monitoring.md).
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    requestBytes: new Histogram({
      name: 'wandb_hooks_request_size_bytes',
      help: 'Size of hook request bodies.',
      labelNames: ['hook'],
      buckets: [1_000, 4_000, 16_000, 64_000, 256_000, 1_000_000, 4_000_000, 16_000_000],
      registers: [registry],
    }),
  };
}
