// SQL for Meta apps (meta_apps) and the one question the webhook asks of organizations: which one
// of this app's organizations has this phone_number_id. Rules live in service.ts.
import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { MetaAppsTable } from '../db/types.js';

export type MetaAppRow = Selectable<MetaAppsTable>;

export class MetaAppStore {
  constructor(private readonly db: Db) {}

  findByMetaAppId(metaAppId: string): Promise<MetaAppRow | undefined> {
    return this.db.kysely.selectFrom('meta_apps').selectAll().where('meta_app_id', '=', metaAppId).executeTakeFirst();
  }

  list(): Promise<MetaAppRow[]> {
    return this.db.kysely.selectFrom('meta_apps').selectAll().orderBy('meta_app_id').execute();
  }

  async insert(row: MetaAppRow): Promise<void> {
    await this.db.kysely.insertInto('meta_apps').values(row).execute();
  }

  async update(id: string, changes: Partial<Omit<MetaAppRow, 'id' | 'meta_app_id' | 'created_at'>>): Promise<void> {
    await this.db.kysely.updateTable('meta_apps').set(changes).where('id', '=', id).execute();
  }

  /** How many organizations each app serves, by Meta app id (apps without any are absent). */
  async organizationCounts(): Promise<Map<string, number>> {
    const rows = await this.db.kysely
      .selectFrom('organizations')
      .select(['meta_app_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('meta_app_id', 'is not', null)
      .groupBy('meta_app_id')
      .execute();
    // PostgreSQL's count is a bigint, which pg hands over as text.
    return new Map(rows.map((r) => [r.meta_app_id!, Number(r.n)]));
  }

  /** One index lookup (organizations_app_phone, migration 004). */
  async organizationForPhoneNumber(metaAppId: string, phoneNumberId: string): Promise<string | undefined> {
    const row = await this.db.kysely
      .selectFrom('organizations')
      .select('id')
      .where('meta_app_id', '=', metaAppId)
      .where('meta_phone_id', '=', phoneNumberId)
      .executeTakeFirst();
    return row?.id;
  }
}
