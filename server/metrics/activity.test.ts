/**
 * Known answers for the activity rollups on a second tiny region: lifecycle states over months,
 * weekly distinct counts, and UK local time across the summer-time change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/store.js';
import { setMeta, META } from '../store/meta.js';
import { createApp } from '../app.js';
import { signedIn, type SignedInClient } from '../auth/testing.js';
import { refreshRollups } from './rollups.js';

let store: Store;
let app: ReturnType<typeof createApp>;
let admin: SignedInClient;
type Row = Record<string, unknown>;
const rows = async (path: string) => {
  const res = await admin.request(path);
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { rows: Row[] }).rows;
};

beforeAll(async () => {
  store = await openStore({ path: ':memory:' });
  await store.withConnection(async (c) => {
    await c.run(`INSERT INTO organisations VALUES ('Q00', 'ICB', 'icb', NULL, NULL, NULL, NULL, 'B'),
      ('C01', 'CCG', 'ccg', 'Q00', NULL, NULL, NULL, 'B'), ('P01', 'Practice', 'practice', 'C01', 100, NULL, NULL, 'B')`);
    await c.run(`INSERT INTO patients SELECT i, 'p' || i, 'P01', 1980, 'F', 1, 'B' FROM range(1, 21) t(i)`);
    // ids 1-10: Jan and Mar (a gap in Feb); ids 11-20: Jan and Feb.
    await c.run(`INSERT INTO usage_events
      SELECT 'a' || i, TIMESTAMPTZ '2026-01-05 10:00:00+00', i, NULL, 'login', 'web', 'B' FROM range(1, 21) t(i)
      UNION ALL SELECT 'b' || i, TIMESTAMPTZ '2026-03-05 10:00:00+00', i, NULL, 'login', 'web', 'B' FROM range(1, 11) t(i)
      UNION ALL SELECT 'c' || i, TIMESTAMPTZ '2026-02-05 10:00:00+00', i, NULL, 'login', 'web', 'B' FROM range(11, 21) t(i)
      -- 8 logins at 23:30 UTC on Monday 1 June 2026 = 00:30 on Tuesday 2 June in the UK (BST)
      UNION ALL SELECT 'd' || i, TIMESTAMPTZ '2026-06-01 23:30:00+00', i, NULL, 'login', 'web', 'B' FROM range(1, 9) t(i)`);
    await c.run('BEGIN');
    await refreshRollups(c);
    await setMeta(c, META.dataVersion, '1');
    await c.run('COMMIT');
  });
  app = createApp({ store });
  admin = await signedIn(app);
});
afterAll(async () => store.close());

describe('lifecycle', () => {
  it('finds new, returning, resurrecting and dormant patients month by month', async () => {
    const r = await rows('/api/metrics/lifecycle?org=Q00&grain=month&from=2026-01-01&to=2026-04-30');
    const keys = ['period_start', 'new_users', 'returning_users', 'resurrecting_users', 'dormant_users'];
    expect(r.map((x) => keys.map((k) => x[k]))).toEqual([
      ['2026-01-01', 20, 0, 0, 0],
      // Feb: 11-20 return, 1-10 go dormant
      ['2026-02-01', 0, 10, 0, 10],
      // Mar: 1-10 come back after a gap, 11-20 go dormant
      ['2026-03-01', 0, 0, 10, 10],
      // Apr: 1-10 dormant (the June logins are ids 1-8: resurrecting in June, not shown here)
      ['2026-04-01', 0, 0, 0, 10],
    ]);
  });
});

describe('active users by week and day', () => {
  it('counts each patient once per week', async () => {
    const r = await rows('/api/metrics/active_users?org=Q00&grain=week&from=2026-01-05&to=2026-01-11');
    expect(r.map((x) => [x.period_start, x.active_patients, x.logins])).toEqual([['2026-01-05', 20, 20]]);
  });
});

describe('UK local time', () => {
  it('puts a login at 23:30 UTC in summer on the next day at 00h', async () => {
    const r = await rows('/api/metrics/activity_rhythm?org=Q00&from=2026-06-01&to=2026-06-30');
    expect(r.map((x) => [x.weekday_name, x.hour, x.events])).toEqual([['Tuesday', 0, 8]]);
    const days = await rows('/api/metrics/active_users?org=Q00&grain=day&from=2026-06-01&to=2026-06-02');
    expect(days.map((x) => [x.period_start, x.active_patients])).toEqual([['2026-06-02', 10]]);
  });
});
