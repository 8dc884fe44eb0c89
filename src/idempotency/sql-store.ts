import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { nowIso } from '../db/ids.js';
import type { BeginResult, IdempotencyScope, IdempotencyStore } from './store.js';

export class SqlIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly db: Db,
    private readonly ttlSeconds: number,
  ) {}

  private where(s: IdempotencyScope) {
    return this.db.kysely
      .selectFrom('idempotency_keys')
      .where('organization_id', '=', s.organizationId)
      .where('scope', '=', s.scope)
      .where('idempotency_key', '=', s.key);
  }

  async begin(s: IdempotencyScope, requestHash: string): Promise<BeginResult> {
    const now = nowIso();
    // An expired record is as good as none: drop it first so the insert below can claim the key.
    await this.db.kysely
      .deleteFrom('idempotency_keys')
      .where('organization_id', '=', s.organizationId)
      .where('scope', '=', s.scope)
      .where('idempotency_key', '=', s.key)
      .where('expires_at', '<=', now)
      .execute();
    try {
      await this.db.kysely
        .insertInto('idempotency_keys')
        .values({
          organization_id: s.organizationId,
          scope: s.scope,
          idempotency_key: s.key,
          request_hash: requestHash,
          state: 'in_progress',
          response_status: null,
          response_body: null,
          expires_at: new Date(Date.now() + this.ttlSeconds * 1000).toISOString(),
          created_at: now,
        })
        .execute();
      return { kind: 'owner' };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    const row = await this.where(s)
      .select(['request_hash', 'state', 'response_status', 'response_body'])
      .executeTakeFirst();
    if (!row) return this.begin(s, requestHash); // expired and removed between our two statements
    if (row.request_hash !== requestHash) return { kind: 'mismatch' };
    if (row.state === 'done' && row.response_status !== null && row.response_body !== null) {
      return { kind: 'replay', status: row.response_status, body: row.response_body };
    }
    return { kind: 'in_progress' };
  }

  async complete(s: IdempotencyScope, status: number, body: string): Promise<void> {
    await this.db.kysely
      .updateTable('idempotency_keys')
      .set({ state: 'done', response_status: status, response_body: body })
      .where('organization_id', '=', s.organizationId)
      .where('scope', '=', s.scope)
      .where('idempotency_key', '=', s.key)
      .execute();
  }

  async release(s: IdempotencyScope): Promise<void> {
    await this.db.kysely
      .deleteFrom('idempotency_keys')
      .where('organization_id', '=', s.organizationId)
      .where('scope', '=', s.scope)
      .where('idempotency_key', '=', s.key)
      .where('state', '=', 'in_progress')
      .execute();
  }

  /** Housekeeping: expired records serve no one. */
  async purgeExpired(): Promise<number> {
    const res = await this.db.kysely
      .deleteFrom('idempotency_keys')
      .where('expires_at', '<=', nowIso())
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
