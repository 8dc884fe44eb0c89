// SQL of the template catalogue (migration 011); the rules are in catalogue.ts and sync.ts.
import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import { newId } from '../db/ids.js';
import { query, transact } from '../db/steps.js';
import type { TemplatesTable } from '../db/types.js';
import type { StoredTemplate } from './types.js';

export type TemplateRow = Selectable<TemplatesTable>;

/** A template as a sync writes it: the row without its organization, account and time. */
export type TemplateRecord = Omit<TemplateRow, 'organization_id' | 'waba_id' | 'synced_at'>;

export interface TemplateFilter {
  status?: string | undefined;
  name?: string | undefined;
  language?: string | undefined;
}

/** Rows per insert: 12 values each, far below either engine's limit on a statement's parameters. */
const INSERT_CHUNK = 200;

export function toStoredTemplate(row: TemplateRow): StoredTemplate {
  let components: unknown;
  try {
    components = JSON.parse(row.components);
  } catch {
    components = [];
  }
  return {
    organizationId: row.organization_id,
    wabaId: row.waba_id,
    metaId: row.meta_id,
    name: row.name,
    language: row.language,
    status: row.status,
    category: row.category,
    parameterFormat: row.parameter_format === 'NAMED' ? 'NAMED' : 'POSITIONAL',
    components: Array.isArray(components) ? (components as unknown[]) : [],
    quality: row.quality,
    rejectedReason: row.rejected_reason,
    syncedAt: row.synced_at,
  };
}

export class TemplateStore {
  constructor(private readonly db: Db) {}

  find(organizationId: string, name: string, language: string): Promise<TemplateRow | undefined> {
    return this.db.kysely
      .selectFrom('templates')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('name', '=', name)
      .where('language', '=', language)
      .executeTakeFirst();
  }

  /** By name then language, after the (name, language) of the previous page's last row. */
  list(
    organizationId: string,
    opts: TemplateFilter & { limit: number; after?: readonly [string, string] | undefined },
  ): Promise<TemplateRow[]> {
    let q = this.db.kysely.selectFrom('templates').selectAll().where('organization_id', '=', organizationId);
    if (opts.status !== undefined) q = q.where('status', '=', opts.status);
    if (opts.name !== undefined) q = q.where('name', '=', opts.name);
    if (opts.language !== undefined) q = q.where('language', '=', opts.language);
    const after = opts.after;
    if (after !== undefined)
      q = q.where((eb) =>
        eb.or([eb('name', '>', after[0]), eb.and([eb('name', '=', after[0]), eb('language', '>', after[1])])]),
      );
    return q.orderBy('name').orderBy('language').limit(opts.limit).execute();
  }

  /**
   * Makes the organization's catalogue exactly `records`, in one transaction: a send reading it
   * meanwhile sees the catalogue before or after, never half of it. Resync requests made before
   * `requestedBefore` (the sync's start) are covered by it and deleted; later ones stay, so a
   * webhook that arrived while Meta was being read gets a sync of its own. How many rows went.
   */
  replace(o: {
    organizationId: string;
    wabaId: string;
    records: readonly TemplateRecord[];
    syncedAt: string;
    requestedBefore: string;
  }): Promise<{ removed: number }> {
    const k = this.db.kysely;
    return transact(this.db, function* () {
      const before = yield* query(
        k.selectFrom('templates').select(['name', 'language']).where('organization_id', '=', o.organizationId),
      );
      const kept = new Set(o.records.map((r) => `${r.name}\u0000${r.language}`));
      const removed = before.rows.filter((r) => !kept.has(`${String(r.name)}\u0000${String(r.language)}`)).length;
      yield* query(k.deleteFrom('templates').where('organization_id', '=', o.organizationId));
      for (let i = 0; i < o.records.length; i += INSERT_CHUNK) {
        const rows = o.records
          .slice(i, i + INSERT_CHUNK)
          .map((r) => ({ ...r, organization_id: o.organizationId, waba_id: o.wabaId, synced_at: o.syncedAt }));
        yield* query(k.insertInto('templates').values(rows));
      }
      yield* query(
        k
          .deleteFrom('template_resyncs')
          .where('organization_id', '=', o.organizationId)
          .where('requested_at', '<=', o.requestedBefore),
      );
      return { removed };
    });
  }

  /** Organizations a template webhook asked a resync for. */
  async requestedResyncs(): Promise<string[]> {
    const rows = await this.db.kysely
      .selectFrom('template_resyncs')
      .select('organization_id')
      .distinct()
      .orderBy('organization_id')
      .execute();
    return rows.map((r) => r.organization_id);
  }

  /** A resync request (tests, and the catalogue when a send's Meta error asks for one). */
  async requestResync(organizationId: string, at: string): Promise<void> {
    await this.db.kysely
      .insertInto('template_resyncs')
      .values({ organization_id: organizationId, id: newId(), requested_at: at })
      .execute();
  }
}
