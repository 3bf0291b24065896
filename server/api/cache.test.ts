import { describe, expect, it } from 'vitest';
import { ResponseCache, etagFor, matchesEtag, type CachedResponse } from './cache.js';

const entry = (body: string): CachedResponse => ({ body, contentType: 'text/plain', headers: {}, etag: '"x"' });

describe('ResponseCache', () => {
  it('evicts the least recently used entry beyond its entry limit', () => {
    const cache = new ResponseCache(2);
    cache.set('a', entry('1'));
    cache.set('b', entry('2'));
    cache.get('a');
    cache.set('c', entry('3'));
    expect([cache.get('a')?.body, cache.get('b'), cache.get('c')?.body]).toEqual(['1', undefined, '3']);
  });

  it('evicts by size, and does not keep an answer larger than the whole budget', () => {
    const cache = new ResponseCache(100, 30); // strings count 2 bytes a character: 20 each
    cache.set('a', entry('x'.repeat(10)));
    cache.set('b', entry('y'.repeat(10)));
    expect(cache.size).toBe(1);
    cache.set('huge', entry('z'.repeat(30)));
    expect(cache.get('huge')).toBeUndefined();
  });
});

describe('ETags', () => {
  it('change with the data version and match If-None-Match lists, weak or strong', () => {
    const v1 = etagFor('1', 'k');
    expect(etagFor('2', 'k')).not.toBe(v1);
    expect(matchesEtag(`"other", W/${v1}`, v1)).toBe(true);
    expect(matchesEtag('*', v1)).toBe(true);
    expect(matchesEtag(undefined, v1)).toBe(false);
  });
});

describe('getOrCompute', () => {
  it('computes an answer once however many ask for it at the same time, then serves it from the cache', async () => {
    const cache = new ResponseCache(10);
    let computed = 0;
    const compute = async () => {
      computed++;
      await new Promise((r) => setTimeout(r, 20));
      return { body: 'x', contentType: 'text/plain', headers: {}, etag: '"1"' };
    };
    const answers = await Promise.all(Array.from({ length: 200 }, () => cache.getOrCompute('k', compute)));
    expect(computed).toBe(1);
    expect(new Set(answers).size).toBe(1);
    await cache.getOrCompute('k', compute);
    expect(computed).toBe(1);
  });

  it('lets the next request try again after a failed computation', async () => {
    const cache = new ResponseCache(10);
    await expect(cache.getOrCompute('k', async () => Promise.reject(new Error('store busy')))).rejects.toThrow('store busy');
    const ok = await cache.getOrCompute('k', async () => ({ body: 'y', contentType: 'text/plain', headers: {}, etag: '"2"' }));
    expect(ok.body).toBe('y');
  });
});
