/**
 * Timing helpers of the bench: interleaved pairs (so both sides of a ratio see the same machine),
 * percentiles, warm-ups.
 */
export function percentile(samples: number[], p: number, decimals = 2): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index]! * 10 ** decimals) / 10 ** decimals;
}

/** Untimed runs of each side before timing (JIT, DuckDB caches): a server runs warm. */
const WARM_UPS = 3;

/**
 * The harness reads each answer with Response.arrayBuffer(). Node's fetch implementation takes
 * ~15 ms per 1 MB body for its first few dozen reads (until it is optimised) and ~0.3 ms after;
 * a server does not read its own responses, so that start-up cost is paid here, before timing.
 */
export async function warmResponseReading(): Promise<void> {
  const body = new Uint8Array(1 << 20);
  for (let i = 0; i < 60; i++) await new Response(body).arrayBuffer();
}

/**
 * Times `a` and `b` alternately (a, b, a, b, …) after one warm-up of each, so both see the same
 * machine: on a shared machine a burst of load would otherwise land on one side of the ratio.
 */
export async function timePair(iterations: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number[], number[]]> {
  for (let i = 0; i < WARM_UPS; i++) {
    await a();
    await b();
  }
  const samplesA: number[] = [];
  const samplesB: number[] = [];
  for (let i = 0; i < iterations; i++) {
    for (const [fn, samples] of i % 2 === 0 ? ([[a, samplesA], [b, samplesB]] as const) : ([[b, samplesB], [a, samplesA]] as const)) {
      const started = performance.now();
      await fn();
      samples.push(performance.now() - started);
    }
  }
  return [samplesA, samplesB];
}

export async function time(iterations: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARM_UPS; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

