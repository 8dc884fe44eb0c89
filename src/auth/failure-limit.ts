// Failed authentications per client address: random well-formed keys each cost a database lookup,
// so past `max` failures in a window an address is refused before any lookup until the window ends.
// In memory, per instance (each instance bounds its own lookups, which is what this protects).
export class FailedAuthLimit {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max = 20,
    private readonly windowMs = 60_000,
    /** Addresses tracked at most: beyond it the oldest windows are dropped, so memory stays bounded. */
    private readonly maxAddresses = 50_000,
  ) {}

  /** Seconds until the address may try again, or 0 when it may try now. */
  retryAfter(address: string, now = Date.now()): number {
    const w = this.#windows.get(address);
    if (!w) return 0;
    if (w.resetAt <= now) {
      this.#windows.delete(address);
      return 0;
    }
    return w.count >= this.max ? Math.max(1, Math.ceil((w.resetAt - now) / 1000)) : 0;
  }

  recordFailure(address: string, now = Date.now()): void {
    const w = this.#windows.get(address);
    if (w && w.resetAt > now) {
      w.count++;
      return;
    }
    if (this.#windows.size >= this.maxAddresses) {
      const oldest = this.#windows.keys().next().value;
      if (oldest !== undefined) this.#windows.delete(oldest);
    }
    this.#windows.set(address, { count: 1, resetAt: now + this.windowMs });
  }
}
