import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { ContactsTable } from '../db/types.js';

export type ContactRow = Selectable<ContactsTable>;

export class ContactStore {
  constructor(private readonly db: Db) {}

  async insert(row: ContactRow): Promise<void> {
    await this.db.kysely.insertInto('contacts').values(row).execute();
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
