// The benchmarks' composite sync requests: a five-component WeightsAndBiases parent installed
// through the simulator (sim/story.ts, the golden fixtures' stories), and the request Metacontroller
// sent at two moments of the install. The operators' statuses, the API server's metadata and the
// related objects are the simulator's, so the benchmark has no model of its own.

import { LAST_APPLIED_ANNOTATION } from '../compositions/freeze.js';
import type { Child, KubeObject } from '../compositions/kube.js';
import { CHILD_KINDS } from '../compositions/kube.js';
import { CompositeSyncRequest } from '../compositions/metacontroller.js';
import { reconcile, type SyncResult } from '../compositions/reconcile.js';
import type { Obj } from '../sim/cluster.js';
import { objectMap } from '../sim/requests.js';
import { ALL_ENABLED, before, install, NAMESPACE, NOW, uuid } from '../sim/story.js';

export type Size = 'dev' | 'small';
export type Phase = 'fresh' | 'converged';

export interface Scenario {
  readonly name: string;
  readonly size: Size;
  readonly phase: Phase;
  readonly request: SyncRequestBody;
  /** The request as sent on the wire. */
  readonly body: string;
  readonly observedChildren: number;
  readonly relatedObjects: number;
}

export interface SyncRequestBody {
  controller: unknown;
  parent: KubeObject & { spec: unknown; status?: unknown };
  children: Record<string, Record<string, KubeObject>>;
  related: Record<string, Record<string, KubeObject>>;
  finalizing: boolean;
}

/** The instant the hooks answer the benchmark's requests at (the stories' clock). */
export const BENCH_NOW = NOW;
const HOUR = 3600;

const fullSpec = (size: Size): Record<string, unknown> => ({
  size,
  wandb: { hostname: 'https://wandb.example.com' },
  ...ALL_ENABLED,
});

const count = (map: Record<string, Record<string, unknown>>) =>
  Object.values(map).reduce((n, group) => n + Object.keys(group).length, 0);

const run = (request: SyncRequestBody): SyncResult =>
  reconcile(CompositeSyncRequest.parse(JSON.parse(JSON.stringify(request))), { now: BENCH_NOW });

/**
 * One scenario: the request Metacontroller sends for a five-component parent of `size`.
 * `fresh`: the sync right after every operator took its first step on the new custom resources
 * (still provisioning); `converged`: a resync an hour after the install settled, whose parent
 * carries the ready status of the previous sync.
 */
export function buildScenario(size: Size, phase: Phase): Scenario {
  const story =
    phase === 'converged'
      ? install(`bench-${size}`, fullSpec(size), 'ready', before(HOUR)).at(BENCH_NOW)
      : install(`bench-${size}`, fullSpec(size), 'created', before(40)).at(BENCH_NOW);
  // The fresh request: the operators take their first step, then the composite syncs.
  if (phase === 'fresh') story.step();
  const request = story.compositeSync() as unknown as SyncRequestBody;
  const check = run(request);
  if (phase === 'converged' && check.status.ready !== true) {
    throw new Error(
      `${size}/${phase}: expected a ready parent, got ${JSON.stringify(check.status.conditions)}`,
    );
  }
  const observed = count(request.children);
  if (check.children.length !== observed) {
    throw new Error(`${size}/${phase}: ${observed} observed children but ${check.children.length} desired`);
  }
  return {
    name: `${size}-${phase}`,
    size,
    phase,
    request,
    body: JSON.stringify(request),
    observedChildren: observed,
    relatedObjects: count(request.related),
  };
}

/** The four request shapes; `small-converged` is "the full parent" the performance bar names. */
export function allScenarios(): Scenario[] {
  return (['small', 'dev'] as const).flatMap((size) =>
    (['converged', 'fresh'] as const).map((phase) => buildScenario(size, phase)),
  );
}

export const FULL_PARENT = 'small-converged';

const objectsOf = (map: SyncRequestBody['children']) =>
  Object.values(map).flatMap((group) => Object.values(group)) as unknown as Obj[];

/**
 * The full parent with its observed children multiplied by `factor`: the extra copies are children of
 * our kinds under other names (leftovers of renamed components, say). Every observed child must be kept,
 * so the hook refuses the spec and freezes them all: the only path where the number of children grows.
 */
export function withMoreChildren(scenario: Scenario, factor: number): SyncRequestBody {
  const originals = objectsOf(scenario.request.children);
  const extra = Array.from({ length: factor - 1 }, (_, copy) =>
    originals.map((o) => {
      const name = `${o.metadata.name}-old${copy + 1}`;
      const lastApplied = JSON.parse(
        String(o.metadata.annotations?.[LAST_APPLIED_ANNOTATION] ?? '{}'),
      ) as Child;
      return {
        ...o,
        metadata: {
          ...o.metadata,
          name,
          uid: uuid(`${o.kind}/${name}`),
          annotations: {
            ...o.metadata.annotations,
            [LAST_APPLIED_ANNOTATION]: JSON.stringify({
              ...lastApplied,
              metadata: { ...lastApplied.metadata, name },
            }),
          },
        },
      };
    }),
  ).flat();
  const children = objectMap([...originals, ...extra], Object.values(CHILD_KINDS));
  return { ...scenario.request, children: children as unknown as SyncRequestBody['children'] };
}

/**
 * The full parent with `factor` times the related objects on the valid path: more parents and Tenants
 * in the namespace (the MinIO rule lists them all) and more of our Secrets.
 */
export function withMoreRelated(scenario: Scenario, factor: number): SyncRequestBody {
  const originals = objectsOf(scenario.request.related);
  const extra = Array.from({ length: factor - 1 }, (_, copy) =>
    originals.map((o) => {
      const name = `other${copy + 1}-${o.metadata.name}`;
      const isForeignable = o.kind === 'Tenant' || o.kind === 'WeightsAndBiases';
      return {
        ...o,
        metadata: {
          ...o.metadata,
          name,
          uid: uuid(`${o.kind}/${name}`),
          // Younger parents that keep MinIO disabled, and their Tenants elsewhere, do not conflict.
          ...(isForeignable
            ? { namespace: `${NAMESPACE}-${copy + 1}`, creationTimestamp: '2026-01-06T00:00:00Z' }
            : {}),
        },
      };
    }),
  ).flat();
  const related = objectMap([...originals, ...extra]);
  return { ...scenario.request, related: related as unknown as SyncRequestBody['related'] };
}

/** Print the scenarios and their sizes: `npx tsx bench/requests.ts`. */
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const s of allScenarios()) {
    const response = JSON.stringify(run(s.request));
    console.log(
      `${s.name.padEnd(16)} request ${(s.body.length / 1024).toFixed(1)} KiB, ${s.observedChildren} children, ${s.relatedObjects} related; response ${(response.length / 1024).toFixed(1)} KiB`,
    );
  }
}
