import { describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.js';

describe('record ids', () => {
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
});
