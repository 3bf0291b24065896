/**
 * The control socket: private to the server's user, one JSON request and one answer, a socket left
 * by a killed server replaced, a live one or a stranger file left alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackupManifest } from './backup.js';
import { controlSocketPath, requestBackup, startControlSocket } from './control-socket.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portal-ctl-'));
  dirs.push(dir);
  return dir;
}

const MANIFEST: BackupManifest = {
  format: 'portal-insights-backup/1',
  createdAt: '2026-12-01T02:00:00.000Z',
  source: '/srv/portal/data/portal.duckdb',
  schemaVersion: 12,
  baseVersion: '3',
  dataVersion: '3',
  keyFingerprint: '0123456789abcdef',
  loadedBatches: [{ batchId: '2026-11-24T02-00Z', fingerprint: 'f'.repeat(32) }],
  tables: { usage_events: 45 },
  file: { name: 'portal.duckdb', bytes: 12_288, sha256: 'a'.repeat(64) },
};

/** Sends raw text and returns the raw answer. */
function rawRequest(path: string, text: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = createConnection(path, () => socket.write(text));
    let answer = '';
    socket.on('data', (d) => (answer += String(d)));
    socket.on('end', () => done(answer));
    socket.on('error', fail);
  });
}

describe('the control socket', () => {
  it('lies beside the store unless PORTAL_CONTROL_SOCKET says otherwise (off: none)', () => {
    expect(controlSocketPath('/srv/portal/data/portal.duckdb', {})).toBe('/srv/portal/data/portal.control.sock');
    expect(controlSocketPath('/srv/portal/data/portal.duckdb', { PORTAL_CONTROL_SOCKET: '/run/portal.sock' })).toBe('/run/portal.sock');
    expect(controlSocketPath('/srv/portal/data/portal.duckdb', { PORTAL_CONTROL_SOCKET: 'off' })).toBeUndefined();
  });

  it('is private to its user, answers a backup request with the manifest, refuses bad requests, and is gone once closed', async () => {
    const path = join(tempDir(), 'portal.control.sock');
    const asked: string[] = [];
    const control = await startControlSocket(path, async (request) => {
      asked.push(request.backup);
      if (request.backup === '/refused') throw new Error('no room');
      return MANIFEST;
    });
    try {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(await requestBackup(path, { backup: '/backups/monday', operator: 'ops' })).toEqual({ reached: true, manifest: MANIFEST });
      expect(await requestBackup(path, { backup: '/refused' })).toEqual({ reached: true, error: 'The backup failed: no room' });
      expect(JSON.parse(await rawRequest(path, '{"backup": "relative/dir"}\n'))).toEqual({ ok: false, error: 'Bad request: backup: must be an absolute path.' });
      expect(JSON.parse(await rawRequest(path, '{"drop": "everything"}\n')).ok).toBe(false);
      expect(JSON.parse(await rawRequest(path, 'rm -rf /\n')).error).toMatch(/not JSON/);
      expect(asked).toEqual(['/backups/monday', '/refused']);
    } finally {
      await control.close();
    }
    expect(existsSync(path)).toBe(false);
    expect(await requestBackup(path, { backup: '/backups/monday' })).toEqual({ reached: false });
  });

  it('replaces a socket left by a killed server, and leaves a live socket or another file alone', async () => {
    const dir = tempDir();
    const path = join(dir, 'portal.control.sock');
    // A server killed while listening leaves its socket file behind.
    spawnSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(statSync(path).isSocket()).toBe(true);
    expect(await requestBackup(path, { backup: '/b' })).toEqual({ reached: false });
    const control = await startControlSocket(path, async () => MANIFEST);
    try {
      await expect(startControlSocket(path, async () => MANIFEST)).rejects.toThrow(/Another server answers on the control socket/);
    } finally {
      await control.close();
    }
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'keep me');
    await expect(startControlSocket(file, async () => MANIFEST)).rejects.toThrow(/exists and is not a socket/);
  });
});
