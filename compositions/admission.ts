// The CRD's transition rules (CEL `x-kubernetes-validations`): the edits the operators cannot carry
// out, refused at admission (decision 2). Each rule compares what takes effect, resolved as
// resolveSpec (presets.ts) resolves it: an unset or zero field is the size's preset (the literals
// are generated from the component's presets, so the rules cannot drift from them), quantities compare as
// quantities, and a component counts only while it runs on both sides (an absent block is
// `enabled: false`). The rules sit on the object's root: a rule on a nested field does not run when
// the old object lacks that field, and the root is the one node both sides of every update have.
// Each component declares its own rules (`transitions`) with the builders below.
// test/cel runs them with Kubernetes' own CEL validator and cost estimates.
import type { Component, Preset } from './component.js';
import { DEFAULT_SIZE, SIZES, type Size } from './schema.js';

export type Side = 'self' | 'oldSelf';

export interface ValidationRule {
  readonly rule: string;
  readonly message: string;
  readonly messageExpression?: string;
  readonly fieldPath: string;
  readonly reason: 'FieldValueForbidden';
}

/** `side.?spec.?a.?b`: the field as an optional value, absent when any step is missing. */
const optional = (side: Side, ...path: string[]) => `${side}.?spec${path.map((p) => `.?${p}`).join('')}`;

// has() and field access rather than `.?size.orValue(…)`: the cost estimator knows the size field's
// maxLength, but not the length of an optional's value, and an unbounded string comparison or
// concatenation would exceed the API server's cost budget.
const size = (side: Side) =>
  `(has(${side}.spec) && has(${side}.spec.size) ? ${side}.spec.size : '${DEFAULT_SIZE}')`;

const samePerSize = (values: readonly string[]) => values.every((v) => v === values[0]);

/** The preset's value for the side's size, as a CEL literal (one literal when every size agrees). */
function preset(side: Side, literal: (size: Size) => string): string {
  const values = SIZES.map(literal);
  const last = values.at(-1) ?? '';
  if (samePerSize(values)) return last;
  const choices = SIZES.slice(0, -1).map((s, i) => `${size(side)} == '${s}' ? ${values[i]} : `);
  return `(${choices.join('')}${last})`;
}

/** "dev 1Gi, small 10Gi" or "10Gi for every size": the presets as a user reads them. */
function presetList(text: (size: Size) => string): string {
  const values = SIZES.map(text);
  return samePerSize(values)
    ? `${values[0]} for every size`
    : SIZES.map((s, i) => `${s} ${values[i]}`).join(', ');
}

const enabled = (side: Side, component: string) => `${optional(side, component, 'enabled')}.orValue(false)`;

/** A component's name and presets: what its rules read (the component itself is not built yet). */
export interface RuleOwner<P extends Preset = Preset> {
  readonly name: string;
  readonly presets: Readonly<Record<Size, P>>;
}

/** A field of the component's spec as CEL: the user's value, else the size's preset. */
export const presetField =
  <P extends Preset>(component: RuleOwner<P>, path: readonly string[], presetOf: (p: P) => string) =>
  (side: Side): string =>
    `${optional(side, component.name, ...path)}.orValue(${preset(side, (s) => presetOf(component.presets[s]))})`;

// An empty storageSize or a zero replica count means the preset, as in resolveSpec.
export const storageSize = (component: RuleOwner) => (side: Side) =>
  `(${optional(side, component.name, 'storageSize')}.orValue('') != '' ? ${side}.spec.${component.name}.storageSize : ` +
  `${preset(side, (s) => `'${component.presets[s].storageSize}'`)})`;

export const replicas = (component: RuleOwner) => (side: Side) =>
  `(${optional(side, component.name, 'replicas')}.orValue(0) > 0 ? ${side}.spec.${component.name}.replicas : ` +
  `${preset(side, (s) => String(component.presets[s].replicas))})`;

export interface Transition {
  /** The field as the user writes it, e.g. `mysql.storageSize`. */
  readonly field: string;
  /** The component that must run on both sides for the rule to apply; none for `size`. */
  readonly component?: string;
  readonly resolved: (side: Side) => string;
  /** CEL over the resolved old and new values: true when the edit may be carried out. */
  readonly allowed: (old: string, now: string) => string;
  /** "may not shrink", "may not change". */
  readonly verb: string;
  readonly why: string;
  /** What an unset field means, for the message. */
  readonly unset: string;
  /** How the message shows a value; numbers are left out, as `string(int)` has no cost bound. */
  readonly kind: 'string' | 'number' | 'bool';
}

// A value that is not a quantity (written before the CRD had a pattern) is left to the pattern and
// the hook: a rule that failed on it would refuse every later update, even removing a finalizer.
export const quantities = (compare: string) => (old: string, now: string) =>
  `!isQuantity(${old}) || !isQuantity(${now}) || quantity(${now}).compareTo(quantity(${old})) ${compare} 0`;

/** What an unset preset field means, for a rule's message. */
export const presetValues = <P extends Preset>(component: RuleOwner<P>, value: (p: P) => string) =>
  presetList((s) => value(component.presets[s]));

/** The storage size may grow, never shrink. */
export const neverShrinks = (component: RuleOwner): Transition => ({
  field: `${component.name}.storageSize`,
  component: component.name,
  resolved: storageSize(component),
  allowed: quantities('>='),
  verb: 'may not shrink',
  why: 'a volume only grows',
  unset: `an unset storageSize is the size preset (${presetValues(component, (p) => p.storageSize)})`,
  kind: 'string',
});

/**
 * A list that may only grow at its end, each entry's `key` fixed: compared entry by entry up to
 * `maxItems` (CEL has no loop over indices; each comparison costs one, so the rule stays cheap).
 */
export const appendOnly = (
  component: string,
  list: string,
  key: string,
  maxItems: number,
  why: string,
): Transition => ({
  field: `${component}.${list}`,
  component,
  resolved: (side) => `${optional(side, component, list)}.orValue([])`,
  allowed: (old, now) =>
    [
      `size(${now}) >= size(${old})`,
      ...Array.from(
        { length: maxItems },
        (_, i) => `(size(${old}) <= ${i} || ${now}[${i}].${key} == ${old}[${i}].${key})`,
      ),
    ].join(' && '),
  verb: `may only be appended to (entries' ${key} fixed)`,
  why,
  unset: 'unset is an empty list',
  kind: 'number',
});

/** The size changes every preset at once. */
const SIZE_TRANSITION: Transition = {
  field: 'size',
  resolved: size,
  allowed: (old, now) => `${now} == ${old}`,
  verb: 'may not change',
  why: 'every preset would change under running databases (a standalone Redis would be replaced and its data deleted)',
  unset: `an unset size is ${DEFAULT_SIZE}`,
  kind: 'string',
};

/** The value as a string of bounded length (the cost estimator bounds literals and fields, not string()). */
const asText = (kind: 'string' | 'bool', expression: string) =>
  kind === 'string' ? expression : `(${expression} ? 'true' : 'false')`;

function validationRule(t: Transition): ValidationRule {
  const old = t.resolved('oldSelf');
  const now = t.resolved('self');
  const running = t.component
    ? `!(${enabled('oldSelf', t.component)} && ${enabled('self', t.component)}) || `
    : '';
  const tail = `: ${t.why}; ${t.unset}`;
  return {
    rule: `${running}${t.allowed(old, now)}`,
    message: `${t.field} ${t.verb}${tail}`,
    ...(t.kind !== 'number' && {
      // Double-quoted CEL literals: the texts hold apostrophes and never a double quote.
      messageExpression: `"${t.field} ${t.verb} from " + ${asText(t.kind, old)} + " to " + ${asText(t.kind, now)} + "${tail}"`,
    }),
    fieldPath: `.spec.${t.field}`,
    reason: 'FieldValueForbidden',
  };
}

/** The transition rules of the parent's root schema: the size's, then each component's. */
export const transitionRules = (components: readonly Component[]): ValidationRule[] =>
  [SIZE_TRANSITION, ...components.flatMap((component) => component.transitions)].map(validationRule);
