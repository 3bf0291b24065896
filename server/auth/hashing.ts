/**
 * Secrets the server hands out (session and API tokens) and how they are kept: a token is 32
 * random bytes, shown once to its owner; the store keeps only its SHA-256, so a copy of the store
 * lets nobody sign in. (A fast hash is right here: the token has 256 bits of entropy, unlike a
 * password, which gets Argon2id.)
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';

/** Prefixes make a leaked token recognisable (secret scanners, logs) and say what it is. */
export const SESSION_PREFIX = 'pis_';
export const API_TOKEN_PREFIX = 'pit_';

export function newToken(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 256;

/** Why a password is refused, or null when it is acceptable (NCSC: length over composition rules). */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `A password needs at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `A password may have at most ${MAX_PASSWORD_LENGTH} characters.`;
  if (/^(.)\1*$/.test(password)) return 'A password must not be one character repeated.';
  return null;
}

/** Argon2id with the library's defaults (m=19 MiB, t=2, p=1: OWASP's minimum recommendation). */
export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password);
}

// Verifying against this for an unknown username makes a sign-in take as long whether the
// account exists or not, so the timing does not tell either.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (!hash) {
    dummyHash ??= argon2Hash('no such user: timing equaliser');
    await argon2Verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await argon2Verify(hash, password);
  } catch {
    return false;
  }
}

/** A password for a demo or reset account: 20 characters from an unambiguous alphabet. */
export function newPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let out = '';
  for (let i = 0; i < 20; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
