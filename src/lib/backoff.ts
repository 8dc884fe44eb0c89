// The wait before the next try of work retried from the database (inbound media, event
// deliveries): exponential from `firstMs`, capped at `maxMs`, half of it fixed and half drawn, so
// that work which failed together comes back spread out, and never sooner than half the step.
// The retries live in rows (a next-attempt time), not in a process, which is why this is not a
// retry loop from a library.
export function retryDelayMs(attempt: number, opts: { firstMs: number; maxMs: number; random?: () => number }): number {
  const cap = Math.min(opts.maxMs, opts.firstMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return cap / 2 + ((opts.random ?? Math.random)() * cap) / 2;
}
