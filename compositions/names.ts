// Child names. Each operator derives further names from the CR name (StatefulSets, Services, pods,
// PVCs); each component's `naming.maxLength` is the longest base name whose derived names all stay
// legal. A StatefulSet name must stay ≤ 52 characters (its pods carry a `controller-revision-hash`
// label of `<name>-<10 chars>`), a Service ≤ 63 and start with a letter (DNS-1035), a pod hostname ≤ 63.
import type { Component } from './component.js';
import { stableHash } from './hash.js';

export const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

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
export function baseNameProblem(component: Component, name: string): string | undefined {
  const { maxLength, reason } = component.naming;
  if (!DNS_LABEL.test(name)) {
    return `spec.${component.name}.name "${name}" must be a DNS label that starts with a letter (lowercase letters, digits and "-")`;
  }
  if (name.length > maxLength) {
    return `spec.${component.name}.name "${name}" is ${name.length} characters; at most ${maxLength} fit (${reason})`;
  }
  return undefined;
}
