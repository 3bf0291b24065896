import { useEffect, useId, useState } from 'preact/hooks';
import type { Grain } from '../api/types.js';
import { GRAINS, GRAIN_LABELS, RANGE_PRESETS, dateRangeError, describeRange, grainAllowed, type Filters, type RangeKey } from '../lib/filters.js';
import type { OrgIndex } from '../lib/orgs.js';
import { setParams } from '../lib/router.js';
import { OrgPicker } from './OrgPicker.js';

interface Props {
  orgs: OrgIndex;
  filters: Filters & { org: string };
  showGrain?: boolean;
  showRange?: boolean;
}

/** Organisation, dates and grain: every change is written to the URL, which the pages read. */
export function FilterBar({ orgs, filters, showGrain = true, showRange = true }: Props) {
  const id = useId();
  const onRange = (range: RangeKey) => {
    if (range === 'custom') setParams({ range: 'custom', from: filters.from ?? null, to: filters.to ?? null });
    else setParams({ range: range === '12m' ? null : range, from: null, to: null });
  };
  // The dates as entered: a From after the To is refused here, with the reason beside the fields,
  // and the address (which every figure follows) keeps the last good dates.
  const [draft, setDraft] = useState<{ from: string; to: string; error: string | null; field: 'from' | 'to' | null }>({
    from: filters.from ?? '',
    to: filters.to ?? '',
    error: null,
    field: null,
  });
  useEffect(() => setDraft({ from: filters.from ?? '', to: filters.to ?? '', error: null, field: null }), [filters.from, filters.to, filters.range]);
  const onDate = (which: 'from' | 'to', value: string) => {
    const next = { ...draft, [which]: value };
    const error = dateRangeError(next.from || undefined, next.to || undefined);
    setDraft({ ...next, error, field: error ? which : null });
    if (!error) setParams({ range: 'custom', from: next.from || null, to: next.to || null });
  };
  const invalid = (which: 'from' | 'to') => (draft.error && draft.field === which ? { 'aria-invalid': 'true' as const, 'aria-describedby': `${id}-dates-error` } : {});
  return (
    <form class="filter-bar" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <OrgPicker
        orgs={orgs}
        value={filters.org}
        onChange={(code) => setParams({ org: code === orgs.root ? null : code })}
      />
      {showRange && (
        <div class="field">
          <label class="field-label" for={`${id}-range`}>
            Dates
          </label>
          <select id={`${id}-range`} value={filters.range} onChange={(e) => onRange((e.target as HTMLSelectElement).value as RangeKey)}>
            {RANGE_PRESETS.map((p) => (
              <option key={p.key} value={p.key}>
                {p.label}
              </option>
            ))}
            <option value="custom">Choose dates…</option>
          </select>
        </div>
      )}
      {showRange && filters.range === 'custom' && (
        <>
          <div class="field">
            <label class="field-label" for={`${id}-from`}>
              From
            </label>
            <input id={`${id}-from`} type="date" value={draft.from} max={filters.to} {...invalid('from')} onChange={(e) => onDate('from', (e.target as HTMLInputElement).value)} />
          </div>
          <div class="field">
            <label class="field-label" for={`${id}-to`}>
              To
            </label>
            <input id={`${id}-to`} type="date" value={draft.to} min={filters.from} {...invalid('to')} onChange={(e) => onDate('to', (e.target as HTMLInputElement).value)} />
          </div>
          {draft.error && (
            <p class="form-error filter-error" id={`${id}-dates-error`} role="alert">
              {draft.error} These dates have not been applied.
            </p>
          )}
        </>
      )}
      {showGrain && (
        <div class="field">
          <label class="field-label" for={`${id}-grain`}>
            Show by
          </label>
          <select id={`${id}-grain`} value={filters.grain} onChange={(e) => setParams({ grain: (e.target as HTMLSelectElement).value as Grain })}>
            {GRAINS.map((g) => (
              <option key={g} value={g} disabled={!grainAllowed(g, filters.from, filters.to)}>
                {GRAIN_LABELS[g]}
                {grainAllowed(g, filters.from, filters.to) ? '' : ' (dates too long)'}
              </option>
            ))}
          </select>
        </div>
      )}
      {showRange && <p class="filter-summary" aria-live="polite">{describeRange(filters)}</p>}
    </form>
  );
}
