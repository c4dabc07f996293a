// Remembered results of pure functions of request text. Requests choose the keys, so the memory is
// bounded twice: long keys are not remembered, and a full memo is emptied whole (one recomputation per
// key afterwards, and no bookkeeping on the hot path).

export class BoundedMemo<V> {
  private readonly values = new Map<string, V>();

  constructor(
    /** Most keys remembered at once. */
    private readonly limit: number,
    /** Longer keys are computed every time. */
    private readonly maxKeyLength: number,
  ) {}

  /**
   * The value remembered for `key`, else `compute(key)`'s, remembered. What `compute` returns must
   * depend on nothing but what `key` says.
   */
  get(key: string, compute: (key: string) => V): V {
    if (key.length > this.maxKeyLength) return compute(key);
    const known = this.values.get(key);
    if (known !== undefined || this.values.has(key)) return known as V;
    if (this.values.size >= this.limit) this.values.clear();
    const value = compute(key);
    this.values.set(key, value);
    return value;
  }

  get size(): number {
    return this.values.size;
  }
}

/**
 * `derive`, remembered per object, for objects that cannot change: a frozen key (a resolved spec from
 * `parentSpec`, frozen deeply) gets its value once, any other key a fresh one every call. Only the key
 * itself is checked, so freeze keys with `deepFreeze`. Every caller shares the value: give it a readonly
 * type. It lives as long as its key.
 */
export function perObject<K extends object, V>(derive: (key: K) => V): (key: K) => V {
  const values = new WeakMap<K, V>();
  return (key) => {
    if (!Object.isFrozen(key)) return derive(key);
    let value = values.get(key);
    if (value === undefined) {
      value = derive(key);
      values.set(key, value);
    }
    return value;
  };
}

/** `value`, with every object and array it holds frozen. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
