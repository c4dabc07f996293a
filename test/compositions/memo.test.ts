// The memos of compositions/memo.ts: remembered values are the computed ones, and memory stays bounded.
import { describe, expect, test, vi } from 'vitest';
import { BoundedMemo, deepFreeze, perObject } from '../../compositions/memo.js';

describe('BoundedMemo', () => {
  test('computes a key once, remembers undefined as a value, and recomputes nothing', () => {
    const compute = vi.fn((key: string) => (key === 'none' ? undefined : key.length));
    const memo = new BoundedMemo<number | undefined>(10, 100);
    expect(memo.get('abc', compute)).toBe(3);
    expect(memo.get('abc', compute)).toBe(3);
    expect(memo.get('none', compute)).toBeUndefined();
    expect(memo.get('none', compute)).toBeUndefined();
    expect(compute).toHaveBeenCalledTimes(2);
  });

  test('never holds more than its limit, and answers right past it', () => {
    const memo = new BoundedMemo<string>(8, 100);
    for (let i = 0; i < 100; i++) {
      expect(memo.get(`k${i}`, (key) => key.toUpperCase())).toBe(`K${i}`);
      expect(memo.size).toBeLessThanOrEqual(8);
    }
    expect(memo.get('k0', (key) => key.toUpperCase())).toBe('K0');
  });

  test('a key longer than its bound is computed every time and not kept', () => {
    const compute = vi.fn((key: string) => key.length);
    const memo = new BoundedMemo<number>(8, 4);
    expect(memo.get('12345', compute)).toBe(5);
    expect(memo.get('12345', compute)).toBe(5);
    expect(compute).toHaveBeenCalledTimes(2);
    expect(memo.size).toBe(0);
  });
});

describe('perObject', () => {
  test('a frozen key gets its value once; an object that may change gets a fresh one every call', () => {
    const derive = vi.fn((spec: { replicas: number }) =>
      Array.from({ length: spec.replicas }, (_, i) => `pod-${i}`),
    );
    const names = perObject(derive);
    const frozen = Object.freeze({ replicas: 2 });
    expect(names(frozen)).toBe(names(frozen));
    expect(derive).toHaveBeenCalledTimes(1);

    const mutable = { replicas: 1 };
    expect(names(mutable)).toEqual(['pod-0']);
    mutable.replicas = 3;
    expect(names(mutable)).toEqual(['pod-0', 'pod-1', 'pod-2']);
  });
});

describe('deepFreeze', () => {
  test('freezes every object and array it holds', () => {
    const value = deepFreeze({ a: { b: [{ c: 1 }] }, d: 'text' });
    expect(Object.isFrozen(value.a.b[0])).toBe(true);
    expect(() => {
      (value.a.b as unknown as unknown[]).push(2);
    }).toThrow(TypeError);
  });
});
