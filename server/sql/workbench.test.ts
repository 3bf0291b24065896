import { describe, expect, it } from 'vitest';
import { workbenchSettingsFromEnv } from './workbench.js';

describe('workbench settings from the environment', () => {
  it('has defaults: 15 s per query, 1GB and 2 threads per sandbox, 2 queries per user', () => {
    expect(workbenchSettingsFromEnv({})).toMatchObject({ timeoutMs: 15_000, memoryLimit: '1GB', threads: 2, maxConcurrentPerUser: 2 });
  });

  it.each(['512MB', '2GB', '1.5GiB', '800 MiB', '4096KB', '1gb'])('takes the memory size %s', (size) => {
    expect(workbenchSettingsFromEnv({ PORTAL_SQL_MEMORY: size }).memoryLimit).toBe(size);
  });

  it.each(['lots', '1 gigabyte', '2TB', '-1GB', 'GB'])('refuses the memory size %s, saying what it wants', (size) => {
    expect(() => workbenchSettingsFromEnv({ PORTAL_SQL_MEMORY: size })).toThrow(/PORTAL_SQL_MEMORY must be a size such as 512MB or 2GB/);
  });

  it('refuses a time limit out of range', () => {
    expect(() => workbenchSettingsFromEnv({ PORTAL_SQL_TIMEOUT_S: '0' })).toThrow(/PORTAL_SQL_TIMEOUT_S must be a number from 1 to 3600/);
  });
});
