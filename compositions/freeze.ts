// Freezing an observed child: what to return for a child we must keep but cannot (or must not)
// recompute. Echoing the observed object would make its operator finalizers and defaults "ours",
// and the next valid sync would strip them, so we return what Metacontroller last applied (a no-op
// three-way merge) or, without that, only the object's identity (decision 7).
import type { Child, KubeObject } from './kube.js';

export const LAST_APPLIED_ANNOTATION = 'metacontroller.k8s.io/last-applied-configuration';

/**
 * Whether Metacontroller has applied this object for us (dynamic-apply records what it applied). A
 * custom resource of ours was created only once its credential Secrets were observed (decision 4);
 * one without the record was made by someone else (the reference operator, before a takeover).
 */
export const appliedByMetacontroller = (object: KubeObject): boolean =>
  object.metadata.annotations?.[LAST_APPLIED_ANNOTATION] !== undefined;

export function freeze(observed: KubeObject): Child {
  const lastApplied = parseLastApplied(observed);
  if (lastApplied) return lastApplied;
  return {
    apiVersion: observed.apiVersion,
    kind: observed.kind,
    metadata: {
      name: observed.metadata.name,
      ...(observed.metadata.labels ? { labels: { ...observed.metadata.labels } } : {}),
    },
  };
}

function parseLastApplied(observed: KubeObject): Child | undefined {
  const text = observed.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const candidate = value as Partial<Child> & { metadata?: Record<string, unknown>; status?: unknown };
  if (
    candidate.apiVersion !== observed.apiVersion ||
    candidate.kind !== observed.kind ||
    candidate.metadata?.name !== observed.metadata.name
  ) {
    return undefined;
  }
  // Metacontroller records the namespace it defaulted; children must not name one (it is implied).
  const { namespace: _namespace, generateName: _generateName, ...metadata } = candidate.metadata;
  const { status: _status, ...rest } = candidate;
  return { ...rest, metadata: applicableMetadata(metadata) } as Child;
}

/**
 * An annotation edited by hand may hold metadata no API server accepted (labels null, a finalizer
 * list that is a string, a label value over 63 characters). Keep what a child may carry and drop
 * the rest: the live object cannot hold the dropped values, so the three-way merge changes nothing
 * for them, and a malformed record never turns a sync into a 500.
 */
function applicableMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const strings = (value: unknown, valid: (s: string) => boolean) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === 'string' && valid(v)))
      : undefined;
  const applicable: Record<string, unknown> = {};
  // Field by field, in the recorded order, so a well-formed record comes back byte-identical.
  for (const [key, value] of Object.entries(metadata)) {
    const kept =
      key === 'labels'
        ? strings(value, (v) => v.length <= 63)
        : key === 'annotations'
          ? strings(value, () => true)
          : key === 'finalizers'
            ? Array.isArray(value)
              ? value.filter((f) => typeof f === 'string')
              : undefined
            : value;
    if (kept !== undefined) applicable[key] = kept;
  }
  return applicable;
}

/**
 * `object` with the field at `path` set to `value`: the maps on the path are copied, nothing else
 * is, and a missing map on the path is created. For retention knobs, set on a frozen child.
 */
export function withField<T extends object>(
  object: T,
  path: readonly [string, ...string[]],
  value: unknown,
): T {
  const [key, ...rest] = path;
  const current = (object as Record<string, unknown>)[key];
  const inner =
    rest.length === 0
      ? value
      : withField(
          current !== null && typeof current === 'object' && !Array.isArray(current) ? current : {},
          rest as [string, ...string[]],
          value,
        );
  return { ...object, [key]: inner };
}
