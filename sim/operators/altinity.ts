import { CHILD_KINDS } from '../../compositions/kube.js';
import type { Cluster, Obj } from '../cluster.js';
import {
  count,
  deleteIfPresent,
  deleting,
  ensure,
  ensureFinalizer,
  hasFinalizer,
  type Json,
  list,
  type Operator,
  PVC,
  pvc,
  range,
  record,
  releaseFinalizer,
  storageOf,
  text,
  writeStatus,
} from './operator.js';
import { growClaim } from './volumes.js';

const CHI = CHILD_KINDS.ClickHouseInstallation;
const CHK = CHILD_KINDS.ClickHouseKeeperInstallation;
export const CHI_FINALIZER = 'finalizer.clickhouseinstallation.altinity.com';
export const CHK_FINALIZER = 'finalizer.clickhousekeeperinstallation.altinity.com';
/** What every status of operator 0.25.4 carries: its build and the operator pod's address. */
const OPERATOR_STATUS = {
  'chop-version': '0.25.4',
  'chop-commit': '0cf33cf',
  'chop-date': '2025-09-18T10:12:44',
  'chop-ip': '10.42.0.23',
};

interface Installation {
  readonly ref: { apiVersion: string; kind: string };
  readonly finalizer: string;
  /** `chi` or `chk`: the prefix of StatefulSet and PVC names. */
  readonly prefix: string;
  readonly endpoint: (name: string, namespace: string) => string;
}

const INSTALLATIONS: readonly Installation[] = [
  {
    ref: CHI,
    finalizer: CHI_FINALIZER,
    prefix: 'chi',
    endpoint: (n, ns) => `clickhouse-${n}.${ns}.svc.cluster.local`,
  },
  {
    ref: CHK,
    finalizer: CHK_FINALIZER,
    prefix: 'chk',
    endpoint: (n, ns) => `keeper-${n}.${ns}.svc.cluster.local`,
  },
];

interface Host {
  readonly cluster: string;
  readonly shard: number;
  readonly replica: number;
}

function hostsOf(spec: Json): Host[] {
  return list(record(spec.configuration).clusters).flatMap((c) => {
    const cluster = text(record(c).name) ?? 'cluster';
    const layout = record(record(c).layout);
    return range(count(layout.shardsCount, 1)).flatMap((shard) =>
      range(count(layout.replicasCount, 1)).map((replica) => ({ cluster, shard, replica })),
    );
  });
}

/**
 * Altinity: `status.status` InProgress → Completed, one host a step (`hostsCompleted` of `hosts`),
 * `status.taskID` copied from `spec.taskID` (CHI), `status.endpoint`; its finalizer on every
 * installation; PVCs, grown to a larger template request as each host is reconciled,
 * `<template>-chi-<chi>-<cluster>-<shard>-<replica>-0`, deleted at CR deletion unless the template's
 * `reclaimPolicy` (else `defaults.storageManagement.reclaimPolicy`, else Delete) says Retain.
 */
/** What Altinity's operator remembers between reconciles that no API object records. */
export interface AltinityMemory {
  /** The generation each installation was last reconciled at (a Keeper has no taskID). */
  readonly reconciled: Map<string, number>;
}

export const altinity = (memory: AltinityMemory = { reconciled: new Map() }): Operator => ({
  name: 'altinity',
  step({ cluster }) {
    for (const kind of INSTALLATIONS) {
      for (const cr of cluster.list(kind.ref.apiVersion, kind.ref.kind)) reconcile(cluster, memory, kind, cr);
    }
  },
});

function reconcile(cluster: Cluster, memory: AltinityMemory, kind: Installation, cr: Obj): void {
  const namespace = cr.metadata.namespace ?? '';
  const name = cr.metadata.name;
  const spec = record(cr.spec);
  const status = record(cr.status);
  const templates = list(record(spec.templates).volumeClaimTemplates).map(record);
  const claimPrefix = (template: string) => `${template}-${kind.prefix}-${name}-`;

  if (deleting(cr)) {
    if (!hasFinalizer(cr, kind.finalizer)) return;
    if (status.status !== 'Terminating') {
      writeStatus(cluster, cr, { ...status, status: 'Terminating' }, 'status Terminating');
      return;
    }
    const fallback = text(record(record(spec.defaults).storageManagement).reclaimPolicy) || 'Delete';
    for (const claim of cluster.list(PVC.apiVersion, PVC.kind, { namespace })) {
      const template = templates.find((t) => claim.metadata.name.startsWith(claimPrefix(text(t.name) ?? '')));
      if (!template) continue;
      const policy = text(template.reclaimPolicy) || fallback;
      if (policy === 'Delete') {
        deleteIfPresent(cluster, PVC, namespace, claim.metadata.name, `reclaimPolicy ${policy}`);
      }
    }
    releaseFinalizer(cluster, cr, kind.finalizer, 'volumes handled by reclaimPolicy');
    return;
  }

  ensureFinalizer(cluster, cr, kind.finalizer);
  const generation = cr.metadata.generation ?? 0;
  const taskID = kind.ref === CHI ? (text(spec.taskID) ?? `auto-${generation}`) : undefined;
  const hosts = hostsOf(spec);
  const pods = hosts.map((h) => `${kind.prefix}-${name}-${h.cluster}-${h.shard}-${h.replica}-0`);
  const topology = {
    ...OPERATOR_STATUS,
    clusters: new Set(hosts.map((h) => h.cluster)).size,
    shards: new Set(hosts.map((h) => `${h.cluster}/${h.shard}`)).size,
    replicas: Math.max(0, ...hosts.map((h) => h.replica + 1)),
    pods,
    fqdns: pods.map((p) => `${p}.${namespace}.svc.cluster.local`),
  };
  const fresh =
    taskID !== undefined
      ? status.taskID === taskID && typeof status.status === 'string'
      : memory.reconciled.get(cr.metadata.uid ?? '') === generation;

  // Hosts are reconciled in order: each one's data PVC created, or raised to the template's request
  // (never lowered: Altinity keeps the greater value).
  const reconcileHosts = (batch: readonly Host[]) => {
    const dataTemplate = text(record(record(spec.defaults).templates).dataVolumeClaimTemplate);
    const template = templates.find((t) => t.name === dataTemplate);
    if (!template || !dataTemplate) return;
    for (const host of batch) {
      const claim = ensure(
        cluster,
        pvc(
          namespace,
          `${claimPrefix(dataTemplate)}${host.cluster}-${host.shard}-${host.replica}-0`,
          storageOf(template.spec),
          {
            labels: {
              [`clickhouse${kind.prefix === 'chk' ? '-keeper' : ''}.altinity.com/${kind.prefix}`]: name,
              'clickhouse.altinity.com/namespace': namespace,
            },
          },
        ),
      );
      growClaim(cluster, claim, storageOf(template.spec), 'altinity');
    }
  };

  if (!fresh) {
    // A first install takes every host at once (the stories stay short); a later task takes one host
    // a step, which is what a day-2 operation shows.
    const firstInstall = list(status.taskIDsCompleted).length === 0;
    if (firstInstall) reconcileHosts(hosts);
    memory.reconciled.set(cr.metadata.uid ?? '', generation);
    writeStatus(
      cluster,
      cr,
      {
        ...status,
        ...topology,
        status: 'InProgress',
        ...(taskID !== undefined
          ? { taskID, taskIDsStarted: [...list(status.taskIDsStarted), taskID].slice(-10) }
          : {}),
        hosts: hosts.length,
        hostsCompleted: firstInstall ? hosts.length : 0,
      },
      `status InProgress${taskID !== undefined ? ` (task ${taskID})` : ''}`,
    );
    return;
  }
  if (status.status !== 'InProgress') return;
  const done = count(status.hostsCompleted, 0);
  const host = hosts[done];
  if (host) {
    reconcileHosts([host]);
    writeStatus(
      cluster,
      cr,
      { ...status, hostsCompleted: done + 1 },
      `${done + 1} of ${hosts.length} hosts done`,
    );
    return;
  }
  writeStatus(
    cluster,
    cr,
    {
      ...status,
      status: 'Completed',
      ...(taskID !== undefined
        ? { taskIDsCompleted: [...list(status.taskIDsCompleted), taskID].slice(-10) }
        : {}),
      endpoint: kind.endpoint(name, namespace),
      endpoints: [kind.endpoint(name, namespace)],
    },
    `status Completed${taskID !== undefined ? ` (task ${taskID})` : ''}`,
  );
}
