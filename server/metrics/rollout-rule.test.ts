/**
 * The rollout rule (catalogue.ts ROLLOUT_RULE, DEFINITIONS.md `rollout`) on rows built by hand:
 * the one place the dashboard's RAG, status, trend and projected date come from. The same rows
 * go through disclosure control as an API answer does (counts are multiples of 5, so unchanged).
 */
import { describe, expect, it } from 'vitest';
import type { RawRow } from './disclosure.js';
import { protectMetric } from './query.js';

/** An organisation with a list of 1,000, activated now and 12 weeks before 28 Feb 2026. */
function rollout(now: number, before: number, target: number | null) {
  const row: RawRow = {
    org_code: 'X01', org_name: 'X', org_type: 'practice', go_live_date: '2025-01-06', eligible: 1000,
    activated: now, activated_12_weeks_ago: before, activated_weekly: null, uptake_pct_weekly: null, target_pct: target,
    uptake_pct: null, uptake_pct_12_weeks_ago: null, weekly_change_pp: null, rag: null, status: null, projected_target_date: null,
    as_of: '2026-02-28',
  };
  const [out] = protectMetric('rollout', [row], null).rows;
  const { uptake_pct, weekly_change_pp, status, rag, projected_target_date } = out!;
  return { uptake_pct, weekly_change_pp, status, rag, projected_target_date };
}

describe('the rollout rule', () => {
  it('is green once uptake as published reaches the target', () => {
    expect(rollout(400, 300, 40)).toEqual({ uptake_pct: 40, weekly_change_pp: 0.833, status: 'target reached', rag: 'green', projected_target_date: '2026-02-28' });
  });

  it('is amber from 80% of the target, even when not rising', () => {
    // 320 / 1,000 = 32% = 0.8 x 40%; no change in 12 weeks: not on track, but close.
    expect(rollout(320, 320, 40)).toEqual({ uptake_pct: 32, weekly_change_pp: 0, status: 'not on track', rag: 'amber', projected_target_date: null });
    // 31.5% is under 80% of 40%: red.
    expect(rollout(315, 315, 40)).toMatchObject({ status: 'not on track', rag: 'red' });
  });

  it('is amber below 80% when projected to reach the target within 52 weeks', () => {
    // 14% -> 20% in 12 weeks: 0.5 points a week; (40 - 20) / 0.5 = 40 weeks = 280 days after
    // 28 Feb 2026 = 5 Dec 2026.
    expect(rollout(200, 140, 40)).toEqual({ uptake_pct: 20, weekly_change_pp: 0.5, status: 'on track', rag: 'amber', projected_target_date: '2026-12-05' });
    // 14.5% -> 20%: 5.5 / 12 = 0.4583 a week; 20 / 0.4583 = 43.6 -> 44 weeks: still amber.
    expect(rollout(200, 145, 40)).toMatchObject({ weekly_change_pp: 0.458, rag: 'amber', projected_target_date: '2027-01-02' });
    // 17% -> 20%: 0.25 a week; 80 weeks: on track, but red.
    expect(rollout(200, 170, 40)).toMatchObject({ weekly_change_pp: 0.25, status: 'on track', rag: 'red' });
  });

  it('says "not on track" when uptake falls, or would take more than 520 weeks', () => {
    expect(rollout(200, 210, 40)).toMatchObject({ weekly_change_pp: -0.083, status: 'not on track', rag: 'red', projected_target_date: null });
    // +0.5 points in 12 weeks = 0.04167 a week; 20 points to go = 480 weeks: on track, 28 Feb 2026 + 3,360 days.
    expect(rollout(200, 195, 40)).toMatchObject({ weekly_change_pp: 0.042, status: 'on track', projected_target_date: '2035-05-12' });
    // +0.5 points in 12 weeks with 25 points to go = 600 weeks: over ten years.
    expect(rollout(150, 145, 40)).toMatchObject({ weekly_change_pp: 0.042, status: 'not on track', projected_target_date: null });
  });

  it('has no rating without a target', () => {
    expect(rollout(200, 100, null)).toMatchObject({ status: 'no target', rag: 'none', projected_target_date: null });
  });
});
