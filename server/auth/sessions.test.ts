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
