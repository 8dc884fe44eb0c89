import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newId, nowIso } from '../../src/db/ids.js';

describe('record ids', () => {
  afterEach(() => vi.restoreAllMocks());

  it('are RFC 9562 UUIDv7, unique, and sort by creation time', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) ids.push(newId());
    await new Promise((r) => setTimeout(r, 2));
    const later = newId();
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id < later)).toBe(true);
    expect(parseInt(later.slice(0, 8) + later.slice(9, 13), 16)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('carry the clock of the moment they are made in their first 48 bits', () => {
    const now = vi.spyOn(Date, 'now');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 48 - 1 }), { minLength: 1, maxLength: 20 }), (times) => {
        for (const t of times) {
          now.mockReturnValue(t);
          const id = newId();
          expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(t);
        }
      }),
    );
  });
});

describe('nowIso', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes exactly what Date#toISOString writes, whatever the sequence of clock readings', () => {
    const now = vi.spyOn(Date, 'now');
    // Readings close together (same millisecond, same second, across a second) and far apart.
    const step = fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 2500 }),
      fc.integer({ min: -3_000, max: 10 ** 11 }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 * 10 ** 12 }),
        fc.array(step, { minLength: 1, maxLength: 40 }),
        (start, steps) => {
          let t = start;
          for (const d of steps) {
            t = Math.max(0, t + d);
            now.mockReturnValue(t);
            expect(nowIso()).toBe(new Date(t).toISOString());
          }
        },
      ),
    );
  });
});
