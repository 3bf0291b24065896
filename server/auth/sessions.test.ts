import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/store.js';
import { Credentials } from './sessions.js';
import { addUser, type User } from './users.js';

let store: Store;
let user: User;
beforeEach(async () => {
  store = await openStore({ path: ':memory:' });
  user = await store.withConnection(async (conn) => {
    await conn.run(`INSERT INTO organisations VALUES ('Q00', 'ICB', 'icb', NULL, NULL, NULL, NULL, 'B')`);
    return addUser(conn, { username: 'ana', role: 'analyst', org: 'Q00', password: null });
  });
});
afterEach(async () => store.close());

const policy = { idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 };

describe('revocation', () => {
  it('a lookup that overlaps a token revocation does not keep the token alive from memory', async () => {
    for (let round = 0; round < 20; round++) {
      const credentials = new Credentials(store, policy);
      const { token, id } = await credentials.createToken(user, `t${round}`);
      const during = credentials.resolveToken(token); // reads the store while the revocation is written
      await credentials.revokeToken(id);
      await during;
      expect(await credentials.resolveToken(token), `round ${round}`).toBeNull();
    }
  });

  it('the same for a session', async () => {
    for (let round = 0; round < 20; round++) {
      const credentials = new Credentials(store, policy);
      const { token } = await credentials.createSession(user, 'password');
      const during = credentials.resolveSession(token);
      await credentials.revokeSessionByToken(token);
      await during;
      expect(await credentials.resolveSession(token), `round ${round}`).toBeNull();
    }
  });

  it('a session is only as good as its token: another token, or an API token offered as a session, is nobody', async () => {
    const credentials = new Credentials(store, policy);
    const { token } = await credentials.createSession(user, 'password');
    expect((await credentials.resolveSession(token))?.user.username).toBe('ana');
    expect(await credentials.resolveSession(`${token.slice(0, -2)}xx`)).toBeNull();
    const api = await credentials.createToken(user, 'script');
    expect(await credentials.resolveSession(api.token)).toBeNull();
    expect(await credentials.resolveToken(token)).toBeNull();
  });
});

describe('remembered credentials under load', () => {
  /** The store, with its reads counted and, while `hold` is set, held until it is released. */
  function slowStore() {
    let hold: Promise<void> | undefined;
    let release = () => {};
    const counted = {
      reads: 0,
      hold() {
        hold = new Promise<void>((done) => (release = done));
      },
      release: () => {
        hold = undefined;
        release();
      },
      store: {
        ...store,
        withConnection: async <T>(fn: Parameters<Store['withConnection']>[0]) => {
          counted.reads++;
          await hold;
          return store.withConnection(fn) as Promise<T>;
        },
      } as Store,
    };
    return counted;
  }

  it('a token due for re-reading is read once for all the requests that carry it at that moment', async () => {
    let now = 0;
    const slow = slowStore();
    const credentials = new Credentials(slow.store, policy, () => now);
    const { token } = await credentials.createToken(user, 'dashboard');
    expect((await credentials.resolveToken(token))?.user.username).toBe('ana');
    const reads = slow.reads;
    now = 16_000; // past the 15 s it is remembered for
    const principals = await Promise.all(Array.from({ length: 50 }, () => credentials.resolveToken(token)));
    expect(principals.every((p) => p?.user.username === 'ana')).toBe(true);
    expect(slow.reads - reads).toBe(1);
  });

  it('a token is re-read in the background before it is due, and a revocation elsewhere is seen once read', async () => {
    let now = 0;
    const slow = slowStore();
    const credentials = new Credentials(slow.store, policy, () => now);
    const { token } = await credentials.createToken(user, 'dashboard');
    await credentials.resolveToken(token);
    // Another process (the users CLI) revokes the token.
    await store.withConnection((conn) => conn.run(`UPDATE api_tokens SET revoked_at = now()`));
    now = 11_000;
    slow.hold(); // the store is busy: the re-read waits
    // The request does not wait for the re-read: it is answered from what was read 11 s ago.
    expect((await credentials.resolveToken(token))?.user.username).toBe('ana');
    slow.release();
    await new Promise((done) => setTimeout(done, 50));
    expect(await credentials.resolveToken(token)).toBeNull();
  });

  it('a session likewise: one read for many requests, and the re-read before it is due does not hold them up', async () => {
    let now = 0;
    const slow = slowStore();
    const credentials = new Credentials(slow.store, policy, () => now);
    const { token } = await credentials.createSession(user, 'password');
    await credentials.resolveSession(token);
    now = 11_000;
    slow.hold();
    const reads = slow.reads;
    const during = await Promise.all(Array.from({ length: 20 }, () => credentials.resolveSession(token)));
    expect(during.every((p) => p?.user.username === 'ana')).toBe(true);
    expect(slow.reads - reads).toBe(1);
    slow.release();
    await new Promise((done) => setTimeout(done, 50));
  });
});
