// Versions are explicit (issue 15): a release of these hooks never upgrades a running database by
// itself. A component's version comes from `spec.<component>.version` when the user sets it, else from
// the running child, else from the record kept beside retained volumes, else from this release's
// default for a new component. Upgrading is the user's edit; a downgrade is refused.
import { z } from 'zod';
import type { Transition } from './admission.js';
import type { ConditionType, Finding } from './conditions.js';
import { declareReasons } from './conditions.js';
import { decodeData } from './credentials.js';
import type { KindRef, KubeObject, ObservedObjects } from './kube.js';
import { RELATED_KINDS } from './kube.js';

/** Where a component's version comes from, in order of precedence. */
export type VersionSource = 'spec' | 'running' | 'retained' | 'default';

/** How a component names, reads and orders its versions. */
export interface VersionPolicy {
  /** What a version names, for messages: "the Percona XtraDB Cluster image tag". */
  readonly what: string;
  /** This release's version for a component created new. */
  readonly latest: string;
  /**
   * The children that may carry the version, by the component's base name; the first that exists is
   * read (Redis: the standalone `Redis`, or the `RedisReplication` of the sentinel topology).
   */
  children(base: string): Array<{ ref: KindRef; name: string }>;
  /** The version the child's spec is set to, if it says. */
  read(child: KubeObject): string | undefined;
  /** What the operator cannot carry out from `from` to `to`, beyond a downgrade (always refused). */
  refuse?(from: string, to: string): string | undefined;
}

/** The record Secret, owned by the data volumes, that keeps a component's version with its data. */
export const versionRecordName = (base: string): string => `${base}-version`;
export const VERSION_RECORD_KEY = 'version';

/** A version as the spec field takes it: an image tag or a version number (the CRD's pattern too). */
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The `version` field; `reference` when the reference API has one (ClickHouse), else an addition. */
export const versionField = (policy: VersionPolicy, reference = false) =>
  z
    .string()
    .regex(VERSION_PATTERN)
    .meta({ maxLength: 64 })
    .describe(
      `${reference ? '' : 'Addition. '}${policy.what} (default for a new component: ${policy.latest}). Unset keeps what runs (or what the ` +
        'retained volumes were written with): a release of these hooks never upgrades a running database by ' +
        'itself. Raising it upgrades; lowering it is refused.',
    );

/** The tag of an image reference (`repo:tag`), not confused by a registry port. */
export function imageTag(image: unknown): string | undefined {
  if (typeof image !== 'string') return undefined;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) || undefined : undefined;
}

// The numbers a version holds, in order: `8.0.42-33.1` → 8, 0, 42, 33, 1; `RELEASE.2025-04-08T15-41-24Z`
// → 2025, 4, 8, 15, 41, 24. Two versions compare by these, a missing number counting as 0; letters
// only separate. The CEL rule compares the first MAX_NUMBERS the same way.
const MAX_NUMBERS = 6;
const numbers = (version: string): number[] => (version.match(/[0-9]+/g) ?? []).map(Number);

/** Negative when `a` is older than `b`, 0 when they hold the same numbers, positive when newer. */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0; // the usual case on every sync: the spec names what runs
  const x = numbers(a);
  const y = numbers(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The version the first existing child of `policy.children` is set to, and which child that is. */
export function runningVersion(
  policy: VersionPolicy,
  base: string,
  objects: ObservedObjects,
): { version: string; child: string } | undefined {
  for (const { ref, name } of policy.children(base)) {
    const child = objects.get(ref, name);
    const version = child && policy.read(child);
    if (version) return { version, child: `${ref.kind} ${name}` };
  }
  return undefined;
}

/** A version's release series, its first two numbers: `4.1.0` → `4.1`, `4.1-IV0` → `4.1`. */
export const seriesOf = (version: string): string => numbers(version).slice(0, 2).join('.');

/** Whether two versions are of one release series: the same first two numbers (MySQL 8.0, Kafka 4.1). */
export const sameSeries = (a: string, b: string): boolean => {
  const [x, y] = [numbers(a), numbers(b)];
  return x[0] === y[0] && x[1] === y[1];
};

export interface PinnedVersion {
  readonly version: string;
  readonly source: VersionSource;
}

export interface VersionInputs {
  readonly observed: ObservedObjects;
  readonly related: ObservedObjects;
}

/** The version a component runs at: spec, running child, retained record, this release's default. */
export function pinVersion(
  policy: VersionPolicy,
  base: string,
  user: string | undefined,
  inputs: VersionInputs | undefined,
): PinnedVersion {
  if (user) return { version: user, source: 'spec' };
  const running = inputs && runningVersion(policy, base, inputs.observed);
  if (running) return { version: running.version, source: 'running' };
  const record = inputs?.related.get(RELATED_KINDS.Secret, versionRecordName(base));
  const retained = decodeData(record?.data, VERSION_RECORD_KEY);
  if (retained) return { version: retained, source: 'retained' };
  return { version: policy.latest, source: 'default' };
}

/**
 * Why the spec's version cannot be carried out against what runs or what the retained volumes were
 * written with: a downgrade, or a step the operator does not support. Empty when it can.
 */
export function versionRefusals(
  policy: VersionPolicy,
  field: string,
  base: string,
  pinned: PinnedVersion,
  inputs: VersionInputs,
): string[] {
  if (pinned.source !== 'spec') return [];
  const running = runningVersion(policy, base, inputs.observed);
  const retained = decodeData(
    inputs.related.get(RELATED_KINDS.Secret, versionRecordName(base))?.data,
    VERSION_RECORD_KEY,
  );
  const from = running?.version ?? retained;
  if (!from || from === pinned.version) return [];
  const whose = running
    ? `the version ${running.child} runs`
    : `the version the retained volumes were written by (Secret ${versionRecordName(base)})`;
  if (compareVersions(pinned.version, from) < 0) {
    return [
      `${field} ${pinned.version} is older than ${from}, ${whose}: downgrades are refused, since a database ` +
        'cannot be trusted to read data written by a newer version (docs/operations.md#upgrades-versions)',
    ];
  }
  const refused = policy.refuse?.(from, pinned.version);
  return refused ? [`${field} cannot change from ${from} to ${pinned.version}: ${refused}`] : [];
}

export const VersionReasons = declareReasons(
  'SetInSpec',
  'KeptFromRunning',
  'KeptFromRetainedVolumes',
  'ReleaseDefault',
  /** This release's default is newer than what runs: the user may upgrade. */
  'NewerDefaultAvailable',
);

const REASON_BY_SOURCE = {
  spec: VersionReasons.SetInSpec,
  running: VersionReasons.KeptFromRunning,
  retained: VersionReasons.KeptFromRetainedVolumes,
  default: VersionReasons.ReleaseDefault,
} as const;

/** `<Title>Version`: which version the component is set to, from where, and whether a newer default exists. */
export function versionFinding(
  type: ConditionType,
  title: string,
  field: string,
  policy: VersionPolicy,
  pinned: PinnedVersion,
): Finding {
  const from = {
    spec: `set in ${field}`,
    running: `kept from what runs, as while ${field} is unset`,
    retained: 'kept from the record beside the retained volumes, which that version wrote',
    default: "this release's default for a new component",
  }[pinned.source];
  const newer = compareVersions(policy.latest, pinned.version) > 0;
  return {
    type,
    status: 'True',
    reason: newer ? VersionReasons.NewerDefaultAvailable : REASON_BY_SOURCE[pinned.source],
    message:
      `${title} is set to ${pinned.version} (${from})` +
      (newer
        ? `; this release's default is ${policy.latest}: set ${field} to ${policy.latest} to upgrade ` +
          '(docs/operations.md#upgrades-versions)'
        : ''),
    implies: 'Healthy',
  };
}

// ---- admission ---------------------------------------------------------------------------------

// has() and field access, not an optional's orValue: the cost estimator bounds the field by its
// maxLength, and findAll on a string of unknown length would exceed the API server's cost budget.
/** `side.spec.<component>.version`, '' when unset. */
const written = (component: string) => (side: 'self' | 'oldSelf') =>
  `(has(${side}.spec) && has(${side}.spec.${component}) && has(${side}.spec.${component}.version) ? ` +
  `${side}.spec.${component}.version : '')`;

/** The i-th number of a list of number strings as CEL, 0 when it holds fewer. */
const nth = (list: string, i: number) => `(${list}.size() > ${i} ? int(${list}[${i}]) : 0)`;

/** CEL over the number lists `a` (old) and `b` (new): `b` is not lower, compared in order (as compareVersions). */
function notLower(i = 0): string {
  if (i === MAX_NUMBERS) return 'true';
  const [a, b] = [nth('a', i), nth('b', i)];
  return `(${b} > ${a} || (${b} == ${a} && ${notLower(i + 1)}))`;
}

// Each side's numbers are found once and bound by a comprehension over a one-element list (the
// oldest Kubernetes we support has no cel.bind): finding them at every use costs three times the
// rule's budget (test/cel).
const notOlder = (old: string, now: string) =>
  `[${old}.findAll('[0-9]+')].all(a, [${now}.findAll('[0-9]+')].all(b, ${notLower()}))`;

/**
 * A version written on both sides may not go down. Only between two written versions: an unset one
 * means "keep what runs", which the hook checks against the running child (`versionRefusals`).
 */
export const neverDowngrades = (component: string): Transition => ({
  field: `${component}.version`,
  component,
  resolved: written(component),
  allowed: (old, now) => `${old} == '' || ${now} == '' || ${notOlder(old, now)}`,
  verb: 'may not go down',
  why: 'a database cannot be trusted to read data written by a newer version',
  unset: 'an unset version keeps what runs',
  kind: 'string',
});
