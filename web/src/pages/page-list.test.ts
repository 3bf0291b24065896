import { describe, expect, it } from 'vitest';
import { PAGE_LIST } from './page-list.js';

describe('the page list', () => {
  it('hides "Show by" where it would do nothing: Savings & ROI is monthly (costs, payback month), Equity a snapshot', () => {
    const noGrain = PAGE_LIST.filter((p) => 'grain' in p && p.grain === false).map((p) => p.path);
    expect(noGrain).toEqual(expect.arrayContaining(['/savings', '/equity']));
    expect(noGrain).not.toContain('/');
  });
});
