import { describe, expect, it } from 'vitest';
import { formatNumber } from './format.js';
import { formatTrend, rolloutRag, rolloutVerdict, verdictLabel, verdictSentence } from './projection.js';

// The rollout verdict is the rollout metric's (server/metrics/known-answers.test.ts tests the rule
// on a constructed series); the dashboard only reads and words it.
const row = (status: string | null, projected: string | null, trend: number | null, rag: string | null) => ({
  org_code: 'P01', status, projected_target_date: projected, weekly_change_pp: trend, rag,
});

describe("reading the rollout metric's verdict", () => {
  it('reads the status and projected date', () => {
    expect(rolloutVerdict(row('on track', '2028-12-30', 0.25, 'red'))).toEqual({ kind: 'projected', date: '2028-12-30' });
    expect(rolloutVerdict(row('target reached', null, 0.1, 'green'))).toEqual({ kind: 'reached' });
    expect(rolloutVerdict(row('not on track', null, 0.021, 'red'))).toEqual({ kind: 'not-on-track' });
    expect(rolloutVerdict(row('no target', null, 0.3, 'none'))).toEqual({ kind: 'no-target' });
    // Suppressed figures (null status) and a missing row are unknown, not "not on track".
    expect(rolloutVerdict(row(null, null, null, null))).toEqual({ kind: 'unknown' });
    expect(rolloutVerdict(undefined)).toEqual({ kind: 'unknown' });
  });

  it('labels it for a table cell', () => {
    expect(verdictLabel({ kind: 'projected', date: '2028-12-30' })).toBe('30 Dec 2028');
    expect(verdictLabel({ kind: 'reached' })).toBe('Target reached');
    expect(verdictLabel({ kind: 'not-on-track' })).toBe('Not on track');
    expect(verdictLabel({ kind: 'unknown' })).toBe('–');
  });

  it('reads the RAG rating, and no rating when there is none', () => {
    expect(rolloutRag(row('on track', '2026-09-12', 1.25, 'amber'))).toBe('amber');
    expect(rolloutRag(row('no target', null, 0.3, 'none'))).toBe('none');
    expect(rolloutRag(row(null, null, null, null))).toBe('none');
  });
});

describe('the weekly trend in words', () => {
  it('keeps the precision the metric publishes, in percentage points', () => {
    // 0.021 points a week is not "0%", and not a percentage.
    expect(formatTrend(0.021)).toBe('+0.021 percentage points a week over the last 12 weeks');
    expect(formatTrend(1.25)).toBe('+1.25 percentage points a week over the last 12 weeks');
    expect(formatTrend(-0.5)).toBe('−0.5 percentage points a week over the last 12 weeks');
    expect(formatTrend(0)).toBe('no change in uptake over the last 12 weeks');
    expect(formatTrend(null)).toBe('trend not known');
  });

  it('shows a table cell of the trend column to three decimals', () => {
    expect(formatNumber(0.021, 'pp_per_week')).toBe('0.021');
    expect(formatNumber(0.25, 'pp_per_week')).toBe('0.25');
  });

  it('puts the date and the trend together for a tile', () => {
    expect(verdictSentence(row('on track', '2028-12-30', 0.25, 'red'))).toBe(
      'At the recent trend (+0.25 percentage points a week over the last 12 weeks) the target will be reached around 30 Dec 2028.',
    );
    expect(verdictSentence(row('not on track', null, 0.021, 'red'))).toMatch(/^Not on track \(\+0\.021 percentage points a week/);
  });
});
