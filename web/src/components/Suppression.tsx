import type { Suppression } from '../api/types.js';
import { plural } from '../lib/format.js';

export const SUPPRESSION_SHORT =
  'Hidden to protect privacy: numbers from 1 to 7 are not published (and some others are hidden so they cannot be worked out).';

/** The disclosure-control rule in plain words, shown wherever a `*` appears. */
export function SuppressionNote({ suppression, hiddenCount, summed }: { suppression?: Suppression | null; hiddenCount: number; summed?: boolean }) {
  if (hiddenCount === 0) return null;
  const complementary = suppression?.complementary ?? 0;
  return (
    <details class="suppression-note">
      <summary>
        <span class="star" aria-hidden="true">
          *
        </span>{' '}
        {plural(hiddenCount, 'value')} hidden to protect patients' privacy
      </summary>
      <p>
        We never publish small numbers that could identify someone. Counts from 1 to 7 are shown as <strong>*</strong>,
        other counts are rounded to the nearest 5, and where a hidden number could be worked out from a total we hide
        another number too (complementary suppression
        {complementary > 0 ? `: ${plural(complementary, 'value')} here` : ''}). Percentages based on hidden counts are
        hidden as well.
      </p>
      {summed && <p>The totals here add up several periods; hidden values are not included, so they may be slightly low: each total is at least the figure shown.</p>}
      {suppression?.rule && <p class="hint">Rule applied: {suppression.rule}</p>}
    </details>
  );
}
