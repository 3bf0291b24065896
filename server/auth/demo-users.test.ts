/** First start's demo users: one per role at the ICB and a CCG-scoped CIO, made once, able to sign in. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/store.js';
import { Access } from './access.js';
import { createDemoUsersIfNone, demoUsersBox } from './demo-users.js';
import { listUsers } from './users.js';

describe('demo users on first start', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore({ path: ':memory:' });
  });
  afterEach(async () => {
    await store.close();
  });

  const withOrgs = () =>
    store.withConnection((c) =>
      c.run(`INSERT INTO organisations VALUES
        ('Q00', 'North West London ICB', 'icb', NULL, NULL, NULL, NULL, 'B'),
        ('C02', 'West CCG', 'ccg', 'Q00', NULL, NULL, NULL, 'B'),
        ('C01', 'Central CCG', 'ccg', 'Q00', NULL, NULL, NULL, 'B'),
        ('P01', 'A Practice', 'practice', 'C01', 50, NULL, 40, 'B')`),
    );

  it('makes one user per role at the ICB and a CIO of the first CCG, with generated passwords that work', async () => {
    await withOrgs();
    const outcome = await store.withConnection((c) => createDemoUsersIfNone(c));
    if (!outcome.created) throw new Error(`nothing created: ${outcome.reason}`);
    expect(outcome.created.map(({ username, role, org, orgName }) => ({ username, role, org, orgName }))).toEqual([
      { username: 'commissioner', role: 'commissioner', org: 'Q00', orgName: 'North West London ICB' },
      { username: 'cio', role: 'cio', org: 'Q00', orgName: 'North West London ICB' },
      { username: 'cio-c01', role: 'cio', org: 'C01', orgName: 'Central CCG' },
      { username: 'analyst', role: 'analyst', org: 'Q00', orgName: 'North West London ICB' },
      { username: 'admin', role: 'admin', org: 'Q00', orgName: 'North West London ICB' },
    ]);
    const passwords = outcome.created.map((u) => u.password);
    expect(new Set(passwords).size).toBe(5);
    for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9]{20}$/);

    const users = await store.withConnection((c) => listUsers(c));
    expect(users.map((u) => [u.username, u.role, u.org, u.source, u.disabled])).toEqual([
      ['admin', 'admin', 'Q00', 'local', false],
      ['analyst', 'analyst', 'Q00', 'local', false],
      ['cio', 'cio', 'Q00', 'local', false],
      ['cio-c01', 'cio', 'C01', 'local', false],
      ['commissioner', 'commissioner', 'Q00', 'local', false],
    ]);
    // Only hashes are kept.
    const hashes = await store.withConnection(async (c) => (await c.runAndReadAll(`SELECT password_hash FROM users`)).getRows().map((r) => String(r[0])));
    for (const h of hashes) expect(h).toMatch(/^\$argon2id\$/);

    const access = new Access(store, { sleep: async () => {}, oidc: null });
    for (const u of outcome.created) {
      expect((await access.signIn(u.username, u.password, { ip: '192.0.2.9', userAgent: null })).ok, u.username).toBe(true);
    }
    await access.close();
  });

  it('does nothing when the store has users, and says why when there are no organisations yet', async () => {
    expect(await store.withConnection((c) => createDemoUsersIfNone(c))).toEqual({ created: null, reason: 'no organisations' });
    await withOrgs();
    expect((await store.withConnection((c) => createDemoUsersIfNone(c))).created).toHaveLength(5);
    expect(await store.withConnection((c) => createDemoUsersIfNone(c))).toEqual({ created: null, reason: 'users exist' });
    expect(await store.withConnection((c) => listUsers(c))).toHaveLength(5);
  });

  it('without a CCG, makes one user per role only', async () => {
    await store.withConnection((c) => c.run(`INSERT INTO organisations VALUES ('Q00', 'ICB', 'icb', NULL, NULL, NULL, NULL, 'B')`));
    const outcome = await store.withConnection((c) => createDemoUsersIfNone(c, () => 'a-fixed-password-1'));
    expect(outcome.created?.map((u) => u.username)).toEqual(['commissioner', 'cio', 'analyst', 'admin']);
  });

  it('prints a box with names, roles, organisations, passwords and how to change them', () => {
    const box = demoUsersBox([
      { username: 'admin', role: 'admin', org: 'Q00', orgName: 'North West London ICB', password: 'Pw1Pw1Pw1Pw1Pw1Pw1Pw' },
      { username: 'cio-c01', role: 'cio', org: 'C01', orgName: 'Central CCG', password: 'Xy2Xy2Xy2Xy2Xy2Xy2Xy' },
    ]);
    const lines = box.split('\n');
    expect(lines[0]).toMatch(/^┌─+┐$/);
    expect(lines.at(-1)).toMatch(/^└─+┘$/);
    // A closed box: every line as wide as the top.
    for (const l of lines) expect([...l].length).toBe([...lines[0]!].length);
    expect(box).toMatch(/│ admin\s+admin\s+Q00 North West London ICB\s+Pw1Pw1Pw1Pw1Pw1Pw1Pw\s+│/);
    expect(box).toMatch(/│ cio-c01\s+cio\s+C01 Central CCG\s+Xy2Xy2Xy2Xy2Xy2Xy2Xy\s+│/);
    expect(box).toContain('npm run users -- reset <username>');
    expect(box).toContain('Admin page');
  });
});
