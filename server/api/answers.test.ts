/**
 * The switch from one data version to the next: readers keep the previous version's whole
 * answers (and ETags) while the new version's are computed, then get the new version's; an answer
 * is always of one version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/store.js';
import { VersionedAnswers, type AnswerPlan } from './answers.js';
import { ResponseCache, etagFor, type CachedResponse } from './cache.js';
import { VersionMoved, atVersion, type StoreFacts } from './context.js';
import { publications } from '../store/publications.js';

const factsAt = (dataVersion: string) => ({ dataVersion }) as StoreFacts;

/** A store whose latest version the test moves on, as an import's commit does. */
class FakeStore {
  facts = factsAt('1');
  async current() {
    return this.facts;
  }
  async recheck() {
    return this.facts;
  }
}

function deferred() {
  let release!: () => void;
  const gate = new Promise<void>((done) => (release = done));
  return { gate, release };
}

/** Answers "<what>@<version>"; computations of versions named in `held` wait for their release. */
function planner(what: string, computed: string[], held: Map<string, Promise<void>> = new Map()) {
  return (facts: StoreFacts): AnswerPlan => {
    const key = JSON.stringify([facts.dataVersion, what]);
    const etag = etagFor(facts.dataVersion, what);
    return {
      key,
      etag,
      compute: async (): Promise<CachedResponse> => {
        computed.push(`${what}@${facts.dataVersion}`);
        await held.get(facts.dataVersion);
        return { body: `${what}@${facts.dataVersion}`, contentType: 'text/plain', headers: {}, etag };
      },
    };
  };
}

async function ask(answers: VersionedAnswers, what: string, plan: ReturnType<typeof planner>) {
  const chosen = await answers.plan(what, () => plan);
  const response = await answers.answer(() => plan, chosen);
  return { etag: chosen.etag, body: response.body, bodyEtag: response.etag };
}

describe('a new data version', () => {
  it('is served once its answers are computed; until then the previous version answers, with its own ETag', async () => {
    const store = new FakeStore();
    const answers = new VersionedAnswers(store, new ResponseCache(100));
    const computed: string[] = [];
    const v2 = deferred();
    const uptake = planner('uptake', computed, new Map([['2', v2.gate]]));

    expect(await ask(answers, 'uptake', uptake)).toEqual({ etag: etagFor('1', 'uptake'), body: 'uptake@1', bodyEtag: etagFor('1', 'uptake') });

    store.facts = factsAt('2'); // an import commits version 2
    // While version 2's answer is computed, every reader gets version 1's, whole.
    for (let i = 0; i < 3; i++) {
      expect(await ask(answers, 'uptake', uptake)).toEqual({ etag: etagFor('1', 'uptake'), body: 'uptake@1', bodyEtag: etagFor('1', 'uptake') });
    }
    v2.release();
    await answers.settled();
    expect(await ask(answers, 'uptake', uptake)).toEqual({ etag: etagFor('2', 'uptake'), body: 'uptake@2', bodyEtag: etagFor('2', 'uptake') });
    expect(computed).toEqual(['uptake@1', 'uptake@2']); // version 2's computed once, before the switch
  });

  it('has every recently asked answer computed (and prepared: compressed) before it is served, not only the one asked first', async () => {
    const store = new FakeStore();
    const prepared: unknown[] = [];
    const answers = new VersionedAnswers(store, new ResponseCache(100), { prepare: async (r) => prepared.push(r.body) });
    const computed: string[] = [];
    const uptake = planner('uptake', computed);
    const orgs = planner('orgs', computed);
    await ask(answers, 'uptake', uptake);
    await ask(answers, 'orgs', orgs);

    store.facts = factsAt('2');
    expect((await ask(answers, 'uptake', uptake)).body).toBe('uptake@1');
    await answers.settled();
    expect(computed.filter((c) => c.endsWith('@2')).sort()).toEqual(['orgs@2', 'uptake@2']);
    expect(prepared.sort()).toEqual(['orgs@2', 'uptake@2']);
    // Both are then served from the cache: no reader waits on the switch.
    expect((await ask(answers, 'orgs', orgs)).body).toBe('orgs@2');
    expect(computed).toHaveLength(4);
  });

  it('answers a request with nothing of the previous version cached from the new version at once', async () => {
    const store = new FakeStore();
    const answers = new VersionedAnswers(store, new ResponseCache(100));
    const computed: string[] = [];
    const v2 = deferred();
    const held = new Map([['2', v2.gate]]);
    await ask(answers, 'uptake', planner('uptake', computed, held));

    store.facts = factsAt('2');
    const first = ask(answers, 'uptake', planner('uptake', computed, held)); // starts the switch
    // Never asked before: no previous answer to serve, so it is the new version's (never the
    // previous version's ETag on the new data).
    const funnel = await ask(answers, 'funnel', planner('funnel', computed));
    expect(funnel).toEqual({ etag: etagFor('2', 'funnel'), body: 'funnel@2', bodyEtag: etagFor('2', 'funnel') });
    expect((await first).body).toBe('uptake@1');
    v2.release();
    await answers.settled();
  });

  it('is served after the longest switch allowed even when an answer is still being computed', async () => {
    const store = new FakeStore();
    const answers = new VersionedAnswers(store, new ResponseCache(100), { maxSwitchMs: 10 });
    const computed: string[] = [];
    const never = deferred();
    const uptake = planner('uptake', computed, new Map([['2', never.gate]]));
    await ask(answers, 'uptake', uptake);
    store.facts = factsAt('2');
    expect((await ask(answers, 'uptake', uptake)).body).toBe('uptake@1');
    await answers.settled();
    // Served from version 2 now: the request joins the computation under way.
    const next = ask(answers, 'uptake', uptake);
    never.release();
    expect((await next).body).toBe('uptake@2');
  });

  it('is answered again at the store latest version when a computation finds the store has moved on', async () => {
    const store = new FakeStore();
    const answers = new VersionedAnswers(store, new ResponseCache(100));
    const plan = (facts: StoreFacts): AnswerPlan => ({
      key: facts.dataVersion,
      etag: etagFor(facts.dataVersion, 'x'),
      compute: async () => {
        // The store is at version 3 by the time this version's read begins.
        if (facts.dataVersion !== '3') {
          store.facts = factsAt('3');
          throw new VersionMoved(facts.dataVersion, '3');
        }
        return { body: 'x@3', contentType: 'text/plain', headers: {}, etag: etagFor('3', 'x') };
      },
    });
    const chosen = await answers.plan('x', () => plan);
    expect(chosen.etag).toBe(etagFor('1', 'x'));
    expect(await answers.answer(() => plan, chosen)).toMatchObject({ body: 'x@3', etag: etagFor('3', 'x') });
  });
});

describe('plans', () => {
  it('are made once per request and version: the request is not checked and resolved again while its answer is cached', async () => {
    const store = new FakeStore();
    const answers = new VersionedAnswers(store, new ResponseCache(100));
    const computed: string[] = [];
    let made = 0;
    const uptake = planner('uptake', computed);
    const make = () => {
      made++;
      return uptake;
    };
    for (let i = 0; i < 3; i++) {
      const chosen = await answers.plan('uptake', make);
      expect((await answers.answer(make, chosen)).body).toBe('uptake@1');
    }
    expect(made).toBe(1);
    store.facts = factsAt('2');
    await answers.plan('uptake', make);
    await answers.settled();
    expect((await answers.answer(make, await answers.plan('uptake', make))).body).toBe('uptake@2');
    expect(made).toBe(1); // the plan for version 2 comes from the same planner
  });
});

describe('atVersion', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ path: ':memory:' });
    await store.withConnection(async (c) => {
      await c.run(`CREATE OR REPLACE TABLE rollup_x (n INTEGER)`);
      await c.run(`INSERT INTO rollup_x VALUES (1)`);
      await c.run(`UPDATE store_meta SET value = '1' WHERE key = 'data_version'`);
      await c.run(`INSERT INTO store_meta SELECT 'data_version', '1' WHERE NOT EXISTS (SELECT 1 FROM store_meta WHERE key = 'data_version')`);
    });
  });
  afterAll(async () => store.close());

  it('reads the rollups of the version asked for, even when an import commits the next one meanwhile', async () => {
    const read = await store.withConnection((conn) =>
      atVersion(conn, '1', async () => {
        // An import publishes new rollups and version 2 in one commit, while this answer is read.
        await store.withConnection(async (other) => {
          await other.run('BEGIN TRANSACTION');
          await other.run(`UPDATE rollup_x SET n = 2`);
          await other.run(`UPDATE store_meta SET value = '2' WHERE key = 'data_version'`);
          await other.run('COMMIT');
        });
        return Number((await conn.runAndReadAll(`SELECT n FROM rollup_x`)).getRows()[0]![0]);
      }),
    );
    expect(read).toBe(1);
    // Asked for version 1 now, the store says it has moved on: that answer is not computed.
    await expect(store.withConnection((conn) => atVersion(conn, '1', async () => 'never'))).rejects.toBeInstanceOf(VersionMoved);
    expect(await store.withConnection((conn) => atVersion(conn, '2', async () => 'ok'))).toBe('ok');
  });

  it('trusts the count of publications when it is given: no query while nothing was published, a re-plan when something was', async () => {
    const before = publications.count;
    // Nothing published since the facts were read: the answer is computed without a version read,
    // so even a store saying another version is not consulted (it cannot change but by publishing).
    expect(await store.withConnection((conn) => atVersion(conn, '7', async () => 'cheap', before))).toBe('cheap');
    // A publication begins while the answer is read: the answer may be the new version's, so it is
    // not served under the old key.
    const moved = store.withConnection((conn) =>
      atVersion(conn, '2', () => publications.around(async () => 'read during a publication'), before),
    );
    await expect(moved).rejects.toBeInstanceOf(VersionMoved);
    expect(publications.count).toBe(before + 2);
    // Facts read before that publication (an older count) go the long way: the version is read in
    // the answer's transaction.
    expect(await store.withConnection((conn) => atVersion(conn, '2', async () => 'checked', before))).toBe('checked');
    await expect(store.withConnection((conn) => atVersion(conn, '1', async () => 'never', before))).rejects.toBeInstanceOf(VersionMoved);
  });
});
