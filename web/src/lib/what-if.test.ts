import { describe, expect, it } from 'vitest';
import { decodeValues, type SavingType } from './savings.js';
import { checkDraft, parsePounds, valueLimit } from './what-if.js';

const letters: SavingType = { type: 'letters_online', label: 'Letters', low: 0.6, central: 0.85, high: 1.2 };
const draft = (low: string, central: string, high: string) => ({ low, central, high });

describe('what-if values', () => {
  it('accepts the model\'s own values and any ordered, non-negative, sensible change', () => {
    expect(checkDraft(draft('0.6', '0.85', '1.2'), letters)).toEqual({ values: { low: 0.6, central: 0.85, high: 1.2 }, errors: {} });
    expect(checkDraft(draft('0', '0', '0'), letters).values).toEqual({ low: 0, central: 0, high: 0 });
    expect(checkDraft(draft('1', '1', '12'), letters).values).toEqual({ low: 1, central: 1, high: 12 });
  });

  it('refuses a low value above the central one, at the low field (or at central when central was edited)', () => {
    const r = checkDraft(draft('2', '0.85', '1.2'), letters, 'low');
    expect(r.values).toBeNull();
    expect(r.errors.low).toBe('The low value cannot be more than the central value (£0.85).');
    expect(checkDraft(draft('0.6', '0.5', '1.2'), letters, 'central').errors).toEqual({ central: 'The central value cannot be less than the low value (£0.6).' });
  });

  it('refuses a central value above the high one', () => {
    expect(checkDraft(draft('0.6', '2', '1.2'), letters, 'central').errors).toEqual({ central: 'The central value cannot be more than the high value (£1.2).' });
    expect(checkDraft(draft('0.6', '0.85', '0.7'), letters, 'high').errors).toEqual({ high: 'The high value cannot be less than the central value (£0.85).' });
  });

  it('refuses negative values, what is not a number, and absurd values (1e6 times the model)', () => {
    expect(checkDraft(draft('-1', '0.85', '1.2'), letters, 'low').errors.low).toBe('The low value cannot be negative.');
    expect(checkDraft(draft('0.6', '', '1.2'), letters, 'central').errors.central).toMatch(/^Enter the central value in pounds/);
    expect(checkDraft(draft('0.6', 'abc', '1.2'), letters, 'central').values).toBeNull();
    const absurd = checkDraft(draft('0.6', '0.85', String(1.2e6)), letters, 'high');
    expect(absurd.values).toBeNull();
    expect(absurd.errors.high).toBe('The high value cannot be more than £1,200 (1000 times the model\'s value).');
    expect(checkDraft(draft('0.6', '0.85', '1e9'), letters, 'high').values).toBeNull();
    expect(valueLimit({ low: 0, central: 0, high: 0 })).toBe(1000);
  });

  it('reads pounds as typed', () => {
    expect(parsePounds('£1,200.50')).toBe(1200.5);
    expect(parsePounds(' 3 ')).toBe(3);
    expect(parsePounds('1e3')).toBe(1000);
    expect(parsePounds('')).toBeNull();
    expect(parsePounds('12abc')).toBeNull();
    expect(parsePounds('Infinity')).toBeNull();
  });

  it('does not take a refused scenario from the page address', () => {
    const model = [letters];
    expect(decodeValues('letters_online:2/0.85/1.2', model).letters_online).toEqual({ low: 0.6, central: 0.85, high: 1.2 });
    expect(decodeValues('letters_online:0.6/0.85/1000000000', model).letters_online).toEqual({ low: 0.6, central: 0.85, high: 1.2 });
    expect(decodeValues('letters_online:0.5/0.9/1.5', model).letters_online).toEqual({ low: 0.5, central: 0.9, high: 1.5 });
  });
});
