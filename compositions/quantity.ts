// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): parse and compare,
// so that a storage size that does not parse, or shrinks, is caught before an operator sees it.
import { type KubeObject, stringField } from './kube.js';
import { BoundedMemo } from './memo.js';

// The fraction is optional as a whole: `\d+\.?\d*` would backtrack quadratically on long digit runs.
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX_FACTORS: Readonly<Record<string, number>> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

// A sync reads the same few sizes (`10Gi`) from every claim and spec.
const parsed = new BoundedMemo<number | undefined>(1024, 64);

/** The quantity's value in base units (bytes, cores), or undefined when it is not a quantity. */
export function parseQuantity(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  return parsed.get(text, parseQuantityText);
}

function parseQuantityText(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, digits = '', suffix = ''] = match;
  const factor = SUFFIX_FACTORS[suffix] ?? (/^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : undefined);
  if (factor === undefined) return undefined;
  const value = Number(digits) * factor;
  return Number.isFinite(value) ? value : undefined;
}

export const isQuantity = (text: string | number): boolean => parseQuantity(text) !== undefined;

/** Why `desired` cannot replace `observed` (a shrink), or undefined when it can. */
export function storageShrinks(observed: string | undefined, desired: string): string | undefined {
  if (observed === undefined) return undefined;
  const before = parseQuantity(observed);
  const after = parseQuantity(desired);
  if (before === undefined || after === undefined || after >= before) return undefined;
  return `cannot shrink from ${observed} to ${desired}: volumes only grow`;
}

/** Whether two sizes are the same quantity (`1Gi` and `1024Mi` are); unparsable ones compare as text. */
export function sameQuantity(a: string, b: string): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  return x === undefined || y === undefined ? a === b : x === y;
}

/** A claim's reported capacity (`status.capacity.storage`), once it has one. */
export const claimCapacity = (claim: KubeObject): string | undefined =>
  stringField(claim, 'status', 'capacity', 'storage');

/** The claims whose reported capacity is below `storage`: a growth not yet done on them. */
export function claimsBelow(claims: readonly KubeObject[], storage: string | undefined): KubeObject[] {
  const wanted = storage === undefined ? undefined : parseQuantity(storage);
  return claims.filter((claim) => {
    const capacity = parseQuantity(claimCapacity(claim) ?? '');
    return wanted !== undefined && capacity !== undefined && capacity < wanted;
  });
}
