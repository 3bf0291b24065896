import type { MetricRow } from '../api/types.js';
import { formatDay } from './format.js';
import { COLUMNS, numberAt, stringAt } from './metric.js';
import type { Rag, RagShown } from './rag.js';

// The rollout verdict (status, projected date, trend, RAG) is the rollout metric's: one rule, on
// the server (server/metrics/catalogue.ts, ROLLOUT_RULE; DEFINITIONS.md). The dashboard never
// projects for itself (it used to fit its own line, so a tile and a table row of the same
// organisation disagreed); these helpers only read the metric's row and word it.

export type Verdict =
  | { kind: 'reached' }
  | { kind: 'projected'; date: string }
  | { kind: 'not-on-track' }
  | { kind: 'no-target' }
  | { kind: 'unknown' };

/** The verdict in a rollout row (unknown when the row is missing or its figures are suppressed). */
export function rolloutVerdict(row: MetricRow<'rollout'> | undefined): Verdict {
  const status = stringAt(row, COLUMNS.rollout.status);
  const date = stringAt(row, COLUMNS.rollout.projected_target_date);
  switch (status) {
    case 'target reached':
      return { kind: 'reached' };
    case 'on track':
      return date ? { kind: 'projected', date } : { kind: 'unknown' };
    case 'not on track':
      return { kind: 'not-on-track' };
    case 'no target':
      return { kind: 'no-target' };
    default:
      return { kind: 'unknown' };
  }
}

/** A short cell: "30 Dec 2028", "Target reached", "Not on track". */
export function verdictLabel(v: Verdict): string {
  switch (v.kind) {
    case 'reached':
      return 'Target reached';
    case 'projected':
      return formatDay(v.date);
    case 'not-on-track':
      return 'Not on track';
    case 'no-target':
      return 'No target';
    default:
      return '–';
  }
}

const trendNumber = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 3, minimumFractionDigits: 0 });

/**
 * The weekly trend in words, to the metric's precision: 0.021 points a week is not "0%", and a
 * change of a percentage is in percentage points, not per cent.
 */
export function formatTrend(pp: number | null | undefined): string {
  if (pp === null || pp === undefined || !Number.isFinite(pp)) return 'trend not known';
  if (pp === 0) return 'no change in uptake over the last 12 weeks';
  const sign = pp > 0 ? '+' : '−';
  const n = Math.abs(pp);
  return `${sign}${trendNumber.format(n)} percentage ${n === 1 ? 'point' : 'points'} a week over the last 12 weeks`;
}

/** The verdict as a sentence for a tile. */
export function verdictSentence(row: MetricRow<'rollout'> | undefined): string {
  const v = rolloutVerdict(row);
  const trend = formatTrend(numberAt(row, COLUMNS.rollout.weekly_change_pp));
  switch (v.kind) {
    case 'reached':
      return 'Target reached.';
    case 'projected':
      return `At the recent trend (${trend}) the target will be reached around ${formatDay(v.date)}.`;
    case 'not-on-track':
      return `Not on track (${trend}): at this trend the target would not be reached within ten years.`;
    default:
      return '';
  }
}

/** The RAG rating of a rollout row as shown: 'hidden' when the small-number rule hid it, else as rolloutRag. */
export function rolloutRagShown(row: MetricRow<'rollout'> | undefined): RagShown {
  return row?._suppressed?.includes(COLUMNS.rollout.rag) ? 'hidden' : rolloutRag(row);
}

/** The RAG rating in a rollout row ('none' when it has none or it is suppressed). */
export function rolloutRag(row: MetricRow<'rollout'> | undefined): Rag {
  const code = stringAt(row, COLUMNS.rollout.rag)?.toLowerCase();
  return code === 'green' || code === 'amber' || code === 'red' ? code : 'none';
}
