// Metacontroller's dynamic-apply as the simulator runs it: the three-way merge of an observed
// object, its last-applied configuration and the desired object, and the annotation written as Go
// marshals it.
import { LAST_APPLIED_ANNOTATION } from '../compositions/freeze.js';
import { ControllerError, clone, describe, type Obj, SYSTEM_FIELDS } from './cluster.js';

// ---- dynamic-apply (pkg/dynamic/apply/apply.go, manage_children.go) ----------------------------

const KNOWN_MERGE_KEYS = ['containerPort', 'port', 'mountPath', 'name', 'uid', 'ip', 'path'];

type Json = unknown;
const isMap = (v: Json): v is Record<string, Json> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The three-way merge: what was last applied and is no longer desired is removed from observed. */
export function merge(destination: Json, lastApplied: Json, desired: Json, path = ''): Json {
  if (isMap(destination)) {
    if (lastApplied !== null && lastApplied !== undefined && !isMap(lastApplied)) {
      throw new ControllerError(`lastApplied${path}: expecting an object`);
    }
    if (desired !== null && desired !== undefined && !isMap(desired)) {
      throw new ControllerError(`desired${path}: expecting an object, got ${JSON.stringify(desired)}`);
    }
    return mergeObject(
      destination,
      isMap(lastApplied) ? lastApplied : {},
      isMap(desired) ? desired : {},
      path,
    );
  }
  if (Array.isArray(destination)) {
    if (lastApplied !== null && lastApplied !== undefined && !Array.isArray(lastApplied)) {
      throw new ControllerError(`lastApplied${path}: expecting a list`);
    }
    if (desired !== null && desired !== undefined && !Array.isArray(desired)) {
      throw new ControllerError(`desired${path}: expecting a list, got ${JSON.stringify(desired)}`);
    }
    return mergeArray(
      destination,
      Array.isArray(lastApplied) ? lastApplied : [],
      Array.isArray(desired) ? desired : [],
      path,
    );
  }
  return clone(desired);
}

function mergeObject(
  destination: Record<string, Json>,
  lastApplied: Record<string, Json>,
  desired: Record<string, Json>,
  path: string,
): Record<string, Json> {
  for (const key of Object.keys(lastApplied)) {
    if (!Object.hasOwn(desired, key)) delete destination[key];
  }
  for (const [key, value] of Object.entries(desired)) {
    destination[key] = merge(destination[key], lastApplied[key], value, `${path}[${key}]`);
  }
  return destination;
}

function mergeArray(destination: Json[], lastApplied: Json[], desired: Json[], path: string): Json {
  const mergeKey = detectListMapKey(destination, lastApplied, desired);
  if (!mergeKey) return clone(desired);
  const keyOfItem = (item: Json) => {
    const value = (item as Record<string, Json>)[mergeKey];
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
  const asMap = (list: Json[]) => Object.fromEntries(list.map((item) => [keyOfItem(item), item]));
  const destMap = asMap(destination);
  mergeObject(destMap, asMap(lastApplied), asMap(desired), path);
  const result: Json[] = [];
  const added = new Set<string>();
  for (const item of [...destination, ...desired]) {
    const key = keyOfItem(item);
    if (added.has(key) || !Object.hasOwn(destMap, key)) continue;
    result.push(destMap[key]);
    added.add(key);
  }
  return result;
}

function detectListMapKey(...lists: Json[][]): string | undefined {
  let common: Set<string> | undefined;
  for (const list of lists) {
    for (const item of list) {
      if (!isMap(item)) return undefined;
      if (common === undefined) common = new Set(Object.keys(item));
      else for (const key of [...common]) if (!Object.hasOwn(item, key)) common.delete(key);
    }
  }
  return KNOWN_MERGE_KEYS.find((key) => common?.has(key));
}

/** Go's json.Marshal of a map: keys sorted at every level, HTML characters escaped. */
export function goJson(value: Json): string {
  const sorted = (v: Json): Json =>
    Array.isArray(v)
      ? v.map(sorted)
      : isMap(v)
        ? Object.fromEntries(
            Object.keys(v)
              .filter((k) => v[k] !== undefined)
              .sort()
              .map((k) => [k, sorted(v[k])]),
          )
        : v;
  return JSON.stringify(sorted(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

export function setLastApplied(object: Obj, content: Json): void {
  object.metadata.annotations = {
    ...(object.metadata.annotations ?? {}),
    [LAST_APPLIED_ANNOTATION]: goJson(content),
  };
}

/** ApplyUpdate: observed ⊕ (desired − last applied), with system metadata and status reverted. */
export function applyUpdate(observed: Obj, desired: Obj): Obj {
  const text = observed.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  let lastApplied: Json = null;
  if (text) {
    try {
      lastApplied = JSON.parse(text);
    } catch {
      throw new ControllerError(
        `${describe(observed)}: can't unmarshal the ${LAST_APPLIED_ANNOTATION} annotation`,
      );
    }
  }
  const update = clone(desired);
  if (update.metadata.annotations) delete update.metadata.annotations[LAST_APPLIED_ANNOTATION];
  const merged = merge(clone(observed), lastApplied, update) as Obj;
  const mergedMeta = merged.metadata as Record<string, unknown>;
  for (const field of SYSTEM_FIELDS) {
    if (observed.metadata[field] === undefined) delete mergedMeta[field];
    else mergedMeta[field] = clone(observed.metadata[field]);
  }
  if (observed.status === undefined) delete merged.status;
  else merged.status = clone(observed.status);
  setLastApplied(merged, update);
  return merged;
}
