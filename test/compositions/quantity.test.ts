// Kubernetes quantities as the hooks compare them (compositions/quantity.ts).
import { describe, expect, test } from 'vitest';
import { parseQuantity, sameQuantity, storageShrinks } from '../../compositions/quantity.js';

describe('parseQuantity', () => {
  test.each([
    { reason: 'binary suffix', text: '10Gi', want: 10 * 2 ** 30 },
    { reason: 'decimal suffix', text: '10G', want: 10e9 },
    { reason: 'milli', text: '500m', want: 0.5 },
    { reason: 'exponent', text: '1e3', want: 1000 },
    { reason: 'fraction', text: '1.5Gi', want: 1.5 * 2 ** 30 },
    { reason: 'no digits', text: 'Gi', want: undefined },
    { reason: 'unknown suffix', text: '10Gb', want: undefined },
    { reason: 'empty', text: '', want: undefined },
    { reason: 'a number', text: 42, want: 42 },
  ])('$reason: $text', ({ text, want }) => {
    expect(parseQuantity(text)).toBe(want);
    // The second reading comes from the remembered value and must agree.
    expect(parseQuantity(text)).toBe(want);
  });

  test('a long text is parsed, not remembered', () => {
    expect(parseQuantity(`${'1'.repeat(100)}`)).toBe(Number('1'.repeat(100)));
    expect(parseQuantity(`${'1'.repeat(100)}x`)).toBeUndefined();
  });

  test('remembers a bounded number of texts and still answers right past the bound', () => {
    for (let i = 0; i < 3000; i++) expect(parseQuantity(`${i}Mi`)).toBe(i * 2 ** 20);
    expect(parseQuantity('0Mi')).toBe(0);
    expect(parseQuantity('2999Mi')).toBe(2999 * 2 ** 20);
  });
});

describe('comparing sizes', () => {
  test('1Gi and 1024Mi are the same quantity; unparsable ones compare as text', () => {
    expect(sameQuantity('1Gi', '1024Mi')).toBe(true);
    expect(sameQuantity('1Gi', '1G')).toBe(false);
    expect(sameQuantity('big', 'big')).toBe(true);
  });

  test('a shrink is named, a growth or an unknown size is not', () => {
    expect(storageShrinks('20Gi', '10Gi')).toBe('cannot shrink from 20Gi to 10Gi: volumes only grow');
    expect(storageShrinks('10Gi', '20Gi')).toBeUndefined();
    expect(storageShrinks(undefined, '10Gi')).toBeUndefined();
  });
});
