// Migration 011 on both engines: a template is one row per organization, name and language.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDb, ENGINES, type FreshDb } from '../helpers/db.js';

const row = (over: Record<string, string> = {}) => ({
  organization_id: 'org-1',
  waba_id: '1',
  meta_id: '10',
  name: 'order_update',
  language: 'en_US',
  status: 'APPROVED',
  category: 'UTILITY',
  parameter_format: 'POSITIONAL',
  components: '[]',
  quality: null,
  rejected_reason: null,
  synced_at: '2026-12-04T00:00:00.000Z',
  ...over,
});

describe.each(ENGINES)('migration 011 (templates) on %s', (engine) => {
  let fresh: FreshDb;
  beforeEach(async () => {
    fresh = await freshDb(engine);
  });
  afterEach(async () => fresh.cleanup());

  it('keeps one row per organization, name and language', async () => {
    const k = fresh.db.kysely;
    await k.insertInto('templates').values(row()).execute();
    await k
      .insertInto('templates')
      .values(row({ language: 'pt_BR', meta_id: '11' }))
      .execute();
    await k
      .insertInto('templates')
      .values(row({ organization_id: 'org-2' }))
      .execute();
    await expect(
      k
        .insertInto('templates')
        .values(row({ meta_id: '12' }))
        .execute(),
    ).rejects.toThrow(/unique|duplicate/i);
    expect(
      await k
        .selectFrom('templates')
        .select(['organization_id', 'language'])
        .orderBy('organization_id')
        .orderBy('language')
        .execute(),
    ).toEqual([
      { organization_id: 'org-1', language: 'en_US' },
      { organization_id: 'org-1', language: 'pt_BR' },
      { organization_id: 'org-2', language: 'en_US' },
    ]);
  });

  it('takes many resync requests for one organization', async () => {
    const k = fresh.db.kysely;
    for (const id of ['a', 'b'])
      await k.insertInto('template_resyncs').values({ organization_id: 'org-1', id, requested_at: 'now' }).execute();
    expect(await k.selectFrom('template_resyncs').select('id').orderBy('id').execute()).toEqual([
      { id: 'a' },
      { id: 'b' },
    ]);
  });
});
