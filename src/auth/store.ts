import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { ApiKeysTable } from '../db/types.js';

export type ApiKeyRow = Selectable<ApiKeysTable>;

export class ApiKeyStore {
  constructor(private readonly db: Db) {}

  async insert(row: ApiKeyRow): Promise<void> {
    await this.db.kysely.insertInto('api_keys').values(row).execute();
  }

  findByHash(hash: string): Promise<ApiKeyRow | undefined> {
    return this.db.kysely.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst();
  }

  findById(id: string): Promise<ApiKeyRow | undefined> {
    return this.db.kysely.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listByOrganization(organizationId: string): Promise<ApiKeyRow[]> {
    return this.db.kysely
      .selectFrom('api_keys')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('created_at')
      .execute();
  }

  async revoke(id: string, at: string): Promise<void> {
    await this.db.kysely
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async touch(id: string, at: string): Promise<void> {
    await this.db.kysely.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
