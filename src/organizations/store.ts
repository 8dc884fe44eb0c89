import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { OrganizationsTable } from '../db/types.js';

export type OrganizationRow = Selectable<OrganizationsTable>;

export class OrganizationStore {
  constructor(private readonly db: Db) {}

  findBySlug(slug: string): Promise<OrganizationRow | undefined> {
    return this.db.kysely.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  findById(id: string): Promise<OrganizationRow | undefined> {
    return this.db.kysely.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByAppAndPhone(metaAppId: string, metaPhoneId: string): Promise<OrganizationRow | undefined> {
    return this.db.kysely
      .selectFrom('organizations')
      .selectAll()
      .where('meta_app_id', '=', metaAppId)
      .where('meta_phone_id', '=', metaPhoneId)
      .executeTakeFirst();
  }

  /** Whether a Meta app record (apps/, migration 004) has this Meta app id. */
  async metaAppExists(metaAppId: string): Promise<boolean> {
    const row = await this.db.kysely
      .selectFrom('meta_apps')
      .select('id')
      .where('meta_app_id', '=', metaAppId)
      .executeTakeFirst();
    return row !== undefined;
  }

  list(): Promise<OrganizationRow[]> {
    return this.db.kysely.selectFrom('organizations').selectAll().orderBy('slug').execute();
  }

  async insert(row: OrganizationRow): Promise<void> {
    await this.db.kysely.insertInto('organizations').values(row).execute();
  }

  async update(id: string, changes: Partial<Omit<OrganizationRow, 'id' | 'created_at'>>): Promise<void> {
    await this.db.kysely.updateTable('organizations').set(changes).where('id', '=', id).execute();
  }
}
