import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import { query, transact } from '../db/steps.js';
import type { ContactsTable } from '../db/types.js';
import { recordEvent, withEvents } from '../events/outbox.js';

export type ContactRow = Selectable<ContactsTable>;

export class ContactStore {
  constructor(private readonly db: Db) {}

  /** The contact and its `contact.created` event, in one transaction (events/outbox.ts). */
  async insert(row: ContactRow, event: Record<string, unknown>): Promise<void> {
    const k = this.db.kysely;
    await transact(this.db, () =>
      withEvents(k, function* (events) {
        yield* query(k.insertInto('contacts').values(row));
        recordEvent(events, {
          organizationId: row.organization_id,
          type: 'contact.created',
          conversationId: null,
          data: event,
          now: row.created_at,
        });
      }),
    );
  }

  findByNumber(organizationId: string, whatsappNumber: string): Promise<ContactRow | undefined> {
    return this.db.kysely
      .selectFrom('contacts')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('whatsapp_number', '=', whatsappNumber)
      .executeTakeFirst();
  }

  /** Ordered by id (time-ordered UUIDv7), so `after` is a stable cursor. */
  list(organizationId: string, opts: { after?: string; limit: number }): Promise<ContactRow[]> {
    let q = this.db.kysely.selectFrom('contacts').selectAll().where('organization_id', '=', organizationId);
    if (opts.after !== undefined) q = q.where('id', '>', opts.after);
    return q.orderBy('id').limit(opts.limit).execute();
  }
}
