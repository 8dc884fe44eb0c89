// Meta's two send limits (docs/META.md §4), both off unless the simulator is asked for them.

/** Throughput: accepted messages per phone id per second; over it Meta answers 130429. Fixed one-second windows. */
export class ThroughputLimiter {
  private windows = new Map<string, { second: number; count: number }>();

  constructor(private readonly perSecond: number) {}

  /** Counts one message; false when the phone has used up this second. */
  take(phoneId: string, now: number): boolean {
    const second = Math.floor(now / 1000);
    const w = this.windows.get(phoneId);
    if (w === undefined || w.second !== second) {
      this.windows.set(phoneId, { second, count: 1 });
      return 1 <= this.perSecond;
    }
    if (w.count >= this.perSecond) return false;
    w.count += 1;
    return true;
  }

  clear(): void {
    this.windows.clear();
  }
}

// Meta: one message every 6 s to the same user, bursts of up to 45 that borrow from future quota
// (after a burst of 20, wait about 2 minutes = 20 × 6 s). A token bucket says exactly that.
const PAIR_BURST = 45;
const PAIR_REFILL_MS = 6_000;
const PAIR_PRUNE_AT = 100_000;

export class PairLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();

  /** Counts one message from phoneId to the recipient; false when the pair is over Meta's limit (131056). */
  take(phoneId: string, to: string, now: number): boolean {
    const key = phoneId + '>' + to;
    const b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= PAIR_PRUNE_AT) this.prune(now);
      this.buckets.set(key, { tokens: PAIR_BURST - 1, at: now });
      return true;
    }
    const refilled = Math.min(PAIR_BURST, b.tokens + (now - b.at) / PAIR_REFILL_MS);
    b.at = now;
    if (refilled < 1) {
      b.tokens = refilled;
      return false;
    }
    b.tokens = refilled - 1;
    return true;
  }

  clear(): void {
    this.buckets.clear();
  }

  /** Forget pairs whose bucket has refilled: they behave exactly like new ones. */
  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.at) / PAIR_REFILL_MS >= PAIR_BURST) this.buckets.delete(key);
    }
  }
}
