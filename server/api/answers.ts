/**
 * Which data version the cached answers (metrics, the organisation list) are served from, and
 * the switch from one to the next without making readers wait.
 *
 * When an import publishes a new data version, every cached answer is keyed by the old one. Served
 * at once, the new version would send every reader to the store together, while the store is still
 * busy with the import that made it (under 200 connections, seconds of waiting). Instead the
 * previous version's complete answers keep being served, with their own ETags, while the answers
 * asked for in the last minutes are computed for the new version (a few at a time); then the new
 * version is served. A request whose previous answer is not cached (nothing to serve meanwhile)
 * is answered from the new version straight away, so every answer is of one version, whole.
 */
import type { CachedResponse, ResponseCache } from './cache.js';
import { VersionMoved, type StoreFacts } from './context.js';

/** How a request is answered at a given data version. */
export interface AnswerPlan {
  /** The cache key, which includes the data version. */
  key: string;
  /** The ETag of this version's answer. */
  etag: string;
  compute(): Promise<CachedResponse>;
}

/** Builds a request's plan for some version's facts; may throw (an organisation gone from the data). */
export type Planner<P extends AnswerPlan = AnswerPlan> = (facts: StoreFacts) => P;

export interface VersionSwitchOptions {
  /** Answers asked for within this long are computed for a new version before it is served (ms). */
  recentMs?: number;
  /** At most this many of them (the most recently asked first). */
  warmLimit?: number;
  /** Computed at the same time: the store is busy with the import meanwhile. */
  warmConcurrency?: number;
  /** The new version is served after this long (ms) even when its answers are not all ready. */
  maxSwitchMs?: number;
  /**
   * Finishes a warmed answer as readers will want it (its compressed copy), so the first readers
   * of the new version do not wait for that either.
   */
  prepare?: (response: CachedResponse) => Promise<unknown>;
}

/** Where the store's latest facts come from (StoreContext). */
interface VersionSource {
  current(): Promise<StoreFacts>;
  /** The latest facts, re-reading the version now. */
  recheck(): Promise<StoreFacts>;
}

/** Requests remembered (for warming and their plans); beyond it, the least recently asked are forgotten. */
const MAX_RECENT = 1000;

interface Recent {
  plan: Planner;
  at: number;
  /**
   * Plans already made, by the facts (one object per version) they were made for: a cached answer
   * is then served without checking the request's parameters again, resolving them, or hashing
   * its key, which under load was a tenth of the server's work per request.
   */
  made: WeakMap<StoreFacts, AnswerPlan>;
}

export class VersionedAnswers {
  private served: StoreFacts | undefined;
  private switching: { version: string; done: Promise<void> } | undefined;
  /** Requests by what they ask (not by version), least recently asked first. */
  private readonly recent = new Map<string, Recent>();
  private readonly recentMs: number;
  private readonly warmLimit: number;
  private readonly warmConcurrency: number;
  private readonly maxSwitchMs: number;
  private readonly prepare: (response: CachedResponse) => Promise<unknown>;

  constructor(
    private readonly context: VersionSource,
    private readonly cache: ResponseCache,
    options: VersionSwitchOptions = {},
  ) {
    this.recentMs = options.recentMs ?? 10 * 60_000;
    this.warmLimit = options.warmLimit ?? 48;
    this.warmConcurrency = options.warmConcurrency ?? 2;
    this.maxSwitchMs = options.maxSwitchMs ?? 30_000;
    this.prepare = options.prepare ?? (async () => undefined);
  }

  /**
   * The plan to answer a request by: the served version's, or, during a switch, the previous
   * version's when its answer is cached and the new version's otherwise. `id` names what the
   * request asks (the same for every version, and for every request whose answer is the same);
   * `planner` says how to answer it at a version, made only when no plan for it is at hand.
   */
  async plan<P extends AnswerPlan>(id: string, planner: () => Planner<P>): Promise<P> {
    const latest = await this.context.current();
    const recent = this.note(id, planner);
    const at = (facts: StoreFacts): P => {
      let made = recent.made.get(facts);
      if (!made) {
        made = recent.plan(facts);
        recent.made.set(facts, made);
      }
      return made as P;
    };
    const served = this.served;
    if (!served || served.dataVersion === latest.dataVersion) {
      this.served = latest;
      return at(latest);
    }
    this.switchTo(latest);
    let previous: P | undefined;
    try {
      previous = at(served);
    } catch {
      // Not answerable at the previous version (an organisation new in this one): the new one answers.
    }
    return previous && this.cache.get(previous.key) ? previous : at(latest);
  }

  /**
   * The plan's answer, from the cache or computed once however many ask. An answer computed for a
   * version the store has left (VersionMoved) is not served: the request is planned again at the
   * store's latest version.
   */
  async answer(planner: () => Planner, chosen: AnswerPlan): Promise<CachedResponse> {
    try {
      return await this.cache.getOrCompute(chosen.key, chosen.compute);
    } catch (err) {
      if (!(err instanceof VersionMoved)) throw err;
      const latest = planner()(await this.context.recheck());
      return this.cache.getOrCompute(latest.key, latest.compute);
    }
  }

  /** Resolves once no switch is under way (for tests: the new version is then served). */
  async settled(): Promise<void> {
    while (this.switching) await this.switching.done;
  }

  private note(id: string, planner: () => Planner): Recent {
    const recent = this.recent.get(id) ?? { plan: planner(), at: 0, made: new WeakMap() };
    recent.at = performance.now();
    this.recent.delete(id);
    this.recent.set(id, recent);
    // Bounded: the least recently asked go first.
    if (this.recent.size > MAX_RECENT) this.recent.delete(this.recent.keys().next().value!);
    return recent;
  }

  private switchTo(latest: StoreFacts): void {
    if (this.switching?.version === latest.dataVersion) return;
    const version = latest.dataVersion;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((done) => {
      timer = setTimeout(done, this.maxSwitchMs);
      timer.unref?.();
    });
    const done = Promise.race([this.warm(latest), deadline]).then(() => {
      clearTimeout(timer);
      // A later version may have started its own switch meanwhile: that one decides.
      if (this.switching?.version !== version) return;
      this.served = latest;
      this.switching = undefined;
    });
    this.switching = { version, done };
  }

  /** Computes the recently asked answers at `facts`' version, most recent first. */
  private async warm(facts: StoreFacts): Promise<void> {
    const since = performance.now() - this.recentMs;
    const plans = [...this.recent.values()].filter((r) => r.at >= since).reverse().slice(0, this.warmLimit);
    let next = 0;
    const worker = async () => {
      while (next < plans.length) {
        const recent = plans[next++]!;
        try {
          const p = recent.made.get(facts) ?? recent.plan(facts);
          recent.made.set(facts, p);
          await this.prepare(await this.cache.getOrCompute(p.key, p.compute));
        } catch {
          // Not answerable at this version (an organisation gone) or the store moved on again:
          // the request will be answered, or refused, when it is asked again.
        }
      }
    };
    await Promise.all(Array.from({ length: this.warmConcurrency }, worker));
  }
}
