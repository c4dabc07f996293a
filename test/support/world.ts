// Generated worlds for property tests: a parent, the children Metacontroller observes (our desired
// children as the API server returns them, with operator statuses from a ladder ordered best to
// worst), and related objects (our Secrets, Opstree's StatefulSets).
import fc from 'fast-check';
import { LAST_APPLIED_ANNOTATION } from '../../compositions/freeze.js';
import type { Child, KubeObject } from '../../compositions/kube.js';
import { COMPONENT_NAMES, type ComponentName, type State } from '../../compositions/parent.js';
import { customize, reconcile, type SyncResult } from '../../compositions/reconcile.js';
import { aParent, aSecret, NOW, PARENT_UID, parsedRequest, syncRequest } from './builders.js';

export interface SpecChoice {
  readonly size: 'dev' | 'small';
  readonly policy: 'retain' | 'purge' | undefined;
  readonly autoCleanupEnabled: boolean | undefined;
  readonly enabled: Readonly<Record<ComponentName, boolean>>;
  readonly sentinel: boolean | undefined;
  readonly telemetry: boolean;
}

export const specChoice: fc.Arbitrary<SpecChoice> = fc.record({
  size: fc.constantFrom('dev' as const, 'small' as const),
  policy: fc.constantFrom(undefined, 'retain' as const, 'purge' as const),
  autoCleanupEnabled: fc.constantFrom(undefined, true, false),
  enabled: fc.record(
    Object.fromEntries(COMPONENT_NAMES.map((n) => [n, fc.boolean()])) as Record<
      ComponentName,
      fc.Arbitrary<boolean>
    >,
  ),
  sentinel: fc.constantFrom(undefined, true, false),
  telemetry: fc.boolean(),
});

export function toSpec(choice: SpecChoice): Record<string, unknown> {
  const telemetry = { telemetry: { enabled: choice.telemetry } };
  return {
    size: choice.size,
    ...(choice.policy ? { retentionPolicy: { onDelete: choice.policy } } : {}),
    ...(choice.autoCleanupEnabled !== undefined ? { autoCleanupEnabled: choice.autoCleanupEnabled } : {}),
    ...Object.fromEntries(
      COMPONENT_NAMES.map((name) => [name, { enabled: choice.enabled[name], ...telemetry }]),
    ),
    // Redis's own choice: the standalone or the sentinel topology.
    redis: {
      enabled: choice.enabled.redis,
      ...(choice.sentinel !== undefined ? { sentinel: { enabled: choice.sentinel } } : {}),
      ...telemetry,
    },
  };
}

/** Every Secret our customize rule names, as the decorator would have written them. */
export function ourSecrets(spec: unknown): KubeObject[] {
  const rules = customize({ controller: {}, parent: aParent(spec) } as never).relatedResources;
  return rules
    .filter((r) => r.resource === 'secrets')
    .flatMap((r) => r.names ?? [])
    .filter((name) => !name.endsWith('-cluster-id'))
    .map((name) => aSecret(name, { password: 'x', url: 'scheme://host' }));
}

/** The desired children of a spec once every credential Secret exists. */
export function desiredChildren(spec: unknown): Child[] {
  return reconcile(parsedRequest(syncRequest(aParent(spec), { related: ourSecrets(spec) })), { now: NOW })
    .children;
}

type Spec = Record<string, unknown>;

/**
 * Operator statuses per child kind, best first; each rung implies a state no better than the one
 * before (Healthy, Degraded, Unknown, Pending, Unavailable, Error). A ladder, not the simulator's
 * operators (sim/operators/): those script the way to Ready, while the properties need every status
 * an operator can write, failures included, in any combination across children. A kind of a new
 * component needs its ladder here (the drift test in properties.test.ts says so).
 */
const LADDERS: Readonly<Record<string, (name: string, spec: Spec, generation: number) => unknown[]>> = {
  PerconaXtraDBCluster: (name, _spec, generation) => [
    { state: 'ready', observedGeneration: generation, host: `${name}-pxc.wandb` },
    {},
    { state: 'initializing', observedGeneration: generation },
    { state: 'paused', observedGeneration: generation },
    { state: 'error', observedGeneration: generation, message: ['failed'] },
  ],
  Kafka: (_name, _spec, generation) => [
    {
      observedGeneration: generation,
      clusterId: 'id-1',
      conditions: [{ type: 'Ready', status: 'True' }],
    },
    {},
    { conditions: [{ type: 'NotReady', status: 'True', reason: 'Creating' }] },
    { observedGeneration: generation, conditions: [{ type: 'ReconciliationPaused', status: 'True' }] },
    {
      observedGeneration: generation,
      conditions: [{ type: 'NotReady', status: 'True', reason: 'FatalProblem', message: 'bad' }],
    },
  ],
  KafkaNodePool: (_name, spec, generation) => [
    { observedGeneration: generation, replicas: spec.replicas, clusterId: 'id-1' },
  ],
  Tenant: () => [
    {
      currentState: 'Initialized',
      healthStatus: 'green',
      pools: [{ ssName: 'x', state: 'PoolInitialized' }],
    },
    { currentState: 'Initialized', healthStatus: 'yellow' },
    {},
    { currentState: 'Provisioning MinIO Statefulset' },
    { currentState: 'Initialized', healthStatus: 'red' },
  ],
  ClickHouseInstallation: (_name, spec) => [
    { status: 'Completed', taskID: spec.taskID, endpoint: 'clickhouse-x.wandb.svc.cluster.local' },
    {},
    { status: 'InProgress', taskID: spec.taskID },
    { status: 'Terminating', taskID: spec.taskID },
    { status: 'Aborted', taskID: spec.taskID, errors: ['boom'] },
  ],
  ClickHouseKeeperInstallation: () => [
    { status: 'Completed' },
    { status: 'InProgress' },
    { status: 'Aborted' },
  ],
  RedisReplication: (name) => [{ masterNode: `${name}-0` }, {}],
};

/** Kinds whose readiness the hooks read elsewhere: Opstree's StatefulSets (`statefulSetLadder`). */
const READ_ELSEWHERE: readonly string[] = ['Redis', 'RedisSentinel'];

/** The kinds the ladders cover, for the drift test against the registry. */
export const LADDER_KINDS: readonly string[] = [...Object.keys(LADDERS), ...READ_ELSEWHERE];

export function statusLadder(child: Child, generation: number): unknown[] {
  return LADDERS[child.kind]?.(child.metadata.name, child.spec as Spec, generation) ?? [{}];
}

/** Opstree's StatefulSets for the Redis children, best first. */
export function statefulSetLadder(name: string, size: number): KubeObject[] {
  const sts = (readyReplicas: number | undefined, exists = true) =>
    exists
      ? ({
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name, namespace: 'wandb', generation: 1, uid: `sts-${name}` },
          spec: { replicas: size },
          status: { observedGeneration: 1, ...(readyReplicas !== undefined ? { readyReplicas } : {}) },
        } as KubeObject)
      : undefined;
  return [sts(size), ...(size > 1 ? [sts(size - 1)] : []), sts(0)].filter(
    (s): s is KubeObject => s !== undefined,
  );
}

export function redisStatefulSets(children: readonly Child[]): Array<{ name: string; size: number }> {
  return children.flatMap((c) => {
    const spec = c.spec as Record<string, unknown>;
    if (c.kind === 'Redis') return [{ name: c.metadata.name, size: 1 }];
    if (c.kind === 'RedisReplication') return [{ name: c.metadata.name, size: spec.clusterSize as number }];
    if (c.kind === 'RedisSentinel')
      return [{ name: `${c.metadata.name}-sentinel`, size: spec.clusterSize as number }];
    return [];
  });
}

/** A desired child as the API server returns it after Metacontroller applied it. */
export function asObserved(
  child: Child,
  options: { status?: unknown; lastApplied?: boolean; operatorFinalizer?: string; generation?: number } = {},
): KubeObject {
  const generation = options.generation ?? 1;
  const annotations = {
    ...child.metadata.annotations,
    ...(options.lastApplied !== false
      ? {
          [LAST_APPLIED_ANNOTATION]: JSON.stringify({
            ...child,
            metadata: { ...child.metadata, namespace: 'wandb' },
          }),
        }
      : {}),
  };
  return {
    ...child,
    metadata: {
      ...child.metadata,
      namespace: 'wandb',
      uid: `uid-${child.kind}-${child.metadata.name}`,
      generation,
      resourceVersion: '42',
      labels: { ...child.metadata.labels, 'controller-uid': PARENT_UID },
      annotations,
      finalizers: [
        ...(child.metadata.finalizers ?? []),
        ...(options.operatorFinalizer ? [options.operatorFinalizer] : []),
      ],
      ownerReferences: [
        {
          apiVersion: 'apps.wandb.com/v2',
          kind: 'WeightsAndBiases',
          name: 'wandb',
          uid: PARENT_UID,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    ...(options.status !== undefined ? { status: options.status } : {}),
  } as KubeObject;
}

const RANK: Record<State, number> = {
  Healthy: 0,
  Disabled: 0,
  Degraded: 1,
  Unknown: 2,
  Pending: 3,
  Unavailable: 4,
  Error: 5,
};
export const stateRank = (state: State | undefined): number => (state ? RANK[state] : 2);

export const componentStates = (result: SyncResult): Record<ComponentName, State | undefined> =>
  Object.fromEntries(COMPONENT_NAMES.map((n) => [n, result.status[`${n}Status`]?.state])) as Record<
    ComponentName,
    State | undefined
  >;
