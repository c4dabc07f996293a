// The nodes of the scripted Strimzi (strimzi.ts): which node IDs each KafkaNodePool gets, the pods
// that run them (created, removed, rolled on a new version) and Cruise Control's auto-rebalance state.

import { RELATED_KINDS } from '../../compositions/kube.js';
import { type Cluster, keyOf, type Obj } from '../cluster.js';
import { count, deleting, type Json, list, ownerRef, range, record, text, writeStatus } from './operator.js';

const POD = RELATED_KINDS.Pod;

// STRIMZI_LABELS_EXCLUSION_PATTERN's default: app.kubernetes.io/* except part-of, and Flux labels.
const EXCLUDED_LABEL = /^app\.kubernetes\.io\/(?!part-of).*|^kustomize\.toolkit\.fluxcd\.io.*/;

/** The Kafka's labels as Strimzi copies them onto what it creates, plus its own. */
export function strimziLabels(kafka: Obj, own: Record<string, string>): Record<string, string> {
  const copied = Object.fromEntries(
    Object.entries(kafka.metadata.labels ?? {}).filter(([key]) => !EXCLUDED_LABEL.test(key)),
  );
  return {
    ...copied,
    'app.kubernetes.io/instance': kafka.metadata.name,
    'app.kubernetes.io/managed-by': 'strimzi-cluster-operator',
    'app.kubernetes.io/part-of': `strimzi-${kafka.metadata.name}`,
    'strimzi.io/cluster': kafka.metadata.name,
    'strimzi.io/kind': 'Kafka',
    ...own,
  };
}

/** `strimzi.io/next-node-ids`' first range, e.g. `[3-999]` → 3..999 (NodeIdRange; only `a-b` and `a`). */
function nextNodeIds(pool: Obj): number[] {
  const match = /^\[\s*(\d+)(?:\s*-\s*(\d+))?/.exec(
    pool.metadata.annotations?.['strimzi.io/next-node-ids'] ?? '',
  );
  if (!match) return [];
  const from = Number(match[1]);
  return range(Number(match[2] ?? match[1]) - from + 1).map((i) => from + i);
}

/**
 * Strimzi's NodeIdAssignor: a pool keeps its IDs; new nodes take `next-node-ids` first, else the lowest
 * free ID; a scale-down removes the highest. Returns each pool's IDs and the brokers to be removed.
 */
export function assignNodeIds(pools: readonly Obj[]): Map<string, { ids: number[]; removed: number[] }> {
  const current = new Map(
    pools.map((p) => [p.metadata.name, list(record(p.status).nodeIds).map((id) => count(id, -1))]),
  );
  const used = new Set([...current.values()].flat());
  const result = new Map<string, { ids: number[]; removed: number[] }>();
  for (const pool of pools) {
    const ids = [...(current.get(pool.metadata.name) ?? [])].sort((a, b) => a - b);
    const wanted = count(record(pool.spec).replicas, 0);
    const preferred = nextNodeIds(pool);
    while (ids.length < wanted) {
      const id =
        preferred.find((i) => !used.has(i)) ?? range(used.size + 1).find((i) => !used.has(i)) ?? used.size;
      used.add(id);
      ids.push(id);
    }
    result.set(pool.metadata.name, { ids: ids.slice(0, wanted), removed: ids.slice(wanted) });
  }
  return result;
}

const READY_POD = (now: string): Json => ({
  phase: 'Running',
  conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
});

/** KafkaAutoRebalancingReconciler: Idle, or one round of rebalancing onto added / off removed brokers. */
export function rebalanceState(
  previous: Json,
  blocked: readonly number[],
  emptied: boolean,
  added: readonly number[],
  modes: readonly unknown[],
  now: string,
): Json {
  const since = (state: string) =>
    previous.state === state ? (text(previous.lastTransitionTime) ?? now) : now;
  if (blocked.length > 0 && !emptied && modes.includes('remove-brokers')) {
    return {
      state: 'RebalanceOnScaleDown',
      lastTransitionTime: since('RebalanceOnScaleDown'),
      modes: [{ mode: 'remove-brokers', brokers: [...blocked] }],
    };
  }
  if (added.length > 0 && modes.includes('add-brokers')) {
    return {
      state: 'RebalanceOnScaleUp',
      lastTransitionTime: since('RebalanceOnScaleUp'),
      modes: [{ mode: 'add-brokers', brokers: [...added] }],
    };
  }
  return { state: 'Idle', lastTransitionTime: since('Idle') };
}

/**
 * The pods of each pool's nodes (the StrimziPodSet's work and the kubelet's, in one): a node added to a
 * running cluster starts unready and is ready a round later (the first deploy's are ready at once, as
 * the install was always told in one step); a removed node's pod is deleted; on a new version one pod
 * per round rolls (its `strimzi.io/kafka-version`). Returns whether any pod is not yet ready or rolled.
 */
export function reconcilePods(
  cluster: Cluster,
  kafka: Obj,
  pools: readonly Obj[],
  nodeIds: ReadonlyMap<string, readonly number[]>,
  version: string | undefined,
  now: string,
  firstDeploy: boolean,
): boolean {
  const namespace = kafka.metadata.namespace ?? '';
  const name = kafka.metadata.name;
  let pending = false;
  let rolled = false;
  for (const pool of pools) {
    const poolName = pool.metadata.name;
    const ids = nodeIds.get(poolName) ?? [];
    const existing = cluster.list(POD.apiVersion, POD.kind, {
      namespace,
      labels: { 'strimzi.io/cluster': name, 'strimzi.io/pool-name': poolName },
    });
    for (const pod of existing) {
      if (!ids.some((id) => pod.metadata.name === `${name}-${poolName}-${id}`) && !deleting(pod)) {
        cluster.delete(keyOf(pod), { detail: 'node removed from the pool' });
      }
    }
    const roles = list(record(pool.spec).roles);
    for (const id of ids) {
      const podName = `${name}-${poolName}-${id}`;
      const pod = cluster.get(POD.apiVersion, POD.kind, namespace, podName);
      if (!pod) {
        pending ||= !firstDeploy;
        const created = cluster.create(
          {
            apiVersion: POD.apiVersion,
            kind: POD.kind,
            metadata: {
              name: podName,
              namespace,
              labels: strimziLabels(kafka, {
                'strimzi.io/name': `${name}-kafka`,
                'strimzi.io/pool-name': poolName,
                'strimzi.io/broker-role': String(roles.includes('broker')),
                'strimzi.io/controller-role': String(roles.includes('controller')),
              }),
              annotations: version !== undefined ? { 'strimzi.io/kafka-version': version } : {},
              ownerReferences: [ownerRef(kafka, false, false)],
            },
            spec: {},
          },
          `node ${id} of KafkaNodePool ${poolName}`,
        );
        if (firstDeploy) writeStatus(cluster, created, READY_POD(now), 'Ready');
        continue;
      }
      const ready = list(record(pod.status).conditions).some(
        (c) => record(c).type === 'Ready' && record(c).status === 'True',
      );
      if (!ready) {
        pending = true;
        writeStatus(cluster, pod, READY_POD(now), 'Ready');
        continue;
      }
      if (version !== undefined && pod.metadata.annotations?.['strimzi.io/kafka-version'] !== version) {
        pending = true;
        if (rolled) continue;
        rolled = true;
        cluster.modify(
          keyOf(pod),
          (p) => {
            p.metadata.annotations = {
              ...(p.metadata.annotations ?? {}),
              'strimzi.io/kafka-version': version,
            };
            return true;
          },
          `rolled to Kafka ${version}`,
        );
      }
    }
  }
  return pending;
}
