// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { Health } from '../api/types.js';
import { formatDateTime, formatDuration } from '../lib/format.js';
import { Freshness } from './Freshness.js';

afterEach(cleanup);

const asOf = { latestEventAt: '2026-03-14T18:00:00Z', lastImportAt: '2026-03-15T02:10:04Z', dataVersion: '7' };

/** GET /api/health as the server answers it (server/api/health-shapes.ts), a batch served `lag` seconds after landing. */
function health(lag: number | null, unserved: Partial<Health['unservedBatches']> = {}, status: Health['status'] = 'ok'): Health {
  const landed = Date.parse('2026-03-15T02:00:00.000Z');
  return {
    status,
    asOf,
    lastSuccess: { batchId: '2026-03-15T02-00Z', finishedAt: '2026-03-15T02:00:03Z' },
    lastFailure: null,
    lagMinutes: 5,
    scheduler: null,
    dataVersion: '7',
    latestServedBatch:
      lag === null
        ? null
        : {
            batchId: '2026-03-15T02-00Z',
            landedAt: new Date(landed).toISOString(),
            importedAt: new Date(landed + lag * 800).toISOString(),
            servedAt: new Date(landed + lag * 1000).toISOString(),
            landingToServedSeconds: lag,
            landingToImportedSeconds: lag * 0.8,
            importedToServedSeconds: lag * 0.2,
          },
    unservedBatches: { count: 0, oldestLandedAt: null, alertAfterMinutes: 30, ...unserved },
    problems: status === 'ok' ? [] : ['1 imported batch is not served yet'],
  };
}

const lagLine = () => screen.getByTestId('serving-lag').textContent;

describe('the header says how long the latest batch took from landing to being served', () => {
  it('in seconds, beside the data day and the last import', () => {
    render(<Freshness health={health(4.2)} fallback={asOf} />);
    const line = screen.getByTestId('freshness');
    expect(line.textContent).toContain('Data as of 14 Mar 2026');
    expect(lagLine()).toBe('Latest batch served 4 seconds after landing');
  });

  it('in minutes or hours when it took that long', () => {
    render(<Freshness health={health(200)} fallback={asOf} />);
    expect(lagLine()).toBe('Latest batch served 3 minutes 20 seconds after landing');
    cleanup();
    render(<Freshness health={health(7_500)} fallback={asOf} />);
    expect(lagLine()).toBe('Latest batch served 2 hours 5 minutes after landing');
  });

  it('says when batches are imported but not served yet, in words as well as the warning colour', () => {
    const oldest = '2026-03-15T01:15:00.000Z';
    render(<Freshness health={health(4, { count: 2, oldestLandedAt: oldest }, 'degraded')} fallback={asOf} />);
    const line = screen.getByTestId('freshness');
    expect(line.classList.contains('freshness-warn')).toBe(true);
    expect(line.textContent).toContain('imports are behind (degraded)');
    expect(lagLine()).toBe(`Latest batch served 4 seconds after landing · 2 batches not served yet (the oldest landed ${formatDateTime(oldest)})`);
  });

  it('says nothing about the lag before a batch has been served, nor before the health has loaded', () => {
    render(<Freshness health={health(null)} fallback={asOf} />);
    expect(screen.queryByTestId('serving-lag')).toBeNull();
    cleanup();
    render(<Freshness health={null} fallback={asOf} />);
    expect(screen.getByTestId('freshness').textContent).toBe('Data as of 14 Mar 2026 · last import ' + formatDateTime(asOf.lastImportAt));
    expect(screen.queryByTestId('serving-lag')).toBeNull();
  });
});

describe('durations in words', () => {
  it('keep seconds under 10 minutes, minutes under 2 days', () => {
    expect(
      [0.4, -2, 1, 4.4, 59.6, 60, 61, 599, 600, 3_569, 3_600, 172_740, 172_800, 270_000].map(formatDuration),
    ).toEqual([
      'less than a second',
      'less than a second',
      '1 second',
      '4 seconds',
      '1 minute',
      '1 minute',
      '1 minute 1 second',
      '9 minutes 59 seconds',
      '10 minutes',
      '59 minutes',
      '1 hour',
      '47 hours 59 minutes',
      '2 days',
      '3 days 3 hours',
    ]);
  });
});
