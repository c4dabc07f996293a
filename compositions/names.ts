// Child names. Each operator derives further names from the CR name (StatefulSets, Services,
// pods, PVCs); every budget below is the longest base name whose derived names all stay legal.
import { stableHash } from './hash.js';

export const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Longest base name per component, and why. A StatefulSet name must stay ≤ 52 characters
 * (its pods carry a `controller-revision-hash` label of `<name>-<10 chars>`), a Service ≤ 63
 * and start with a letter (DNS-1035), a pod hostname ≤ 63.
 */
export const BASE_NAME_BUDGETS = {
  // Percona: PerconaXtraDBCluster `<base>-cluster`, and the operator caps cluster names at 22.
  mysql: { max: 14, reason: 'Percona limits the cluster name `<name>-cluster` to 22 characters' },
  // Opstree: Service `<base>-sentinel-additional` ≤ 63 and StatefulSet `<base>-sentinel` ≤ 52.
  redis: { max: 43, reason: 'Opstree derives the Service `<name>-sentinel-additional` (≤ 63 characters)' },
  // Strimzi: pods `<base>-<base>-node-pool-<id>` ≤ 63 with up to 3-digit node IDs.
  kafka: { max: 23, reason: 'Strimzi derives pod names `<name>-<name>-node-pool-<id>` (≤ 63 characters)' },
  // MinIO: StatefulSet `<base>-<base>-pool` ≤ 52.
  minio: { max: 23, reason: 'MinIO derives the StatefulSet `<name>-<name>-pool` (≤ 52 characters)' },
  // Altinity: cluster name `<base>` ≤ 15 (CRD pattern); StatefulSets `chi-<base>-install-<base>-0-N` ≤ 52.
  clickhouse: { max: 15, reason: 'Altinity limits the cluster name to 15 characters' },
} as const;

export type BudgetedComponent = keyof typeof BASE_NAME_BUDGETS;

/**
 * Fit a derived (not user-given) name into `max` characters: DNS-label characters only, starting
 * with a letter, and when too long a prefix plus `-` plus 5 hex characters of a stable hash of the
 * full name, so two long parents that share a prefix still get distinct names.
 */
export function fitName(name: string, max: number): string {
  let label = name.toLowerCase().replace(/[^-a-z0-9]/g, '-');
  if (!/^[a-z]/.test(label)) label = `w${label}`;
  label = trimEnd(label, '-');
  if (label.length <= max) return label;
  const suffix = stableHash(name).slice(0, 5);
  const prefix = trimEnd(label.slice(0, max - suffix.length - 1), '-');
  return `${prefix}-${suffix}`;
}

/** `text` without trailing `characters`; a loop, since /[-]+$/ backtracks quadratically on long runs. */
export function trimEnd(text: string, characters: string): string {
  let end = text.length;
  while (end > 0 && characters.includes(text.charAt(end - 1))) end--;
  return text.slice(0, end);
}

/** Why a user-given base name cannot be used for `component`, or undefined when it can. */
export function baseNameProblem(component: BudgetedComponent, name: string): string | undefined {
  const budget = BASE_NAME_BUDGETS[component];
  if (!DNS_LABEL.test(name)) {
    return `spec.${component}.name "${name}" must be a DNS label that starts with a letter (lowercase letters, digits and "-")`;
  }
  if (name.length > budget.max) {
    return `spec.${component}.name "${name}" is ${name.length} characters; at most ${budget.max} fit (${budget.reason})`;
  }
  return undefined;
}
