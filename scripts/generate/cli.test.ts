/** The CLI's edge: bad flags and unusable folders give one clear line and exit code 2. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), tty: false });
  return { code, stdout: out.join('\n'), errors: err.filter((l) => !/^generate: (planning|writing batches) /.test(l)) };
}

describe('generate CLI', () => {
  it.each([
    [['--out', '/tmp/x', '--scale', 'lots'], /--scale: must be a number/],
    [['--out', '/tmp/x', '--scale', '0'], /--scale: must be greater than 0/],
    [['--out', '/tmp/x', '--days', '3'], /--days: must be at least 14/],
    [['--out', '/tmp/x', '--batch', 'year'], /--batch/],
    [['--out', '/tmp/x', '--format', 'xlsx'], /--format/],
    [['--out', '/tmp/x', '--end', '2026-02-30'], /--end: must be a real date/],
    [['--out', '/tmp/x', '--colour', 'blue'], /Unknown option '--colour'/],
    [['--scale', '0.01'], /--out: is required/],
    [['--out', '/proc/portal-landing', '--scale', '0.01'], /cannot write to the output folder \/proc\/portal-landing/],
  ])('rejects %j with one line and exit code 2', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
  });

  it('refuses a folder holding files it did not write, generates into an empty one, and replaces its own output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portal-gen-cli-'));
    const args = ['--out', dir, '--scale', '0.01', '--days', '14', '--end', '2026-11-23', '--workers', '0'];
    try {
      writeFileSync(join(dir, 'notes.txt'), 'keep me');
      const refused = await run(...args);
      expect(refused.code).toBe(2);
      expect(refused.errors[0]).toMatch(/already holds 1 entries the generator did not write/);
      rmSync(join(dir, 'notes.txt'));
      const ok = await run(...args);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/Wrote 2 week batches \(csv\)/);
      expect(readdirSync(dir).sort()).toEqual(['2026-11-16T02-00Z', '2026-11-23T02-00Z', '_manifest.json']);
      expect((await run(...args)).code).toBe(0);
      expect(existsSync(join(dir, '.generating'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits the process with code 2 and no stack trace', () => {
    const entry = join(import.meta.dirname, '..', 'generate-cli.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', entry, '--out', '/tmp/x', '--seed', 'abc'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('generate: --seed: must be a number (see --help)');
  });
});
