import type { Kysely } from 'kysely';

// helpdesk_messages.media_url holds the media's storage key (`org/<organization id>/<sha256>`),
// never a signed URL: a signed URL's `sig` is a credential (anyone holding it can fetch the file
// for a year), and a database dump, backup or read-only replica must not hand those out. Readers
// sign the key when they answer (conversations/reads.ts).
//
// Rows written before this migration hold `<PUBLIC_URL>/media/<key>?exp=<unix s>&sig=<hmac>`
// (media/signing.ts): each becomes its key. The key is taken from the URL's own shape, not from
// PUBLIC_URL, which may have changed since. A value that still carries a `sig=` and does not have
// that shape (never written by the gateway) is cleared: it cannot be signed on read, and its
// signature must not stay in clear. Keys and anything without a signature are left as they are.
//
// Done in batches, in JavaScript rather than with engine-specific string functions (SQLite has
// instr, PostgreSQL strpos), so that one exact pattern decides on both engines.

const SIGNED = /\/media\/(org\/[0-9a-f-]{36}\/[0-9a-f]{64})\?exp=\d{1,12}&sig=[A-Za-z0-9_-]+$/;

/** The storage key of a signed media URL the gateway wrote, or null when `value` is not one. */
function keyOfSignedUrl(value: string): string | null {
  return SIGNED.exec(value)?.[1] ?? null;
}

const BATCH = 500;

interface Tables {
  helpdesk_messages: { id: string; media_url: string | null };
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const k = db as unknown as Kysely<Tables>;
  let after = '';
  for (;;) {
    const rows = await k
      .selectFrom('helpdesk_messages')
      .select(['id', 'media_url'])
      .where('media_url', 'like', '%sig=%')
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    for (const r of rows)
      await k
        .updateTable('helpdesk_messages')
        .set({ media_url: keyOfSignedUrl(r.media_url!) })
        .where('id', '=', r.id)
        .execute();
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}
