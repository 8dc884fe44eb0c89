// Migration 007: rows written before it hold signed media URLs; each becomes its storage key, a
// value with a signature that is not the gateway's URL is cleared, and everything else stays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../src/db/migrations/007-media-keys.js';
import { newId, nowIso } from '../../src/db/ids.js';
import { ENGINES, freshDb, type FreshDb } from '../helpers/db.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/types.js';

const ORG = '01937a4e-5b2c-7d3e-9f10-2a3b4c5d6e7f';
const key = (n: number) => `org/${ORG}/${n.toString(16).padStart(64, 'a')}`;

describe.each(ENGINES)('migration 007-media-keys (%s)', (engine) => {
  let fresh: FreshDb;
  let k: Kysely<Database>;
  let contactId: string;
  let sessionId: string;
  beforeAll(async () => {
    fresh = await freshDb(engine);
    k = fresh.db.kysely;
    const now = nowIso();
    await k
      .insertInto('organizations')
      .values({
        id: ORG,
        slug: 'm7',
        name: 'M7',
        whatsapp_provider_choice: 'meta',
        meta_phone_id: null,
        whatsapp_bearer_token: null,
        meta_waba_id: null,
        meta_app_id: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    contactId = newId();
    await k
      .insertInto('contacts')
      .values({
        id: contactId,
        organization_id: ORG,
        whatsapp_number: '27123456789',
        name: null,
        email: null,
        custom_fields: null,
        user_id: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    sessionId = newId();
    await k
      .insertInto('customer_sessions')
      .values({
        id: sessionId,
        organization_id: ORG,
        contact_id: contactId,
        status: 'open',
        last_message_at: now,
        last_inbound_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  });
  afterAll(async () => fresh.cleanup());

  const insert = async (mediaUrl: string | null): Promise<string> => {
    const id = newId();
    const now = nowIso();
    await k
      .insertInto('helpdesk_messages')
      .values({
        id,
        organization_id: ORG,
        contact_id: contactId,
        session_id: sessionId,
        direction: 'outbound',
        message_type: 'image',
        content: '{}',
        media_url: mediaUrl,
        whatsapp_message_id: null,
        status: 'sent',
        error_code: null,
        error_message: null,
        error_details: null,
        request_id: null,
        created_at: now,
        updated_at: now,
        status_at: null,
        pricing: null,
        conversation: null,
        context_wamid: null,
        media_status: null,
      })
      .execute();
    return id;
  };
  const mediaOf = async (id: string) =>
    (await k.selectFrom('helpdesk_messages').select('media_url').where('id', '=', id).executeTakeFirstOrThrow())
      .media_url;

  it('rewrites signed URLs to their keys, whatever PUBLIC_URL was; clears foreign signatures; keeps the rest', async () => {
    const signed = [
      [`http://localhost:3000/media/${key(1)}?exp=1796000000&sig=AbC-_123`, key(1)],
      // A public URL with a path of its own, even one with /media/ in it.
      [`https://gw.example.com/media/gateway/media/${key(2)}?exp=1796000001&sig=x_Y-z`, key(2)],
    ] as const;
    // More than one batch of 500, so the paging is exercised.
    const many: [string, string][] = [];
    for (let i = 0; i < 620; i++) many.push([`https://gw.example/media/${key(100 + i)}?exp=1&sig=s${i}`, key(100 + i)]);
    const ids = new Map<string, string | null>();
    for (const [url, expected] of [...signed, ...many]) ids.set(await insert(url), expected);
    // Not our URL shape, but a signature all the same: cleared.
    ids.set(await insert('https://media.example/x.jpg?sig=1'), null);
    ids.set(await insert(`http://localhost:3000/media/${key(3)}?exp=1&sig=abc&extra=1`), null);
    // Already a key, no media, or a URL without a signature: left alone.
    ids.set(await insert(key(4)), key(4));
    ids.set(await insert(null), null);
    ids.set(await insert('https://cdn.example/file.jpg'), 'https://cdn.example/file.jpg');

    await up(k as unknown as Kysely<unknown>);
    for (const [id, expected] of ids) expect(await mediaOf(id)).toBe(expected);
    const left = await k.selectFrom('helpdesk_messages').select('id').where('media_url', 'like', '%sig=%').execute();
    expect(left).toEqual([]);

    // Run again (as after a restart mid-way): nothing changes.
    await up(k as unknown as Kysely<unknown>);
    for (const [id, expected] of ids) expect(await mediaOf(id)).toBe(expected);
  });
});
