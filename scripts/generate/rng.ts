/**
 * Seeded randomness. Everything the generator writes is a pure function of the options, so the
 * randomness comes from small counter-free generators that can be re-seeded from a key
 * (seed, patient, period, …). That lets any worker regenerate any patient's events for any
 * period on its own — which is how re-delivered (duplicate / conflicting) events are produced
 * without keeping earlier batches in memory.
 */

/** A 32-bit avalanche mix (lowbias32). Equal inputs give equal outputs on every platform. */
export function mix32(x: number): number {
  x = x >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hash of up to four integers into 32 bits. */
export function hash4(a: number, b = 0, c = 0, d = 0): number {
  let h = mix32(a ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(b + 0x632be5ab, 0x85ebca6b));
  h = mix32(h ^ Math.imul(c + 0x1b873593, 0xc2b2ae35));
  h = mix32(h ^ Math.imul(d + 0x27d4eb2f, 0x165667b1));
  return h;
}

/** Uniform [0, 1) from a 32-bit hash. */
export function unitFromHash(h: number): number {
  return (h >>> 0) / 4294967296;
}

/** Stream identifiers keep unrelated random choices independent of each other. */
export const Stream = {
  region: 1,
  patient: 2,
  plan: 3,
  usage: 4,
  feeds: 5,
  enrolmentRow: 6,
  consentRow: 7,
  corruption: 8,
  resend: 9,
  referenceRows: 10,
  engagement: 11,
} as const;

/** Rounding margin of Rng.poisson's shortcut: 8 ulps of numbers just below 1. */
const POISSON_ZERO_MARGIN = 2 ** -50;

/** mulberry32: tiny, fast, good enough for simulation; re-seedable without allocation. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Re-seed from a key so that (key) → the same sequence, whatever happened before. */
  reseed(a: number, b = 0, c = 0, d = 0): this {
    this.state = hash4(a, b, c, d);
    return this;
  }

  next(): number {
    // biome-ignore lint/suspicious/noAssignInExpressions: mulberry32 as published; its output must stay bit-identical
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box–Muller, one value per call so the stream stays simple). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Standard logistic variate. */
  logistic(): number {
    const u = Math.min(Math.max(this.next(), 1e-9), 1 - 1e-9);
    return Math.log(u / (1 - u));
  }

  /** Poisson count; exact for small means, normal approximation for large ones. */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean < 30) {
      let p = this.next();
      // Most draws are for tiny means (a dormant user's week) and come out 0: since
      // e^-mean > 1 - mean, p below 1 - mean (less a few ulps for rounding) means p ≤ e^-mean,
      // the same answer without computing exp. Tens of millions of draws per run.
      if (p <= 1 - mean - POISSON_ZERO_MARGIN) return 0;
      const limit = Math.exp(-mean);
      let k = 0;
      while (p > limit) {
        k++;
        p *= this.next();
      }
      return k;
    }
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Index drawn from a cumulative weight table (last entry = total). */
  pickCumulative(cumulative: Float64Array | readonly number[]): number {
    const total = cumulative[cumulative.length - 1] ?? 0;
    const x = this.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] ?? 0) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    sum += w;
    out[i] = sum;
  });
  return out;
}

/** A categorical distribution over labelled values, ready for repeated draws. */
export class Categorical<T> {
  readonly values: readonly T[];
  private readonly cdf: Float64Array;

  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    this.values = entries.map(([v]) => v);
    this.cdf = cumulative(entries.map(([, w]) => w));
  }

  draw(rng: Rng): T {
    return this.values[rng.pickCumulative(this.cdf)] as T;
  }
}
