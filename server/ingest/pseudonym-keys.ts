/**
 * The importer's lookup key of a patient: the first 128 bits of the pseudonym, HMAC-SHA-256 of the
 * NHS number's ten digits (see pseudonymise.ts), computed here rather than in DuckDB because it is
 * the importer's largest single piece of arithmetic — one per distinct NHS number of each import
 * run, a million for a large delivery.
 *
 * HMAC is H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)). The two key blocks are the same for every number, so
 * their SHA-256 states are computed once; each number then costs two compressions (ten digits
 * and a 32-byte digest each fit one padded block), where DuckDB's sha256() calls cost four.
 * That is about 0.6 µs per number on one core, and a large list is shared among worker threads,
 * one per core; DuckDB's sha256() takes about 1 µs per number with both cores. The result is the
 * same HMAC bit for bit (tests compare it with node:crypto and with the SQL in hmacSql).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { hmacKeyBlock, type PseudonymKey } from './pseudonymise.js';

/** Words of a number's key: the first four 32-bit words (big-endian) of its HMAC. */
export const KEY_WORDS = 4;

/**
 * The arithmetic as one self-contained function (nothing from outside it), so that the very same
 * code runs here and, from its source text, in worker threads: `compress` is SHA-256's
 * compression, `keyWords` the keys of a list of numbers.
 */
function keyKernel() {
  const ROUND_CONSTANTS = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
    0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
    0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
    0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
    0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const DIGIT = 48; // '0'
  /** Bit lengths of the two hashed messages, a key block before each: 64 + 10 digits, 64 + a 32-byte digest. */
  const INNER_BITS = (64 + 10) * 8;
  const OUTER_BITS = (64 + 32) * 8;

  /** SHA-256's compression of the block in `w[0..15]` (w is the 64-word schedule) onto `state`, into `out`. */
  function compress(w: Int32Array, state: Int32Array, out: Int32Array): void {
    for (let i = 16; i < 64; i++) {
      const w15 = w[i - 15]!;
      const w2 = w[i - 2]!;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
    for (let i = 0; i < 64; i++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + s1 + ((e & f) ^ (~e & g)) + ROUND_CONSTANTS[i]! + w[i]!) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    out[0] = (state[0]! + a) | 0;
    out[1] = (state[1]! + b) | 0;
    out[2] = (state[2]! + c) | 0;
    out[3] = (state[3]! + d) | 0;
    out[4] = (state[4]! + e) | 0;
    out[5] = (state[5]! + f) | 0;
    out[6] = (state[6]! + g) | 0;
    out[7] = (state[7]! + h) | 0;
  }

  /** Four words per number (see KEY_WORDS), from the states after the inner and outer key blocks. */
  function keyWords(inner: Int32Array, outer: Int32Array, numbers: ArrayLike<number>): Uint32Array {
    const keys = new Uint32Array(numbers.length * 4);
    const w = new Int32Array(64);
    const digest = new Int32Array(8);
    const result = new Int32Array(8);
    for (let n = 0; n < numbers.length; n++) {
      const value = numbers[n]!;
      // Two five-digit halves keep the digit arithmetic in 32-bit integers.
      const high = Math.floor(value / 100000);
      const low = value - high * 100000;
      // Inner block: the ten ASCII digits, the 0x80 end marker, zeros, the length.
      w[0] = ((DIGIT + ((high / 10000) | 0)) << 24) | ((DIGIT + (((high / 1000) | 0) % 10)) << 16) | ((DIGIT + (((high / 100) | 0) % 10)) << 8) | (DIGIT + (((high / 10) | 0) % 10));
      w[1] = ((DIGIT + (high % 10)) << 24) | ((DIGIT + ((low / 10000) | 0)) << 16) | ((DIGIT + (((low / 1000) | 0) % 10)) << 8) | (DIGIT + (((low / 100) | 0) % 10));
      w[2] = ((DIGIT + (((low / 10) | 0) % 10)) << 24) | ((DIGIT + (low % 10)) << 16) | 0x8000;
      for (let i = 3; i < 15; i++) w[i] = 0;
      w[15] = INNER_BITS;
      compress(w, inner, digest);
      // Outer block: the inner digest, the end marker, zeros, the length.
      for (let i = 0; i < 8; i++) w[i] = digest[i]!;
      w[8] = 0x80000000 | 0;
      for (let i = 9; i < 15; i++) w[i] = 0;
      w[15] = OUTER_BITS;
      compress(w, outer, result);
      const at = n * 4;
      keys[at] = result[0]!;
      keys[at + 1] = result[1]!;
      keys[at + 2] = result[2]!;
      keys[at + 3] = result[3]!;
    }
    return keys;
  }

  return { compress, keyWords };
}

const kernel = keyKernel();
const INITIAL_STATE = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** The SHA-256 states after HMAC's inner (K ⊕ ipad) and outer (K ⊕ opad) key blocks. */
export interface HmacStates {
  inner: Int32Array;
  outer: Int32Array;
}

export function hmacStates(key: PseudonymKey): HmacStates {
  const block = hmacKeyBlock(key);
  const stateAfter = (pad: number) => {
    const w = new Int32Array(64);
    for (let i = 0; i < 16; i++) w[i] = block.readInt32BE(i * 4) ^ (pad * 0x01010101);
    const state = new Int32Array(8);
    kernel.compress(w, INITIAL_STATE, state);
    return state;
  };
  return { inner: stateAfter(0x36), outer: stateAfter(0x5c) };
}

/**
 * The keys of `numbers` (NHS numbers as integers below 10¹⁰; the HMAC is over their ten digits,
 * leading zeros included): KEY_WORDS unsigned words per number, in the order given.
 */
export function pseudonymKeyWords(states: HmacStates, numbers: ArrayLike<number>): Uint32Array {
  return kernel.keyWords(states.inner, states.outer, numbers);
}

/** Up to this many numbers are hashed on this thread: a few milliseconds, less than starting a worker. */
const INLINE_LIMIT = 20_000;
/** A worker is given at least this many numbers. */
const MIN_NUMBERS_PER_WORKER = 50_000;

/** The worker: the kernel's source text, and esbuild's name-keeping helper, which tsx adds to it. */
const WORKER_SOURCE = `
  const { parentPort, workerData } = require('node:worker_threads');
  var __name = (fn) => fn;
  const { keyWords } = (${keyKernel.toString()})();
  const keys = keyWords(workerData.inner, workerData.outer, workerData.numbers);
  parentPort.postMessage(keys, [keys.buffer]);`;

function keysInWorker(states: HmacStates, numbers: Float64Array): Promise<Uint32Array> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { inner: states.inner, outer: states.outer, numbers } });
    worker.once('message', (keys: Uint32Array) => resolve(keys));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the pseudonym key worker stopped (exit code ${code})`)));
  });
}

/**
 * pseudonymKeyWords spread over the machine's cores, for the million numbers of a large delivery.
 * The work is done in worker threads, off this one, so that a server importing on its schedule
 * keeps answering requests meanwhile; a few numbers are done here at once.
 */
export async function pseudonymKeyWordsParallel(states: HmacStates, numbers: Float64Array, threads = availableParallelism()): Promise<Uint32Array> {
  if (numbers.length <= INLINE_LIMIT) return pseudonymKeyWords(states, numbers);
  const parts = Math.max(1, Math.min(threads, Math.floor(numbers.length / MIN_NUMBERS_PER_WORKER)));
  const size = Math.ceil(numbers.length / parts);
  const slices = Array.from({ length: parts }, (_, i) => numbers.subarray(i * size, (i + 1) * size));
  const keys = new Uint32Array(numbers.length * KEY_WORDS);
  const hashed = await Promise.all(slices.map((slice) => keysInWorker(states, slice)));
  for (const [i, part] of hashed.entries()) keys.set(part, i * size * KEY_WORDS);
  return keys;
}
