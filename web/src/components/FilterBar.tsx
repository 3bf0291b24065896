import { useId } from 'preact/hooks';
import type { Grain } from '../api/types.js';
import { GRAINS, GRAIN_LABELS, RANGE_PRESETS, describeRange, grainAllowed, isIsoDate, type Filters, type RangeKey } from '../lib/filters.js';
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
  const onDate = (which: 'from' | 'to', value: string) => {
    if (value === '' || isIsoDate(value)) setParams({ range: 'custom', [which]: value || null });
  };
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
            <input id={`${id}-from`} type="date" value={filters.from ?? ''} max={filters.to} onChange={(e) => onDate('from', (e.target as HTMLInputElement).value)} />
          </div>
          <div class="field">
            <label class="field-label" for={`${id}-to`}>
              To
            </label>
            <input id={`${id}-to`} type="date" value={filters.to ?? ''} min={filters.from} onChange={(e) => onDate('to', (e.target as HTMLInputElement).value)} />
          </div>
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
