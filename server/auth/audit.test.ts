import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openStore, type Store } from '../store/store.js';
import { AuditLog } from './audit.js';

let store: Store;
beforeEach(async () => {
  store = await openStore({ path: ':memory:' });
});
afterEach(async () => store.close());

describe('the audit log', () => {
  it('writes entries in the order they happened, keeping empty fields empty, and a read sees what is pending', async () => {
    const log = new AuditLog(store, 60_000);
    log.record({ at: new Date('2026-12-01T09:00:00.123Z'), username: 'alice', role: 'cio', userOrg: 'C01', action: 'metric_read', method: 'GET', route: '/api/metrics/uptake', params: { org: 'P01' }, org: 'P01', rowCount: 12, status: 200, outcome: 'ok', ip: '10.0.0.1' });
    log.record({ at: new Date('2026-12-01T09:00:01Z'), username: null, action: 'denied', outcome: 'denied', status: 401 });
    const records = await log.read({ limit: 10 });
    expect(records.map((r) => [r.at, r.username, r.action, r.org, r.rowCount, r.status, r.params, r.ip])).toEqual([
      ['2026-12-01T09:00:01.000Z', null, 'denied', null, null, 401, null, null],
      ['2026-12-01T09:00:00.123Z', 'alice', 'metric_read', 'P01', 12, 200, '{"org":"P01"}', '10.0.0.1'],
    ]);
    expect(records[0]!.id).toBeGreaterThan(records[1]!.id);
  });

  it('writes any text as it was given, and large counts exactly', async () => {
    const log = new AuditLog(store, 60_000);
    const detail = 'SELECT \'a"b\' -- é ✓ 🙂\n\tnext line\\';
    log.record({ username: "o'neill", action: 'sql_query', outcome: 'ok', detail, params: { q: 'x"y' }, rowCount: 2 ** 40 + 1, status: Number.NaN });
    const [r] = await log.read({ limit: 1 });
    expect([r!.username, r!.detail, r!.params, r!.rowCount, r!.status]).toEqual(["o'neill", detail, '{"q":"x\\"y"}', 2 ** 40 + 1, null]);
  });

  it('keeps entries it could not write and writes them with the next flush', async () => {
    const log = new AuditLog(store, 60_000);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    await store.withConnection((c) => c.run('ALTER TABLE audit_log RENAME TO audit_log_away'));
    log.record({ username: 'bob', action: 'sign_in', outcome: 'failed', status: 401 });
    await log.flush();
    expect(errors).toHaveBeenCalledWith(expect.stringMatching(/could not write 1 audit entries/), expect.any(String));
    await store.withConnection((c) => c.run('ALTER TABLE audit_log_away RENAME TO audit_log'));
    expect((await log.read({ limit: 5 })).map((r) => r.username)).toEqual(['bob']);
    errors.mockRestore();
  });

  it('filters by user, action, outcome and days', async () => {
    const log = new AuditLog(store, 60_000);
    log.record({ at: new Date('2026-11-30T23:59:59Z'), username: 'a', action: 'sign_in', outcome: 'ok' });
    log.record({ at: new Date('2026-12-01T00:00:00Z'), username: 'a', action: 'sign_in', outcome: 'failed' });
    log.record({ at: new Date('2026-12-02T12:00:00Z'), username: 'b', action: 'export', outcome: 'ok' });
    const ids = async (q: Parameters<AuditLog['read']>[0]) => (await log.read(q)).map((r) => `${r.username}:${r.action}:${r.outcome}`);
    expect(await ids({ limit: 10, from: '2026-12-01', to: '2026-12-01' })).toEqual(['a:sign_in:failed']);
    expect(await ids({ limit: 10, username: 'A' })).toEqual(['a:sign_in:failed', 'a:sign_in:ok']);
    expect(await ids({ limit: 10, action: 'export' })).toEqual(['b:export:ok']);
    // Several actions in one read (the SQL history: queries and downloads), newest first.
    expect(await ids({ limit: 10, action: ['export', 'sign_in'] })).toEqual(['b:export:ok', 'a:sign_in:failed', 'a:sign_in:ok']);
    expect(await ids({ limit: 2, action: ['export', 'sign_in'], username: 'a' })).toEqual(['a:sign_in:failed', 'a:sign_in:ok']);
    expect(await ids({ limit: 10, action: [] })).toHaveLength(3);
    expect(await ids({ limit: 10, outcome: 'failed' })).toEqual(['a:sign_in:failed']);
    expect(await ids({ limit: 1 })).toEqual(['b:export:ok']);
  });
});
