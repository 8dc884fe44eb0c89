import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/lib/backoff.js';

describe('retryDelayMs', () => {
  it('doubles from the first step up to the cap, half fixed and half drawn', () => {
    const opts = { firstMs: 1000, maxMs: 60_000 };
    expect(retryDelayMs(1, { ...opts, random: () => 0 })).toBe(500);
    expect(retryDelayMs(1, { ...opts, random: () => 1 })).toBe(1000);
    expect(retryDelayMs(3, { ...opts, random: () => 0 })).toBe(2000);
    expect(retryDelayMs(50, { ...opts, random: () => 1 })).toBe(60_000);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, r) => {
        const d = retryDelayMs(n, { ...opts, random: () => r });
        const step = Math.min(60_000, 1000 * 2 ** Math.min(n - 1, 40));
        expect(d).toBeGreaterThanOrEqual(step / 2);
        expect(d).toBeLessThanOrEqual(step);
      }),
    );
  });
});
