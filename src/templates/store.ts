// SQL of the template catalogue (migration 011); the rules are in catalogue.ts and sync.ts.
import type SQLite from 'better-sqlite3';
import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
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

/** The components column: Meta's array, or [] for text that is not one (never thrown). */
export function parseComponents(text: string): unknown[] {
  let components: unknown;
  try {
    components = JSON.parse(text);
  } catch {
    return [];
  }
  return Array.isArray(components) ? (components as unknown[]) : [];
}

export function toStoredTemplate(row: TemplateRow, components = parseComponents(row.components)): StoredTemplate {
  return {
    organizationId: row.organization_id,
    wabaId: row.waba_id,
    metaId: row.meta_id,
    name: row.name,
    language: row.language,
    status: row.status,
    category: row.category,
    parameterFormat: row.parameter_format === 'NAMED' ? 'NAMED' : 'POSITIONAL',
    components,
    quality: row.quality,
    rejectedReason: row.rejected_reason,
    syncedAt: row.synced_at,
  };
}

// The send path's lookup, written out once: Kysely's building of it cost more than the query.
const FIND_SQL =
  'select organization_id, waba_id, meta_id, name, language, status, category, parameter_format, components, ' +
  'quality, rejected_reason, synced_at from templates where organization_id = $1 and name = $2 and language = $3';

export class TemplateStore {
  #sqliteFind: SQLite.Statement<[string, string, string], TemplateRow> | undefined;

  constructor(private readonly db: Db) {}

  /** One template, by a statement prepared once on either engine (every template send reads it). */
  async find(organizationId: string, name: string, language: string): Promise<TemplateRow | undefined> {
    const db = this.db;
    if (db.engine === 'sqlite') {
      this.#sqliteFind ??= db.sqlite.prepare<[string, string, string], TemplateRow>(FIND_SQL.replace(/\$\d/g, '?'));
      return this.#sqliteFind.get(organizationId, name, language);
    }
    const res = await db.pgPool.query<TemplateRow>({
      name: 'flowiq-template-find',
      text: FIND_SQL,
      values: [organizationId, name, language],
    });
    return res.rows[0];
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

  /** Forgets an organization's resync requests (one that can no longer be synced). */
  async dropResyncs(organizationId: string): Promise<void> {
    await this.db.kysely.deleteFrom('template_resyncs').where('organization_id', '=', organizationId).execute();
  }
}
