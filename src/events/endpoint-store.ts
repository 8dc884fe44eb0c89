// SQL for the organizations' webhook endpoints (webhook_endpoints, migration 008). Every query but
// listAll is scoped to one organization, so an id from another organization is simply not found.
// Rules (validation, encryption of the secrets) live in endpoints.ts.
import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { WebhookEndpointsTable } from '../db/types.js';

export type EndpointRow = Selectable<WebhookEndpointsTable>;

export type EndpointChanges = Partial<Omit<EndpointRow, 'id' | 'organization_id' | 'created_at'>>;

export class EndpointStore {
  constructor(private readonly db: Db) {}

  async insert(row: EndpointRow): Promise<void> {
    await this.db.kysely.insertInto('webhook_endpoints').values(row).execute();
  }

  find(organizationId: string, id: string): Promise<EndpointRow | undefined> {
    return this.db.kysely
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Oldest first (webhook_endpoints_org index); within one millisecond, by id: stable, if arbitrary. */
  list(organizationId: string): Promise<EndpointRow[]> {
    return this.db.kysely
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async countEnabled(organizationId: string): Promise<number> {
    const row = await this.db.kysely
      .selectFrom('webhook_endpoints')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('organization_id', '=', organizationId)
      .where('enabled', '=', 1)
      .executeTakeFirstOrThrow();
    // PostgreSQL's count is a bigint, which pg hands over as text.
    return Number(row.n);
  }

  /** Every organization's endpoints: for the FLOWIQ_SECRET rotation check and re-encryption only. */
  listAll(): Promise<EndpointRow[]> {
    return this.db.kysely.selectFrom('webhook_endpoints').selectAll().orderBy('id').execute();
  }

  /** The row after the change, or undefined when the organization has no such endpoint. */
  async update(organizationId: string, id: string, changes: EndpointChanges): Promise<EndpointRow | undefined> {
    const result = await this.db.kysely
      .updateTable('webhook_endpoints')
      .set(changes)
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return undefined;
    return this.find(organizationId, id);
  }
}
