import { stableHash } from '../../compositions/hash.js';
import type { Obj } from '../cluster.js';
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
      const namespace = sts.metadata.namespace ?? '';
      const spec = record(sts.spec);
      const replicas = count(spec.replicas, 1);
      const status = record(sts.status);
      const generation = sts.metadata.generation ?? 0;
      if (status.observedGeneration === generation) {
        if (count(status.readyReplicas, 0) !== replicas) {
          writeStatus(cluster, sts, statefulSetStatus(sts, replicas), `${replicas}/${replicas} ready`);
        }
        continue;
      }
      const existingPods = count(status.replicas, 0);
      for (const template of list(spec.volumeClaimTemplates).map(record)) {
        const meta = record(template.metadata);
        const labels = record(meta.labels) as Record<string, string>;
        for (const ordinal of range(replicas).filter((o) => o >= existingPods)) {
          ensure(
            cluster,
            pvc(namespace, `${text(meta.name)}-${sts.metadata.name}-${ordinal}`, storageOf(template.spec), {
              labels,
            }),
          );
        }
      }
      const ready = Math.min(count(status.readyReplicas, 0), replicas);
      writeStatus(
        cluster,
        sts,
        statefulSetStatus(sts, ready),
        `observedGeneration ${generation}, ${ready}/${replicas} ready`,
      );
    }
  },
});

/** A StatefulSet's status with `ready` pods, every pod at the one revision; zero counts are omitted (omitempty). */
function statefulSetStatus(sts: Obj, ready: number): Json {
  const replicas = count(record(sts.spec).replicas, 1);
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
