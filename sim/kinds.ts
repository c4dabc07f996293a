// The kinds the simulator's API server knows: the children, what the hooks read, and what the
// operators create, with what discovery and kubectl need (plural resource, short names) and how
// the API server treats them (generation, status subresource).
import type { Component } from '../compositions/component.js';
import { COMPONENTS } from '../compositions/components/index.js';
import { RELATED_KINDS } from '../compositions/kube.js';

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

/** Short names kubectl accepts, by kind (the CRDs' and the core API's). */
const SHORT_NAMES: Readonly<Record<string, readonly string[]>> = {
  WeightsAndBiases: ['wandb'],
  PerconaXtraDBCluster: ['pxc', 'pxcs'],
  Kafka: ['k'],
  KafkaNodePool: ['knp'],
  ClickHouseInstallation: ['chi'],
  ClickHouseKeeperInstallation: ['chk'],
  StatefulSet: ['sts'],
  ConfigMap: ['cm'],
  PersistentVolumeClaim: ['pvc'],
};

const info = (
  ref: { apiVersion: string; kind: string; resource: string },
  generation = true,
  statusSubresource = true,
): KindInfo => ({
  apiVersion: ref.apiVersion,
  kind: ref.kind,
  resource: ref.resource,
  shortNames: SHORT_NAMES[ref.kind] ?? [],
  generation,
  statusSubresource,
});

/** The child kinds a registry's components declare, in registry order (the CompositeController's). */
export const childKinds = (registry: readonly Component[] = COMPONENTS): KindInfo[] =>
  registry.flatMap((component) => component.kinds.map(({ ref }) => info(ref)));

/** Every kind the simulator knows with a registry: the children, what the hooks read, what operators create. */
export const kindsOf = (registry: readonly Component[] = COMPONENTS): KindInfo[] => [
  info(RELATED_KINDS.WeightsAndBiases),
  ...childKinds(registry),
  info(RELATED_KINDS.StatefulSet),
  info(RELATED_KINDS.Secret, false, false),
  info({ apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' }, false, false),
  info(RELATED_KINDS.PersistentVolumeClaim, false),
  info(RELATED_KINDS.Pod, false),
];

/** The kinds with the default registry. */
export const KINDS: readonly KindInfo[] = kindsOf();

export const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';

/** Whether an object is of a kind, as the API server matches them: by group, whatever the version. */
export const isKind = (object: { apiVersion: string; kind: string }, kind: KindInfo): boolean =>
  groupOf(object.apiVersion) === groupOf(kind.apiVersion) && object.kind === kind.kind;

export function kindInfo(apiVersion: string, kind: string): KindInfo | undefined {
  return KINDS.find((k) => groupOf(k.apiVersion) === groupOf(apiVersion) && k.kind === kind);
}

/** A kind by `apiVersion` + plural resource, as in Metacontroller's childResources and related rules. */
export const kindByResource = (
  apiVersion: string,
  resource: string,
  kinds: readonly KindInfo[] = KINDS,
): KindInfo | undefined => kinds.find((k) => k.apiVersion === apiVersion && k.resource === resource);

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
