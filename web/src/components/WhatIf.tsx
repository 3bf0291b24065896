import { useEffect, useState } from 'preact/hooks';
import { formatCount, formatGbp } from '../lib/format.js';
import type { SavingType, SavingsResult, UnitValues } from '../lib/savings.js';
import { SCENARIOS, SCENARIO_LABELS, checkDraft, draftOf, type Draft, type DraftErrors, type Scenario } from '../lib/what-if.js';

interface Props {
  model: SavingType[];
  /** The values in use (the model's, or the scenario in the page address). */
  values: UnitValues;
  /** What each type saves with those values (the hint under its name). */
  byType: SavingsResult['byType'];
  changed: boolean;
  /** A saving type's three values, once they are acceptable. */
  onChange: (type: string, values: { low: number; central: number; high: number }) => void;
  onReset: () => void;
}

/**
 * The what-if panel: the value of one activity of each saving type, low / central / high. A value
 * is used only when the three are acceptable (numbers of pounds, not negative, not absurd, low ≤
 * central ≤ high); otherwise the field says what is wrong and the figures keep the last good values.
 */
export function WhatIf({ model, values, byType, changed, onChange, onReset }: Props) {
  return (
    <>
      <div class="whatif-list" data-testid="whatif-table">
        {model.map((m) => (
          <WhatIfItem key={m.type} type={m} value={values[m.type] ?? m} saved={byType.find((b) => b.type === m.type)} onChange={(v) => onChange(m.type, v)} />
        ))}
      </div>
      <div class="whatif-actions">
        <button type="button" class="button-secondary" disabled={!changed} onClick={onReset}>
          Reset to the model's values
        </button>
        {changed && <span class="hint">This scenario is saved in the page address, so you can share it.</span>}
      </div>
    </>
  );
}

function WhatIfItem({
  type: m,
  value,
  saved,
  onChange,
}: {
  type: SavingType;
  value: { low: number; central: number; high: number };
  saved: SavingsResult['byType'][number] | undefined;
  onChange: (v: { low: number; central: number; high: number }) => void;
}) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(value));
  const [errors, setErrors] = useState<DraftErrors>({});
  const key = `${value.low}/${value.central}/${value.high}`;
  // Values changed from outside (reset, back button): the fields follow, and errors go.
  useEffect(() => {
    const checked = checkDraft(draft, m);
    const same = checked.values && checked.values.low === value.low && checked.values.central === value.central && checked.values.high === value.high;
    if (!same) {
      setDraft(draftOf(value));
      setErrors({});
    }
  }, [key]);

  const edit = (k: Scenario, text: string) => {
    const next = { ...draft, [k]: text };
    setDraft(next);
    const checked = checkDraft(next, m, k);
    setErrors(checked.errors);
    if (checked.values && (checked.values.low !== value.low || checked.values.central !== value.central || checked.values.high !== value.high)) onChange(checked.values);
  };

  const id = `whatif-${m.type}`;
  return (
    <fieldset class="whatif-item">
      <legend>{m.label}</legend>
      <p class="hint">
        {formatCount(saved?.avoided ?? 0)} that avoided a cost{saved && saved.activity !== saved.avoided ? ` (of ${formatCount(saved.activity)})` : ''} · saves{' '}
        {formatGbp(saved?.central ?? 0, true)}
      </p>
      <div class="whatif-inputs">
        {SCENARIOS.map((k) => (
          <label key={k} class={errors[k] ? 'whatif-invalid' : undefined}>
            <span>{SCENARIO_LABELS[k]} £</span>
            <input
              type="number"
              min={0}
              step={0.01}
              inputMode="decimal"
              aria-label={`${k} value of ${m.label}, in pounds`}
              aria-invalid={errors[k] ? 'true' : undefined}
              aria-describedby={errors[k] ? `${id}-${k}-error` : undefined}
              class={value[k] !== m[k] ? 'changed' : undefined}
              value={draft[k]}
              onInput={(e) => edit(k, (e.target as HTMLInputElement).value)}
            />
          </label>
        ))}
      </div>
      {SCENARIOS.filter((k) => errors[k]).map((k) => (
        <p key={k} class="form-error whatif-error" id={`${id}-${k}-error`} role="alert">
          {SCENARIO_LABELS[k]}: {errors[k]}
        </p>
      ))}
      {(m.description || m.activity) && (
        <details class="model-source">
          <summary>Where this value comes from</summary>
          {m.activity && <p>{m.activity}</p>}
          {m.description && <p>{m.description}</p>}
        </details>
      )}
    </fieldset>
  );
}
