// The kinds the simulator's API server knows: the children, what the hooks read, and what the
// operators create, with what discovery and kubectl need (plural resource, short names) and how
// the API server treats them (generation, status subresource).
import { CHILD_KINDS, RELATED_KINDS } from '../compositions/kube.js';

export interface KindInfo {
  readonly apiVersion: string;
  readonly kind: string;
  /** Plural resource, as customize rules and kubectl name it. */
  readonly resource: string;
  readonly shortNames: readonly string[];
  /** Whether the API server keeps metadata.generation (not for Secrets or PVCs). */
  readonly generation: boolean;
  /** Whether `status` is a subresource that ordinary updates cannot change. */
  readonly statusSubresource: boolean;
}

const info = (
  ref: { apiVersion: string; kind: string; resource: string },
  shortNames: string[],
  generation = true,
  statusSubresource = true,
): KindInfo => ({ ...ref, shortNames, generation, statusSubresource });

/** Every kind the emulator knows: the children, what the hooks read, and what operators create. */
export const KINDS: readonly KindInfo[] = [
  info(RELATED_KINDS.WeightsAndBiases, ['wandb']),
  info(CHILD_KINDS.PerconaXtraDBCluster, ['pxc', 'pxcs']),
  info(CHILD_KINDS.Redis, []),
  info(CHILD_KINDS.RedisReplication, []),
  info(CHILD_KINDS.RedisSentinel, []),
  info(CHILD_KINDS.Kafka, ['k']),
  info(CHILD_KINDS.KafkaNodePool, ['knp']),
  info(CHILD_KINDS.Tenant, []),
  info(CHILD_KINDS.ClickHouseInstallation, ['chi']),
  info(CHILD_KINDS.ClickHouseKeeperInstallation, ['chk']),
  info(RELATED_KINDS.StatefulSet, ['sts']),
  info({ apiVersion: 'v1', kind: 'Secret', resource: 'secrets' }, [], false, false),
  info({ apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' }, ['cm'], false, false),
  info(
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims' },
    ['pvc'],
    false,
  ),
];

export const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';

export function kindInfo(apiVersion: string, kind: string): KindInfo | undefined {
  return KINDS.find((k) => groupOf(k.apiVersion) === groupOf(apiVersion) && k.kind === kind);
}

/** A kind by `apiVersion` + plural resource, as in Metacontroller's childResources and related rules. */
export const kindByResource = (apiVersion: string, resource: string): KindInfo | undefined =>
  KINDS.find((k) => k.apiVersion === apiVersion && k.resource === resource);

/** A kind by the name kubectl accepts: kind, plural, singular, short name, or `<plural>.<group>`. */
export function kindByKubectlName(name: string): KindInfo | undefined {
  const lower = name.toLowerCase();
  return KINDS.find((k) => {
    const group = groupOf(k.apiVersion);
    const singular = k.kind.toLowerCase();
    const names = [singular, k.resource, ...k.shortNames];
    return names.includes(lower) || (group !== '' && names.some((n) => `${n}.${group}` === lower));
  });
}
