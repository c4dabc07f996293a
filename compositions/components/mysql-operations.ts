// What Percona 1.18.0 is still carrying out on a PerconaXtraDBCluster (issue 15): a storage growth, a
// scaling or an image roll, read from the observed cluster's spec against its status and from the
// node volumes (docs/day2-operators.md §2). Kept apart from mysql.ts, which builds the objects.
import { field, type KubeObject, numberField, stringField } from '../kube.js';
import type { Operation } from '../operations.js';
import { parseQuantity } from '../quantity.js';

/** Percona's annotation on the cluster while it resizes the PVCs; its value is the start (RFC 3339). */
export const RESIZE_ANNOTATION = 'percona.com/pvc-resize-in-progress';

/** The words of Percona's reconcile errors about volumes (volumes.go): a failed resize, and a shrink. */
const RESIZE_FAILURES = ['pvc resize failed', 'requested storage'];

export const STORAGE_PATH = [
  'spec',
  'pxc',
  'volumeSpec',
  'persistentVolumeClaim',
  'resources',
  'requests',
  'storage',
] as const;

const GIB = 2 ** 30;

/** Percona rounds the requested size up to whole GiB before it compares or patches (RoundUpGiB). */
export const roundedUpGiB = (size: string): number | undefined => {
  const bytes = parseQuantity(size);
  return bytes === undefined ? undefined : Math.ceil(bytes / GIB) * GIB;
};

/** Percona's own messages (`status.message`), newest error first as Percona lists them. */
function operatorMessages(pxc: KubeObject): string[] {
  const messages = field(pxc, 'status', 'message');
  return Array.isArray(messages)
    ? messages.filter((m): m is string => typeof m === 'string' && m !== '')
    : [];
}

export interface PerconaReading {
  readonly pxc: KubeObject;
  /** The node volumes `datadir-<cluster>-pxc-<i>` observed, by name. */
  readonly volumes: ReadonlyMap<string, KubeObject>;
  /** The storage size the hooks write (spec.mysql.storageSize), for the failed growth's message. */
  readonly storageSize: string;
}

export function perconaOperations({ pxc, volumes, storageSize }: PerconaReading): Operation[] {
  const cluster = pxc.metadata.name;
  const state = stringField(pxc, 'status', 'state') ?? 'unset';
  const size = numberField(pxc, 'spec', 'pxc', 'size') ?? 0;
  const ready = numberField(pxc, 'status', 'pxc', 'ready') ?? 0;
  const runningImage = stringField(pxc, 'status', 'pxc', 'image');
  const wantedImage = stringField(pxc, 'spec', 'pxc', 'image');
  const operations: Operation[] = [];

  const resize = resizeOperation(pxc, volumes, storageSize, state);
  if (resize) operations.push(resize);

  // Percona writes status.pxc.image once a node of the cluster has been ready: an image that differs
  // from the spec's is a roll in flight, and status.pxc.ready counts the nodes on the new revision.
  if (runningImage && wantedImage && runningImage !== wantedImage) {
    operations.push({
      kind: 'Upgrading',
      change: `image ${runningImage} → ${wantedImage}`,
      progress: `${ready} of ${size} nodes ready on the new image (status.state ${state})`,
      ...(state === 'error' ? { failed: operatorMessages(pxc)[0] ?? 'status.state is error' } : {}),
    });
  }

  const scaling = scalingOperation(pxc, volumes, { size, ready, state, hasRun: runningImage !== undefined });
  if (scaling) operations.push(scaling);
  return operations.map((o) => ({ ...o, change: `${o.change} of PerconaXtraDBCluster ${cluster}` }));
}

/**
 * A growth in flight carries Percona's annotation. A failed one (StorageClass without expansion,
 * quota) makes Percona set our CR's size back and fail the reconcile; Metacontroller then writes our
 * size again and Percona retries, so the failure is reported, with Percona's words, until the cause is
 * fixed or the spec goes back to the size the volumes have.
 */
function resizeOperation(
  pxc: KubeObject,
  volumes: ReadonlyMap<string, KubeObject>,
  storageSize: string,
  state: string,
): Operation | undefined {
  const started = pxc.metadata.annotations?.[RESIZE_ANNOTATION];
  const failure = operatorMessages(pxc).find((m) => RESIZE_FAILURES.some((words) => m.includes(words)));
  const observedSize = stringField(pxc, ...STORAGE_PATH) ?? 'unset';
  if (failure && (state === 'error' || started)) {
    return {
      kind: 'Resizing',
      change: `volumes ${observedSize} → ${storageSize}`,
      progress:
        `Percona set the volume size back to ${observedSize}; the hooks write ${storageSize} again on every sync and ` +
        `Percona retries, until the cause is fixed or spec.mysql.storageSize is set back to ${observedSize}`,
      failed: failure.slice(0, 300),
    };
  }
  if (!started) return undefined;
  const wanted = roundedUpGiB(observedSize);
  const claims = [...volumes.values()];
  const grown = claims.filter((claim) => {
    const capacity = parseQuantity(stringField(claim, 'status', 'capacity', 'storage') ?? '');
    return wanted !== undefined && capacity !== undefined && capacity >= wanted;
  });
  return {
    kind: 'Resizing',
    change: `volumes to ${observedSize}`,
    progress: `${grown.length} of ${claims.length} node volumes grown (Percona started ${started}, status.state ${state})`,
  };
}

/**
 * Percona's status keeps no previous size: a new size it has not yet taken up shows as
 * `status.pxc.size`, and a scale-out in flight as nodes of the spec whose volume does not exist yet
 * (the StatefulSet creates them one after the other). A cluster that never ran (no status.pxc.image)
 * is being created, not scaled.
 */
function scalingOperation(
  pxc: KubeObject,
  volumes: ReadonlyMap<string, KubeObject>,
  { size, ready, state, hasRun }: { size: number; ready: number; state: string; hasRun: boolean },
): Operation | undefined {
  if (!hasRun) return undefined;
  const reported = numberField(pxc, 'status', 'pxc', 'size');
  if (reported !== undefined && reported !== size) {
    return {
      kind: size > reported ? 'ScalingOut' : 'ScalingIn',
      change: `${reported} → ${size} nodes`,
      progress: `Percona has not yet taken up the new size (status.state ${state})`,
    };
  }
  const cluster = pxc.metadata.name;
  const missing = Array.from({ length: size }, (_, i) => i).filter(
    (i) => !volumes.has(`datadir-${cluster}-pxc-${i}`),
  );
  if (missing.length === 0) return undefined;
  return {
    kind: 'ScalingOut',
    change: `to ${size} nodes`,
    progress: `${ready} of ${size} nodes ready; node ${missing.join(', ')} not yet created (status.state ${state})`,
  };
}
