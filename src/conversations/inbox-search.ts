// The list's search (`q`): which conversations match, found through migration 015's trigram indexes
// (SQLite FTS5, PostgreSQL pg_trgm) rather than a scan of every message's JSON.
//
// The list is by last activity; an index answers by match. So the search asks the index first for
// the conversations that match, up to CAP rows (`candidates`): a rare word, a name, a number give a
// few, and the list pages through those. A word that matches more than CAP rows is common, and then
// most conversations hold it: the list walks the conversations newest first and checks each one
// (`condition`), which stops as soon as the page is full. Both ask the same thing of a row, so the
// answer does not depend on which one ran (docs/INBOX-API.md, "Search"; the measurements are in
// docs/PERFORMANCE.md, "Inbox reads").
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/types.js';
import { InvalidField } from '../errors.js';

export type SessionEb = ExpressionBuilder<Database & { s: Database['customer_sessions'] }, 's'>;

/** Above this many matching messages (or contacts), a word counts as common (see above). */
export const CAP = 1_000;

/** PostgreSQL: how many of the newest conversations are checked before the index is asked. */
const WINDOW = 100;

/** For q under 3 characters (names and numbers only), a window this many times wider. */
const SHORT_WIDER = 20;

/** The shortest text an index of 3-character pieces can look up. */
const MIN_INDEXED = 3;

export interface SearchTerms {
  /** q without surrounding blanks, its ASCII letters lower-cased (what both engines compare). */
  text: string;
  /** A LIKE pattern for `text` as a substring, `%`, `_` and `\` taken literally (`escape '\'`). */
  pattern: string;
  /** q's digits when q is a phone number as a person types it (`+27 82-123`), else undefined. */
  digits?: string;
  /** Long enough for the trigram indexes: else only names and numbers are searched. */
  indexed: boolean;
}

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f]/;
const lowerAscii = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** What `q` asks for; a clear 400 for what cannot be searched (the schema caps its length). */
export function searchTerms(q: string): SearchTerms {
  // A NUL ends a C string: SQLite read `%\0%` as `%` and matched everything. Control characters are
  // never part of a name, a number or a message someone types into a search box.
  if (CONTROL.test(q)) throw new InvalidField('q must not contain control characters (such as NUL or a newline)');
  const text = lowerAscii(q.trim());
  if (text === '') throw new InvalidField('q must contain something other than spaces');
  const digits = q.replace(/[\s()+-]/g, '');
  const indexed = [...text].length >= MIN_INDEXED;
  // Digits are looked up in the number's index too, so they need its 3 characters as well.
  const number = /^\d+$/.test(digits) && (digits.length >= MIN_INDEXED || !indexed);
  return { text, pattern: like(text), ...(number ? { digits } : {}), indexed };
}

/** An FTS5 query for `s` as one literal phrase: inside double quotes only `"` is special. */
const phrase = (s: string) => `"${s.replace(/"/g, '""')}"`;

type Narrow = (eb: SessionEb) => Expression<SqlBool>;

/** The thresholds above; tests make them tiny to take each way with a handful of rows (window 0: none). */
export interface SearchOptions {
  cap?: number;
  window?: number;
}

export class InboxSearch {
  private readonly cap: number;
  private readonly window: number;

  constructor(
    private readonly db: Db,
    opts: SearchOptions = {},
  ) {
    this.cap = opts.cap ?? CAP;
    this.window = opts.window ?? WINDOW;
  }

  /**
   * One page of the list narrowed to the conversations that match `t`: `run` is the list's query
   * (filters, cursor, order, limit) with a condition added.
   */
  async page<R>(
    organizationId: string,
    t: SearchTerms,
    page: { limit: number; after?: readonly [string, string] | undefined },
    run: (narrow: Narrow) => Promise<R[]>,
  ): Promise<R[]> {
    const walk = this.condition(t);
    if ((this.db.engine === 'postgres' || !t.indexed) && this.window > 0) {
      // PostgreSQL reads an index of trigrams whole before it stops at a limit (a bitmap), so a
      // common word costs as much as its matches; under 3 characters no index helps. The newest
      // WINDOW conversations are checked first: a common word fills the page among them.
      // Names and numbers alone are cheap to check (no message is read): a wider window for them.
      const edge = await this.windowEdge(
        organizationId,
        page.after,
        t.indexed ? this.window : this.window * SHORT_WIDER,
      );
      const near = await run(edge === undefined ? walk : (eb) => eb.and([walk(eb), this.notBefore(eb, edge)]));
      if (near.length >= page.limit || edge === undefined) return near;
    }
    const ids = await this.candidates(organizationId, t);
    if (ids === undefined) return run(walk);
    if (ids.length === 0) return [];
    return run(() => this.among(ids));
  }

  /** The key of the WINDOW-th conversation after `after`; undefined when fewer are left. */
  private async windowEdge(organizationId: string, after: readonly [string, string] | undefined, size: number) {
    let q = this.db.kysely
      .selectFrom('customer_sessions as s')
      .select(['s.last_message_at', 's.id'])
      .where('s.organization_id', '=', organizationId);
    if (after !== undefined)
      q = q.where((eb) =>
        eb.or([
          eb('s.last_message_at', '<', after[0]),
          eb.and([eb('s.last_message_at', '=', after[0]), eb('s.id', '<', after[1])]),
        ]),
      );
    const row = await q
      .orderBy('s.last_message_at', 'desc')
      .orderBy('s.id', 'desc')
      .offset(size - 1)
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : ([row.last_message_at, row.id] as const);
  }

  private notBefore(eb: SessionEb, [at, id]: readonly [string, string]): Expression<SqlBool> {
    return eb.or([eb('s.last_message_at', '>', at), eb.and([eb('s.last_message_at', '=', at), eb('s.id', '>=', id)])]);
  }

  /**
   * The ids of the organization's conversations that match, or undefined when more than CAP
   * messages or contacts do (a common word: the list then checks each conversation it walks).
   */
  private async candidates(organizationId: string, t: SearchTerms): Promise<string[] | undefined> {
    const byContact = await this.byContact(organizationId, t);
    if (byContact === undefined) return undefined;
    if (!t.indexed) return byContact;
    const byText = await this.byText(organizationId, t);
    if (byText === undefined) return undefined;
    return [...new Set([...byContact, ...byText])];
  }

  /** `s.id` is one of `ids` (one parameter whatever their number). */
  private among(ids: readonly string[]): RawBuilder<SqlBool> {
    return this.db.engine === 'sqlite'
      ? sql<SqlBool>`s.id in (select value from json_each(${JSON.stringify(ids)}))`
      : sql<SqlBool>`s.id = any(${ids}::text[])`;
  }

  /** The same question as `candidates`, of one conversation `s` joined with its contact `c`. */
  private condition(t: SearchTerms): (eb: SessionEb) => Expression<SqlBool> {
    const ci = this.db.engine === 'sqlite' ? sql.raw('like') : sql.raw('ilike');
    return (eb) =>
      eb.or([
        sql<SqlBool>`c.name ${ci} ${t.pattern} escape '\\'`,
        ...(t.digits !== undefined ? [sql<SqlBool>`c.whatsapp_number like ${like(t.digits)} escape '\\'`] : []),
        ...(t.indexed
          ? [
              eb.exists(
                eb
                  .selectFrom('helpdesk_messages as t')
                  .select(sql.lit(1).as('one'))
                  .whereRef('t.session_id', '=', 's.id')
                  .where(this.textLike('t', t.pattern)),
              ),
            ]
          : []),
      ]);
  }

  /**
   * Message `row`'s text (migration 015's, as its index holds it) contains the pattern. PostgreSQL
   * reads the stored search_text, written as `lower(...) like lower(...)` (what ilike does) so that
   * the planner checks the conversation's own rows rather than the whole trigram index for each.
   */
  private textLike(row: 't' | 'm', pattern: string): RawBuilder<SqlBool> {
    const content = sql.ref(`${row}.content`);
    if (this.db.engine === 'postgres')
      return sql<SqlBool>`lower(${sql.ref(`${row}.search_text`)}) like lower(${pattern}) escape '\\'`;
    const c = sql`replace(${content}, '\\u0000', '\\ufffd')`;
    const field = (f: string) =>
      sql`case when json_type(${c}, ${`$.${f}`}) = 'text' then json_extract(${c}, ${`$.${f}`}) end`;
    return sql<SqlBool>`(case when json_valid(${content}) then coalesce(${field('body')}, ${field('text')}, ${field('caption')}) end) like ${pattern} escape '\\'`;
  }

  private async byContact(organizationId: string, t: SearchTerms): Promise<string[] | undefined> {
    const numberLike = t.digits !== undefined ? like(t.digits) : undefined;
    let rows: { id: string }[];
    if (this.db.engine === 'sqlite' && t.indexed) {
      const match = [`name : ${phrase(t.text)}`, ...(t.digits !== undefined ? [`number : ${phrase(t.digits)}`] : [])];
      rows = (
        await sql<{ id: string }>`select s.id from contact_search f
          join contacts c on c.rowid = f.rowid
          join customer_sessions s on s.organization_id = c.organization_id and s.contact_id = c.id
          where contact_search match ${match.join(' OR ')} and c.organization_id = ${organizationId}
          limit ${this.cap + 1}`.execute(this.db.kysely)
      ).rows;
    } else {
      // PostgreSQL's trigram indexes answer ilike/like themselves; under 3 characters no index
      // can, and the organization's contacts are read: the contacts alone (a join to their
      // conversations during that scan took twice as long), then the few conversations.
      const ci = this.db.engine === 'sqlite' ? sql.raw('like') : sql.raw('ilike');
      const name = t.indexed || this.db.engine === 'sqlite' ? sql.ref('c.name') : sql`lower(c.name)`;
      const contacts = (
        await sql<{ id: string }>`select c.id from contacts c
          where c.organization_id = ${organizationId}
            and (${name} ${ci} ${t.pattern} escape '\\'
              ${numberLike !== undefined ? sql`or c.whatsapp_number like ${numberLike} escape '\\'` : sql``})
          limit ${this.cap + 1}`.execute(this.db.kysely)
      ).rows;
      if (contacts.length > this.cap) return undefined;
      rows =
        contacts.length === 0
          ? []
          : await this.db.kysely
              .selectFrom('customer_sessions')
              .select('id')
              .where('organization_id', '=', organizationId)
              .where(
                'contact_id',
                'in',
                contacts.map((c) => c.id),
              )
              .execute();
    }
    return rows.length > this.cap ? undefined : rows.map((r) => r.id);
  }

  private async byText(organizationId: string, t: SearchTerms): Promise<string[] | undefined> {
    if (this.db.engine === 'sqlite') {
      // Counted in the index alone first (every organization's rows: the index is one per
      // database), so a common word costs CAP index entries, not CAP row reads.
      const match = phrase(t.text);
      const counted = await sql<{ n: number }>`select count(*) as n from (select rowid from message_search
        where message_search match ${match} limit ${this.cap + 1})`.execute(this.db.kysely);
      if (Number(counted.rows[0]!.n) > this.cap) return undefined;
      // The few messages still queued for the index (migration 015) are read as they are.
      const rows = await sql<{ session_id: string }>`select m.session_id from message_search f
        join helpdesk_messages m on m.rowid = f.rowid
        where message_search match ${match} and m.organization_id = ${organizationId}
        union
        select m.session_id from message_search_queue q cross join helpdesk_messages m on m.rowid = q.message_rowid
        where m.organization_id = ${organizationId} and ${this.textLike('m', t.pattern)}`.execute(this.db.kysely);
      return rows.rows.map((r) => r.session_id);
    }
    const rows = await sql<{ session_id: string }>`select m.session_id from helpdesk_messages m
      where m.search_text ilike ${t.pattern} escape '\\'
        and m.organization_id = ${organizationId}
      limit ${this.cap + 1}`.execute(this.db.kysely);
    return rows.rows.length > this.cap ? undefined : [...new Set(rows.rows.map((r) => r.session_id))];
  }
}
