// MinIO's server pools (issue 15, scaling): pool 0 is what `replicas`/`storageSize` make; each entry of
// `spec.minio.pools` appends one more. A pool is never resized or removed (the Tenant CRD makes servers
// and volumesPerServer immutable; a pool dropped from the Tenant is taken as decommissioned and its data
// is lost), so the only scaling is a new pool: the operator creates its StatefulSet and restarts every
// server (docs/day2-operators.md §4.3).
import { z } from 'zod';
import type { ComponentContext } from '../component.js';
import { field, type KubeObject, numberField, RELATED_KINDS, range, stringField } from '../kube.js';
import { perObject } from '../memo.js';
import type { Operation } from '../operations.js';
import { claimCapacity, claimsBelow, isQuantity, sameQuantity, storageShrinks } from '../quantity.js';
import { MAX_REPLICAS, StorageSize } from '../schema.js';
import { isErrorState, RESTARTING } from './minio-status.js';

const PVC = RELATED_KINDS.PersistentVolumeClaim;

/** Bounds the CEL rule that compares the pools entry by entry (compositions/admission.ts). */
export const MAX_ADDED_POOLS = 8;

export const AddedPool = z.strictObject({
  servers: z.number().int().min(1).max(MAX_REPLICAS).describe('MinIO servers in this pool. Fixed once set.'),
  storageSize: StorageSize.optional().describe(
    'Size of each of its volumes, as a Kubernetes quantity. Defaults to spec.minio.storageSize.',
  ),
});

export const AddedPools = z
  .array(AddedPool)
  .max(MAX_ADDED_POOLS)
  .describe(
    'Server pools added after the first one (which spec.minio.replicas and storageSize make), each with the ' +
      'same volumes per server. Append only: a pool can neither be resized nor removed (its data would be ' +
      'lost). The operator restarts every MinIO server when a pool joins. Not for a single-drive (dev) MinIO.',
  );

export interface MinioPool {
  readonly name: string;
  readonly servers: number;
  readonly storageSize: string;
  /** Where the pool's size is set, for messages: `spec.minio.replicas` or `spec.minio.pools[0].servers`. */
  readonly serversField: string;
  readonly storageField: string;
}

interface PoolOwner {
  readonly name: string;
  readonly volumesPerServer: number;
  readonly pools: readonly MinioPool[];
}

/**
 * Pool 0 keeps the reference's name `<tenant>-pool`; added pools are `pool-<n>`, not `<tenant>-pool-<n>`:
 * the operator names the StatefulSet `<tenant>-<pool>`, which must stay ≤ 52 characters, and
 * `<tenant>-<tenant>-pool-<n>` would not fit for a 23-character tenant name.
 */
export function resolvePools(
  name: string,
  replicas: number,
  storageSize: string,
  added: readonly z.infer<typeof AddedPool>[] | undefined,
): MinioPool[] {
  return [
    {
      name: `${name}-pool`,
      servers: replicas,
      storageSize,
      serversField: 'spec.minio.replicas',
      storageField: 'spec.minio.storageSize',
    },
    ...(added ?? []).map((pool, i) => ({
      name: `pool-${i + 1}`,
      servers: pool.servers,
      storageSize: pool.storageSize || storageSize,
      serversField: `spec.minio.pools[${i}].servers`,
      storageField: `spec.minio.pools[${i}].storageSize`,
    })),
  ];
}

/** The operator names a pool's StatefulSet `<tenant>-<pool>`. */
export const poolStatefulSet = (tenant: string, pool: MinioPool) => `${tenant}-${pool.name}`;

/**
 * Each pool's PVC names, by pool name. Without a claim template name MinIO names volumes `<index>` and
 * PVCs `<index>-<statefulset>-<ordinal>`.
 */
export const poolVolumes = perObject(
  (spec: PoolOwner): ReadonlyMap<string, readonly string[]> =>
    new Map(
      spec.pools.map((pool) => [
        pool.name,
        range(pool.servers).flatMap((ordinal) =>
          range(spec.volumesPerServer).map(
            (volume) => `${volume}-${poolStatefulSet(spec.name, pool)}-${ordinal}`,
          ),
        ),
      ]),
    ),
);

/**
 * Why the added pools cannot be carried out at all. A single drive (1 server × 1 volume) runs without
 * erasure coding, and MinIO's deployment documentation says such a deployment cannot be expanded with a
 * pool. An erasure-coded pool needs at least 4 drives (servers × volumesPerServer; Tenant CRD, operator
 * v7.1.1 pkg/apis/minio.min.io/v2/types.go:662-669, enforced for 2 and 3 servers by Pool.Validate in
 * helper.go:791-799).
 */
export function poolProblems(spec: PoolOwner): string[] {
  const [first, ...added] = spec.pools;
  if (!first || added.length === 0) return [];
  if (first.servers * spec.volumesPerServer === 1) {
    return [
      'spec.minio.pools cannot extend a single-drive MinIO (1 server × 1 volume, the dev size): MinIO cannot ' +
        'add a pool to a deployment without erasure coding; move the data to a new MinIO with replicas ≥ 2',
    ];
  }
  return added.flatMap((pool) => [
    ...(pool.servers * spec.volumesPerServer < 4
      ? [
          `${pool.serversField} ${pool.servers} × ${spec.volumesPerServer} volumes is below the 4 drives MinIO's erasure coding needs`,
        ]
      : []),
    ...(isQuantity(pool.storageSize)
      ? []
      : [`${pool.storageField} "${pool.storageSize}" is not a Kubernetes quantity (e.g. 10Gi)`]),
  ]);
}

const poolsOf = (tenant: KubeObject) => {
  const pools = field(tenant, 'spec', 'pools');
  return Array.isArray(pools) ? pools : [];
};
const poolStorage = (pool: unknown) =>
  stringField(pool, 'volumeClaimTemplate', 'spec', 'resources', 'requests', 'storage');

/** The running Tenant's pools as they are: what an edit must not remove, resize or shrink. */
export function refusedPoolEdits(spec: PoolOwner, tenant: KubeObject): string[] {
  const who = `Tenant ${spec.name}`;
  const problems: string[] = [];
  for (const running of poolsOf(tenant)) {
    const name = stringField(running, 'name') ?? '?';
    const pool = spec.pools.find((p) => p.name === name);
    if (!pool) {
      problems.push(
        `${who} has pool ${name}, which the spec no longer yields: the MinIO operator would take it as ` +
          'decommissioned and its data would be lost; pools can only be appended to spec.minio.pools',
      );
      continue;
    }
    // servers and volumesPerServer are immutable in the Tenant CRD (CEL `self == oldSelf`): the API
    // server would reject every update, so nothing would be applied at all.
    const servers = numberField(running, 'servers');
    const volumes = numberField(running, 'volumesPerServer');
    if (servers !== undefined && servers !== pool.servers) {
      problems.push(
        `${pool.serversField} cannot change from ${servers} to ${pool.servers}: ${who} has immutable pool servers`,
      );
    } else if (volumes !== undefined && volumes !== spec.volumesPerServer) {
      problems.push(
        `${who} has ${volumes} volumes per server and would need ${spec.volumesPerServer}: volumesPerServer is immutable`,
      );
    }
    // The operator only ever raises a PVC's request: a smaller template would be ignored for good.
    const shrink = storageShrinks(poolStorage(running), pool.storageSize);
    if (shrink) problems.push(`${pool.storageField} ${shrink}`);
  }
  return problems;
}

/** The running pools whose claim request differs from the spec's: a storage growth (shrinks are refused). */
export function growingPools(spec: PoolOwner, tenant: KubeObject): Array<{ from: string; to: string }> {
  return poolsOf(tenant).flatMap((running) => {
    const pool = spec.pools.find((p) => p.name === stringField(running, 'name'));
    const storage = poolStorage(running);
    return pool && storage !== undefined && !sameQuantity(storage, pool.storageSize)
      ? [{ from: storage, to: pool.storageSize }]
      : [];
  });
}

/**
 * A new pool joining, from the Tenant's `status.pools` (PoolNotCreated → PoolCreated → PoolInitialized)
 * once another pool is initialized (a first creation is no operation), then the restart of every
 * server (`currentState: Restarting MinIO`, `status.waitingOnReady`). A failed step is the error the
 * operator stored in `currentState`.
 */
export function addingPool(tenant: KubeObject): Operation[] {
  const states = new Map<string, string>();
  const reported = field(tenant, 'status', 'pools');
  for (const pool of Array.isArray(reported) ? reported : []) {
    states.set(stringField(pool, 'ssName') ?? '', stringField(pool, 'state') ?? 'no state');
  }
  const names = poolsOf(tenant).map((p) => `${tenant.metadata.name}-${stringField(p, 'name') ?? '?'}`);
  const pending = names.filter((n) => states.get(n) !== 'PoolInitialized');
  const initialized = names.length - pending.length;
  const state = stringField(tenant, 'status', 'currentState') ?? '';
  const restart =
    'the operator then restarts every MinIO server of every pool so that they all serve the new pool';
  if (initialized > 0 && pending.length > 0) {
    return [
      {
        kind: 'AddingPool',
        change: `StatefulSet ${pending.join(', ')}`,
        progress: `${pending.map((n) => `${n} ${states.get(n) ?? 'not yet seen by the operator'}`).join(', ')}; ${restart}`,
        ...(isErrorState(state) ? { failed: state.slice(0, 300) } : {}),
      },
    ];
  }
  if (state === RESTARTING) {
    return [
      {
        kind: 'AddingPool',
        change: `to ${names.length} pools`,
        progress: `${RESTARTING}: every MinIO server of every pool restarts to take the new pool in; the operator waits for them to be ready`,
      },
    ];
  }
  return [];
}

/** A storage growth, read from each pool's PVCs, since the Tenant never reports one. */
export function resizing(spec: PoolOwner, tenant: KubeObject, related: ComponentContext<unknown>['related']) {
  return poolsOf(tenant).flatMap((running): Operation[] => {
    const pool = spec.pools.find((p) => p.name === stringField(running, 'name'));
    const storage = poolStorage(running);
    if (!pool || !storage) return [];
    const claims = (poolVolumes(spec).get(pool.name) ?? []).flatMap((name) => related.get(PVC, name) ?? []);
    const first = claimsBelow(claims, storage)[0];
    if (!first) return [];
    const behind = claimsBelow(claims, storage).length;
    const which = pool === spec.pools[0] ? '' : ` (pool ${pool.name})`;
    return [
      {
        kind: 'Resizing',
        change: `storage ${claimCapacity(first)} → ${storage}${which}`,
        progress:
          `${claims.length - behind} of ${claims.length} volumes at ${storage} (the operator raises each PVC; ` +
          'no restart). The Tenant never reports a refused resize: if this lasts, check the StorageClass allows volume expansion and the operator log',
      },
    ];
  });
}
