/**
 * Keyed pseudonyms for NHS numbers: HMAC-SHA-256 with a secret kept outside the database.
 * The same key must be used for the life of a store, or one patient silently becomes two; the store
 * keeps a fingerprint of the key (never the key) and refuses a different one.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { getMeta, META, setMeta } from '../store/meta.js';
import { StoreError } from '../store/errors.js';

export interface PseudonymKey {
  bytes: Buffer;
  source: 'option' | 'env' | 'file';
  fingerprint: string;
}

const FINGERPRINT_MESSAGE = 'portal-insights/pseudonym-key-fingerprint/v1';

export function keyFingerprint(bytes: Buffer): string {
  return createHmac('sha256', bytes).update(FINGERPRINT_MESSAGE).digest('hex').slice(0, 16);
}

/** Default key file: beside the store (data/pseudo.key), which .gitignore keeps out of git. */
function defaultKeyFile(storePath: string): string {
  return storePath === ':memory:' ? resolve('data/pseudo.key') : join(dirname(storePath), 'pseudo.key');
}

export interface KeyOptions {
  key?: string;
  keyFile?: string;
  storePath: string;
}

function keyFromText(text: string, source: PseudonymKey['source']): PseudonymKey {
  if (text.length < 16) throw new StoreError('The pseudonymisation key must be at least 16 characters long.');
  const bytes = Buffer.from(text, 'utf8');
  return { bytes, source, fingerprint: keyFingerprint(bytes) };
}

/**
 * The key this installation has, without creating one (restore must not invent a key the data
 * was never made with): option, PORTAL_PSEUDO_KEY, or the key file if it exists.
 */
export function existingKey(options: KeyOptions): PseudonymKey | undefined {
  if (options.key || process.env.PORTAL_PSEUDO_KEY) return resolveKey(options);
  return existsSync(options.keyFile ?? defaultKeyFile(options.storePath)) ? resolveKey(options) : undefined;
}

/** Option, then PORTAL_PSEUDO_KEY, then the key file — created with 32 random bytes on first use. */
export function resolveKey(options: KeyOptions): PseudonymKey {
  const fromText = keyFromText;
  if (options.key) return fromText(options.key, 'option');
  if (process.env.PORTAL_PSEUDO_KEY) return fromText(process.env.PORTAL_PSEUDO_KEY, 'env');

  const file = options.keyFile ?? defaultKeyFile(options.storePath);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new StoreError(`Cannot read the pseudonymisation key file ${file}: ${(err as Error).message}`);
  }
  return fromText(text, 'file');
}

/**
 * Checks the key against the store's fingerprint, recording it if the store has none yet.
 * Must run inside the first batch's transaction so a failed first import records nothing.
 */
export async function checkKeyFingerprint(conn: DuckDBConnection, key: PseudonymKey): Promise<'matched' | 'recorded'> {
  const stored = await getMeta(conn, META.keyFingerprint);
  if (stored === undefined) {
    await setMeta(conn, META.keyFingerprint, key.fingerprint);
    return 'recorded';
  }
  if (stored !== key.fingerprint) {
    throw new StoreError(
      `The pseudonymisation key (from ${key.source === 'env' ? 'PORTAL_PSEUDO_KEY' : key.source === 'file' ? 'the key file' : 'the key option'}) ` +
        `does not match the key this store was loaded with (fingerprint ${stored}, given ${key.fingerprint}). ` +
        `Importing with a different key would turn every returning patient into a new one, so nothing was imported. ` +
        `Use the original key (PORTAL_PSEUDO_KEY or data/pseudo.key).`,
    );
  }
  return 'matched';
}

/** The key as HMAC uses it: zero-padded to SHA-256's 64-byte block, hashed first if longer (RFC 2104). */
export function hmacKeyBlock(key: PseudonymKey): Buffer {
  const block = Buffer.alloc(64);
  block.set(key.bytes.length > 64 ? createHash('sha256').update(key.bytes).digest() : key.bytes);
  return block;
}

/**
 * HMAC-SHA-256 as a DuckDB expression, for the whole pseudonym of a patient new to the store and
 * for the quarantine's masks, computed where the rows are (patients are found by the first 128
 * bits of it, computed faster in pseudonym-keys.ts):
 * H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)) with K zero-padded to SHA-256's 64-byte block.
 * The pads exist only in this query's text, in memory; errors are redacted before they are shown.
 */
export function hmacSql(key: PseudonymKey, messageExpr: string): string {
  const block = hmacKeyBlock(key);
  const ipad = Buffer.from(block.map((b) => b ^ 0x36)).toString('hex');
  const opad = Buffer.from(block.map((b) => b ^ 0x5c)).toString('hex');
  return `sha256(unhex('${opad}') || unhex(sha256(unhex('${ipad}') || CAST(${messageExpr} AS BLOB))))`;
}

/** The same pseudonym computed in Node: used by tests and by tools that look a patient up. */
export function pseudonymOf(key: PseudonymKey, nhsNumber: string): string {
  return createHmac('sha256', key.bytes).update(nhsNumber.replace(/\s/g, '')).digest('hex');
}
