// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SavingType } from '../lib/savings.js';
import { WhatIf } from './WhatIf.js';

afterEach(cleanup);

const model: SavingType[] = [
  { type: 'letters_online', label: 'Letters read online', low: 0.6, central: 0.85, high: 1.2 },
  { type: 'results_online', label: 'Results viewed online', low: 2, central: 3.5, high: 5 },
];
const values = Object.fromEntries(model.map((m) => [m.type, { low: m.low, central: m.central, high: m.high }]));

function setup() {
  const onChange = vi.fn();
  const utils = render(<WhatIf model={model} values={values} byType={[]} changed={false} onChange={onChange} onReset={() => {}} />);
  const field = (k: string, label: string) => screen.getByLabelText(`${k} value of ${label}, in pounds`) as HTMLInputElement;
  return { onChange, field, ...utils };
}

describe('the what-if panel', () => {
  it('passes on an acceptable change of one type', () => {
    const { onChange, field } = setup();
    fireEvent.input(field('central', 'Letters read online'), { target: { value: '1' } });
    expect(onChange).toHaveBeenCalledWith('letters_online', { low: 0.6, central: 1, high: 1.2 });
    expect(screen.queryAllByRole('alert')).toEqual([]);
  });

  it('refuses a low value above the central one, with a message next to the field, and changes nothing', () => {
    const { onChange, field } = setup();
    const low = field('low', 'Letters read online');
    fireEvent.input(low, { target: { value: '2' } });
    expect(onChange).not.toHaveBeenCalled();
    expect(low.getAttribute('aria-invalid')).toBe('true');
    const message = document.getElementById(low.getAttribute('aria-describedby')!)!;
    expect(message.textContent).toBe('Low: The low value cannot be more than the central value (£0.85).');
    expect(message.closest('fieldset')).toBe(low.closest('fieldset'));
    // Put right: the message goes and the value is used.
    fireEvent.input(low, { target: { value: '0.5' } });
    expect(low.hasAttribute('aria-invalid')).toBe(false);
    expect(onChange).toHaveBeenCalledWith('letters_online', { low: 0.5, central: 0.85, high: 1.2 });
  });

  it('refuses a central value above the high one, negative values and absurd ones', () => {
    const { onChange, field } = setup();
    fireEvent.input(field('central', 'Results viewed online'), { target: { value: '6' } });
    expect(screen.getByRole('alert').textContent).toBe('Central: The central value cannot be more than the high value (£5).');
    fireEvent.input(field('central', 'Results viewed online'), { target: { value: '3.5' } });
    fireEvent.input(field('low', 'Letters read online'), { target: { value: '-1' } });
    expect(screen.getByRole('alert').textContent).toBe('Low: The low value cannot be negative.');
    fireEvent.input(field('low', 'Letters read online'), { target: { value: '0.6' } });
    fireEvent.input(field('high', 'Letters read online'), { target: { value: '1000000000' } });
    expect(screen.getByRole('alert').textContent).toMatch(/^High: The high value cannot be more than £1,200/);
    expect(onChange).not.toHaveBeenCalled();
  });

  it('follows values changed from outside (reset), clearing its messages', () => {
    const { field, rerender } = setup();
    fireEvent.input(field('low', 'Letters read online'), { target: { value: '-3' } });
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    const changed = { ...values, letters_online: { low: 0.5, central: 0.8, high: 1 } };
    rerender(<WhatIf model={model} values={changed} byType={[]} changed onChange={() => {}} onReset={() => {}} />);
    expect(field('low', 'Letters read online').value).toBe('0.5');
    expect(screen.queryAllByRole('alert')).toEqual([]);
  });
});
