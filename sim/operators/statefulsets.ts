import { stableHash } from '../../compositions/hash.js';
import type { Cluster, Obj } from '../cluster.js';
import {
  count,
  deleting,
  ensure,
  type Json,
  list,
  type Operator,
  pvc,
  range,
  record,
  STATEFUL_SET,
  storageOf,
  text,
  writeStatus,
} from './operator.js';

/**
 * What kube-controller-manager does for the StatefulSets operators create: when it creates pods
 * (a new StatefulSet, or a scale-up) it creates their claims from the volume claim templates,
 * `<template>-<statefulset>-<ordinal>` without owner references; `observedGeneration` first, all
 * pods ready one step later.
 */
export const statefulSets = (): Operator => ({
  name: 'kube-controller-manager',
  step({ cluster }) {
    for (const sts of cluster.list(STATEFUL_SET.apiVersion, STATEFUL_SET.kind)) {
      if (deleting(sts)) continue;
      const spec = record(sts.spec);
      const replicas = count(spec.replicas, 1);
      const status = record(sts.status);
      const generation = sts.metadata.generation ?? 0;
      const existingPods = count(status.replicas, 0);
      // OrderedReady: a running StatefulSet that scales out creates its new pods one per step, each
      // once the one before is ready; a new StatefulSet's come up together here.
      const created = existingPods > 0 && existingPods < replicas ? existingPods + 1 : replicas;
      if (status.observedGeneration === generation) {
        if (existingPods < created) {
          createClaims(cluster, sts, existingPods, created);
          writeStatus(
            cluster,
            sts,
            statefulSetStatus(sts, existingPods, created),
            `pod ${existingPods} created`,
          );
        } else if (count(status.readyReplicas, 0) !== replicas) {
          writeStatus(cluster, sts, statefulSetStatus(sts, replicas), `${replicas}/${replicas} ready`);
        }
        continue;
      }
      createClaims(cluster, sts, existingPods, created);
      const ready = Math.min(count(status.readyReplicas, 0), created);
      writeStatus(
        cluster,
        sts,
        statefulSetStatus(sts, ready, created),
        `observedGeneration ${generation}, ${ready}/${replicas} ready`,
      );
    }
  },
});

/** The claims of the pods `from` ≤ ordinal < `to`, from the volume claim templates. */
function createClaims(cluster: Cluster, sts: Obj, from: number, to: number): void {
  const namespace = sts.metadata.namespace ?? '';
  for (const template of list(record(sts.spec).volumeClaimTemplates).map(record)) {
    const meta = record(template.metadata);
    const labels = record(meta.labels) as Record<string, string>;
    for (const ordinal of range(to).filter((o) => o >= from)) {
      ensure(
        cluster,
        pvc(namespace, `${text(meta.name)}-${sts.metadata.name}-${ordinal}`, storageOf(template.spec), {
          labels,
        }),
      );
    }
  }
}

/** A StatefulSet's status with `ready` pods, every pod at the one revision; zero counts are omitted (omitempty). */
function statefulSetStatus(sts: Obj, ready: number, replicas = count(record(sts.spec).replicas, 1)): Json {
  const revision = `${sts.metadata.name}-${stableHash(sts.metadata.name).slice(0, 10)}`;
  return {
    observedGeneration: sts.metadata.generation ?? 0,
    replicas,
    ...(ready > 0 ? { readyReplicas: ready, availableReplicas: ready } : {}),
    currentReplicas: replicas,
    updatedReplicas: replicas,
    currentRevision: revision,
    updateRevision: revision,
    collisionCount: 0,
  };
}
