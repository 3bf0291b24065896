/**
 * Slows down and then locks out repeated failed sign-ins, per account name and per client address.
 * Counted for any name typed, whether or not such a user exists, so neither the delay nor the
 * lockout tells an attacker which names are real. Kept in memory: a restart forgets it, which
 * costs an attacker a restart they cannot cause.
 */
export interface LockoutPolicy {
  /** Failures within `windowMs` before an account name is locked. */
  accountLimit: number;
  /** Failures within `windowMs` before a client address is locked (covers spraying many names). */
  addressLimit: number;
  windowMs: number;
  lockMs: number;
  /** Extra delay per earlier failure, doubling, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = {
  accountLimit: 5,
  addressLimit: 20,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
};

interface Entry {
  failures: number[];
  lockedUntil: number;
}

export type Verdict = { allowed: true; delayMs: number } | { allowed: false; retryAfterMs: number };

export class SignInThrottle {
  private readonly accounts = new Map<string, Entry>();
  private readonly addresses = new Map<string, Entry>();

  constructor(
    readonly policy: LockoutPolicy = DEFAULT_LOCKOUT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an attempt may go ahead now, and how long to hold it first. */
  check(account: string, address: string): Verdict {
    const now = this.now();
    const a = this.fresh(this.accounts, account, now);
    const b = this.fresh(this.addresses, address, now);
    const lockedUntil = Math.max(a?.lockedUntil ?? 0, b?.lockedUntil ?? 0);
    if (lockedUntil > now) return { allowed: false, retryAfterMs: lockedUntil - now };
    const earlier = Math.max(a?.failures.length ?? 0, b?.failures.length ?? 0);
    const delayMs = earlier === 0 ? 0 : Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (earlier - 1));
    return { allowed: true, delayMs };
  }

  failed(account: string, address: string): void {
    const now = this.now();
    this.count(this.accounts, account, now, this.policy.accountLimit);
    this.count(this.addresses, address, now, this.policy.addressLimit);
  }

  /** A success clears the account's failures (not the address's: one good password among a spray proves little). */
  succeeded(account: string): void {
    this.accounts.delete(account);
  }

  private fresh(map: Map<string, Entry>, key: string, now: number): Entry | undefined {
    const e = map.get(key);
    if (!e) return undefined;
    e.failures = e.failures.filter((t) => now - t < this.policy.windowMs);
    if (e.failures.length === 0 && e.lockedUntil <= now) {
      map.delete(key);
      return undefined;
    }
    return e;
  }

  private count(map: Map<string, Entry>, key: string, now: number, limit: number): void {
    const e = this.fresh(map, key, now) ?? { failures: [], lockedUntil: 0 };
    e.failures.push(now);
    if (e.failures.length >= limit) {
      e.lockedUntil = now + this.policy.lockMs;
      e.failures = [];
    }
    map.set(key, e);
    // Bounded: an address spraying random names must not grow memory without end.
    if (map.size > 100_000) map.delete(map.keys().next().value as string);
  }
}
