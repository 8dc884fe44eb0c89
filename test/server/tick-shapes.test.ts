import { describe, expect, it } from 'vitest';
import { keepTickShapes } from '../../src/tick-shapes.js';

describe('keepTickShapes', () => {
  it('keeps two real nextTick entries, once per process, and leaves nextTick working', async () => {
    expect(keepTickShapes()).toBe(2);
    expect(keepTickShapes()).toBe(2);
    // The async hook is gone again: ticks still run, in order, with their arguments.
    const seen: unknown[] = [];
    await new Promise<void>((resolve) => {
      process.nextTick((a: unknown) => seen.push(a), 'first');
      process.nextTick(() => {
        seen.push('second');
        resolve();
      });
    });
    expect(seen).toEqual(['first', 'second']);
  });
});
