import { CHILD_KINDS } from '../../compositions/kube.js';
import { parseQuantity } from '../../compositions/quantity.js';
import { deepEqual, keyOf, type Obj } from '../cluster.js';
import {
  count,
  deleting,
  ensure,
  type Json,
  list,
  type Operator,
  opaqueSecret,
  ownerRef,
  PVC,
  pvc,
  record,
  STORAGE_CLASS,
  storageOf,
  text,
  writeStatus,
} from './operator.js';
import { assignNodeIds, rebalanceState, reconcilePods, strimziLabels } from './strimzi-nodes.js';
import { growClaim } from './volumes.js';

const KAFKA = CHILD_KINDS.Kafka;
const NODE_POOL = CHILD_KINDS.KafkaNodePool;
export const STRIMZI_PAUSE_ANNOTATION = 'strimzi.io/pause-reconciliation';
const STRIMZI_VERSION = '0.49.1';

interface PoolVolume {
  readonly name: (kafka: string, pool: string, node: number) => string;
  readonly size: string;
  readonly deleteClaim: boolean;
}

function poolVolumes(pool: Obj): PoolVolume[] {
  const storage = record(record(pool.spec).storage);
  const claim = (v: Json): boolean => v.type === 'persistent-claim';
  if (storage.type === 'jbod') {
    return list(storage.volumes)
      .map(record)
      .filter(claim)
      .map((v) => ({
        name: (kafka, poolName, node) => `data-${count(v.id, 0)}-${kafka}-${poolName}-${node}`,
        size: text(v.size) ?? '1Gi',
        deleteClaim: v.deleteClaim === true,
      }));
  }
  return claim(storage)
    ? [
        {
          name: (k, p, n) => `data-${k}-${p}-${n}`,
          size: text(storage.size) ?? '1Gi',
          deleteClaim: storage.deleteClaim === true,
        },
      ]
    : [];
}

const CA_SECRETS = [
  'cluster-ca-cert',
  'cluster-ca',
  'clients-ca-cert',
  'clients-ca',
  'cluster-operator-certs',
];

/**
 * Strimzi: a new Kafka gets `NotReady`/`Creating`, then a reconcile makes it `Ready` with
 * `clusterId` and `observedGeneration`, and the pools' status (`observedGeneration`, `replicas`,
 * `clusterId`). PVCs `data-<id>-<kafka>-<pool>-<node>` are owned (controller: false) by their pool
 * exactly while `deleteClaim` is true, as of the pool's last reconcile. The CA Secrets copy the
 * Kafka's labels, `controller-uid` included, and have `controller: false` owner references to it.
 * The pause annotation yields `ReconciliationPaused` and nothing else. The KRaft cluster ID is
 * written on each volume when it is formatted; a Kafka whose ID differs from a volume's never
 * becomes ready (`NotReady`, reason `TimeoutException`, as when the brokers crash-loop).
 */
/** What Strimzi's volumes hold that no API object records. */
export interface StrimziMemory {
  /** The `cluster.id` in each volume's meta.properties, by PVC uid. */
  readonly formattedClusterIds: Map<string, string>;
}

/**
 * The StorageClasses whose `allowVolumeExpansion` is true. The simulator's one class is taken to allow
 * it (real local-path does not); a test passes `[]` to see Strimzi refuse a growth.
 */
export interface StrimziOptions {
  readonly expandableClasses?: readonly string[];
}

const condition = (type: string, reason: string, message: string, now: string) => ({
  type,
  status: 'True',
  reason,
  message,
  lastTransitionTime: now,
});

export const strimzi = (
  memory: StrimziMemory = { formattedClusterIds: new Map() },
  options: StrimziOptions = {},
): Operator => ({
  name: 'strimzi',
  step({ cluster, now, random }) {
    for (const kafka of cluster.list(KAFKA.apiVersion, KAFKA.kind)) {
      if (deleting(kafka)) continue;
      const namespace = kafka.metadata.namespace ?? '';
      const name = kafka.metadata.name;
      const status = record(kafka.status);
      const generation = kafka.metadata.generation ?? 0;

      if (kafka.metadata.annotations?.[STRIMZI_PAUSE_ANNOTATION] === 'true') {
        // createStatus() keeps only the cluster ID; observedGeneration stays where it was.
        writeStatus(
          cluster,
          kafka,
          {
            ...(typeof status.clusterId === 'string' ? { clusterId: status.clusterId } : {}),
            conditions: [{ type: 'ReconciliationPaused', status: 'True', lastTransitionTime: now }],
            observedGeneration: count(status.observedGeneration, 0),
          },
          'ReconciliationPaused',
        );
        continue;
      }
      if (kafka.status === undefined || Object.keys(status).length === 0) {
        writeStatus(
          cluster,
          kafka,
          {
            conditions: [
              {
                type: 'NotReady',
                status: 'True',
                reason: 'Creating',
                message: 'Kafka cluster is being deployed',
                lastTransitionTime: now,
              },
            ],
          },
          'NotReady (Creating)',
        );
        continue;
      }

      const pools = cluster.list(NODE_POOL.apiVersion, NODE_POOL.kind, {
        namespace,
        labels: { 'strimzi.io/cluster': name },
      });
      if (pools.length === 0) {
        writeStatus(
          cluster,
          kafka,
          {
            ...status,
            observedGeneration: generation,
            conditions: [
              {
                type: 'NotReady',
                status: 'True',
                reason: 'InvalidResourceException',
                message: `No KafkaNodePools found for Kafka cluster ${name}`,
                lastTransitionTime: now,
              },
            ],
          },
          'NotReady (no KafkaNodePools)',
        );
        continue;
      }

      const poolClusterId = pools.map((p) => text(record(p.status).clusterId)).find((id) => id !== undefined);
      const clusterId =
        text(status.clusterId) ?? poolClusterId ?? Buffer.from(random(16)).toString('base64url');
      let mismatch: { volume: string; found: string } | undefined;
      const spec = record(record(kafka.spec).kafka);
      const modes = list(record(record(kafka.spec).cruiseControl).autoRebalance).map((m) => record(m).mode);
      const previousRebalance = record(status.autoRebalance);
      const assigned = assignNodeIds(pools);
      // BrokersInUseCheck: every broker holds a partition of some topic (internal ones at least), so a
      // scale-down is reverted with a warning; with auto-rebalance Cruise Control first empties the
      // brokers (one round here) and the next reconcile removes them.
      const blocked = pools.flatMap((p) => assigned.get(p.metadata.name)?.removed ?? []);
      const emptied = blocked.length > 0 && previousRebalance.state === 'RebalanceOnScaleDown';
      const warnings: Json[] = [];
      const nodeIds = new Map<string, number[]>();
      for (const pool of pools) {
        const { ids, removed } = assigned.get(pool.metadata.name) ?? { ids: [], removed: [] };
        const kept = removed.length > 0 && !emptied ? [...ids, ...removed] : ids;
        nodeIds.set(pool.metadata.name, kept);
        if (kept.length > ids.length) {
          warnings.push(
            condition(
              'Warning',
              'ScaleDownPreventionCheck',
              `Reverting scale-down of KafkaNodePool ${pool.metadata.name} by changing number of replicas to ${kept.length}`,
              now,
            ),
          );
        }
      }
      const expandable = options.expandableClasses ?? [STORAGE_CLASS];

      for (const pool of pools) {
        const poolName = pool.metadata.name;
        const ids = nodeIds.get(poolName) ?? [];
        for (const volume of poolVolumes(pool)) {
          for (const node of ids) {
            const claimName = volume.name(name, poolName, node);
            const owner = ownerRef(pool, false, false);
            const labels = strimziLabels(kafka, {
              'strimzi.io/name': `${name}-kafka`,
              'strimzi.io/pool-name': poolName,
            });
            const annotations = { 'strimzi.io/delete-claim': String(volume.deleteClaim) };
            let claim = cluster.get(PVC.apiVersion, PVC.kind, namespace, claimName);
            if (!claim) {
              claim = cluster.create(
                pvc(namespace, claimName, volume.size, {
                  labels,
                  annotations,
                  owners: volume.deleteClaim ? [owner] : [],
                }),
                `deleteClaim ${volume.deleteClaim}`,
              );
            } else {
              // PvcReconciler: a larger size is patched only where the StorageClass allows expansion.
              const storageClass = text(record(claim.spec).storageClassName) ?? '';
              if ((parseQuantity(volume.size) ?? 0) > (parseQuantity(storageOf(claim.spec)) ?? 0)) {
                if (expandable.includes(storageClass)) {
                  growClaim(cluster, claim, volume.size, 'PvcReconciler');
                } else {
                  warnings.push(
                    condition(
                      'Warning',
                      'PvcResizingWarning',
                      `Storage Class ${storageClass} does not support resizing of volumes. PVC ${claimName} cannot be resized.`,
                      now,
                    ),
                  );
                }
              }
              // deleteClaim is applied by re-owning the claims at each reconcile.
              cluster.modify(
                keyOf(claim),
                (c) => {
                  const others = (c.metadata.ownerReferences ?? []).filter(
                    (r) => r.uid !== pool.metadata.uid,
                  );
                  const owners = volume.deleteClaim ? [...others, owner] : others;
                  const nextAnnotations = { ...(c.metadata.annotations ?? {}), ...annotations };
                  if (
                    deepEqual(owners, c.metadata.ownerReferences ?? []) &&
                    deepEqual(nextAnnotations, c.metadata.annotations ?? {})
                  ) {
                    return false;
                  }
                  c.metadata.ownerReferences = owners;
                  c.metadata.annotations = nextAnnotations;
                  return true;
                },
                `deleteClaim ${volume.deleteClaim}: owner reference to KafkaNodePool ${poolName} ${volume.deleteClaim ? 'set' : 'removed'}`,
              );
            }
            const uid = claim.metadata.uid ?? '';
            const formatted = memory.formattedClusterIds.get(uid);
            if (formatted === undefined) memory.formattedClusterIds.set(uid, clusterId);
            else if (formatted !== clusterId) mismatch ??= { volume: claimName, found: formatted };
          }
        }
      }

      for (const suffix of CA_SECRETS) {
        const secretName = `${name}-${suffix}`;
        const labels = strimziLabels(kafka, { 'strimzi.io/name': secretName });
        const existing = ensure(
          cluster,
          opaqueSecret(
            namespace,
            secretName,
            { 'ca.crt': 'emulated' },
            { labels, ownerReferences: [ownerRef(kafka, false, true)] },
          ),
          'labels copied from the Kafka; owner reference controller: false',
        );
        if (!deepEqual(existing.metadata.labels ?? {}, labels)) {
          cluster.modify(
            keyOf(existing),
            (s) => {
              s.metadata.labels = labels;
              return true;
            },
            'labels copied from the Kafka',
          );
        }
      }

      // Pool statuses are written before the brokers are rolled and waited for.
      for (const pool of pools) {
        const ids = nodeIds.get(pool.metadata.name) ?? [];
        const roles = list(record(pool.spec).roles)
          .filter((r): r is string => typeof r === 'string')
          .sort();
        writeStatus(
          cluster,
          pool,
          {
            observedGeneration: pool.metadata.generation ?? 0,
            nodeIds: ids,
            clusterId,
            roles,
            replicas: ids.length,
            labelSelector: `strimzi.io/cluster=${name},strimzi.io/name=${name}-kafka,strimzi.io/kind=Kafka,strimzi.io/pool-name=${pool.metadata.name}`,
          },
          `observedGeneration ${pool.metadata.generation ?? 0}, replicas ${ids.length}, clusterId ${clusterId}`,
        );
      }

      const version = text(spec.version);
      const rolling = reconcilePods(
        cluster,
        kafka,
        pools,
        nodeIds,
        version,
        now,
        status.kafkaVersion === undefined,
      );

      const kafkaNodePools = pools.map((p) => ({ name: p.metadata.name }));
      if (mismatch) {
        writeStatus(
          cluster,
          kafka,
          {
            observedGeneration: generation,
            ...(typeof status.clusterId === 'string' ? { clusterId: status.clusterId } : {}),
            kafkaNodePools,
            conditions: [
              {
                type: 'NotReady',
                status: 'True',
                reason: 'TimeoutException',
                message: `Exceeded timeout of 300000ms while waiting for Pods resource ${name}-${pools[0]?.metadata.name}-0 in namespace ${namespace} to be ready`,
                lastTransitionTime: now,
              },
            ],
          },
          `NotReady: brokers crash-loop, volume ${mismatch.volume} holds cluster ID ${mismatch.found}, not ${clusterId}`,
        );
        continue;
      }
      const added = pools.flatMap((p) => {
        const before = list(record(p.status).nodeIds);
        return (nodeIds.get(p.metadata.name) ?? []).filter((id) => !before.includes(id));
      });
      const autoRebalance =
        modes.length === 0
          ? undefined
          : rebalanceState(previousRebalance, blocked, emptied, added, modes, now);
      if (rolling) {
        // The reconcile is still rolling: nothing but the warnings and the rebalance is written yet.
        writeStatus(
          cluster,
          kafka,
          {
            ...status,
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }, ...warnings],
            ...(autoRebalance ? { autoRebalance } : {}),
          },
          'rolling the brokers',
        );
        continue;
      }
      // KRaftVersionChangeCreator: the metadata level moves only in a reconcile without a version change.
      const level =
        status.kafkaVersion !== undefined && status.kafkaVersion !== version
          ? text(status.kafkaMetadataVersion)
          : text(spec.metadataVersion);
      writeStatus(
        cluster,
        kafka,
        {
          observedGeneration: generation,
          clusterId,
          kafkaNodePools,
          listeners: list(spec.listeners).map((l) => {
            const host = `${name}-kafka-bootstrap.${namespace}.svc`;
            const port = count(record(l).port, 9092);
            return { name: record(l).name, bootstrapServers: `${host}:${port}`, addresses: [{ host, port }] };
          }),
          ...(version !== undefined ? { kafkaVersion: version } : {}),
          ...(level !== undefined ? { kafkaMetadataVersion: level } : {}),
          operatorLastSuccessfulVersion: STRIMZI_VERSION,
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }, ...warnings],
          ...(autoRebalance ? { autoRebalance } : {}),
        },
        `Ready, clusterId ${clusterId}, observedGeneration ${generation}`,
      );
    }
  },
});
