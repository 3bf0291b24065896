import { describe, expect, it } from 'vitest';
import { ragStatus } from './rag.js';

describe('RAG rating against the uptake target', () => {
  it('is green at or above the target', () => {
    expect(ragStatus(40, 40)).toBe('green');
    expect(ragStatus(52.5, 40)).toBe('green');
  });
  it('is amber from 80% of the target', () => {
    expect(ragStatus(32, 40)).toBe('amber'); // exactly 80% of 40
    expect(ragStatus(39.9, 40)).toBe('amber');
  });
  it('is red below 80% of the target', () => {
    expect(ragStatus(31.9, 40)).toBe('red');
    expect(ragStatus(0, 40)).toBe('red');
  });
  it('is amber below 80% when on course to reach the target within a year', () => {
    expect(ragStatus(25, 40, 300)).toBe('amber');
    expect(ragStatus(25, 40, 365)).toBe('amber');
    expect(ragStatus(25, 40, 366)).toBe('red');
  });
  it('has no rating without a target or a value', () => {
    expect(ragStatus(30, null)).toBe('none');
    expect(ragStatus(null, 40)).toBe('none');
  });
});
