// Keyset pagination, one way for every listing: a page is read as `limit + 1` rows after the
// client's cursor, so whether another page exists is known without a count, and a cursor names
// the last row seen rather than an offset, so rows added meanwhile never shift a page.
import { InvalidField } from '../errors.js';

export interface PageQuery<C> {
  /** Rows to read: one more than the page holds. */
  readLimit: number;
  limit: number;
  after: C | undefined;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * The page a client asked for. A cursor is only ever one we handed out: one that does not decode
 * is refused, since starting over (or answering nothing) would page through wrong data silently.
 */
export function pageQuery<C>(
  query: { limit?: string | undefined; cursor?: string | undefined },
  opts: { defaultLimit: number; maxLimit: number; decode: (cursor: string) => C | undefined },
): PageQuery<C> {
  const limit = query.limit === undefined ? opts.defaultLimit : Number(query.limit);
  if (query.limit !== undefined && (!/^[0-9]{1,6}$/.test(query.limit) || limit < 1 || limit > opts.maxLimit)) {
    throw new InvalidField(`limit must be an integer between 1 and ${opts.maxLimit}`);
  }
  let after: C | undefined;
  if (query.cursor !== undefined) {
    after = opts.decode(query.cursor);
    if (after === undefined) throw new InvalidField('cursor is not valid');
  }
  return { readLimit: limit + 1, limit, after };
}

/** The rows read for `page` as the page itself, with the cursor of its last row when more follow. */
export function toPage<R, T>(
  rows: R[],
  page: PageQuery<unknown>,
  cursorOf: (row: R) => string,
  view: (row: R) => T,
): Page<T> {
  const kept = rows.slice(0, page.limit);
  const last = kept[kept.length - 1];
  return {
    data: kept.map(view),
    next_cursor: rows.length > page.limit && last !== undefined ? cursorOf(last) : null,
  };
}

/**
 * An opaque cursor over a composite key, e.g. (last activity, id) for a listing by time: the
 * values as base64url JSON. Decoding checks the shape, never trusts it.
 */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number)[] | undefined {
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(values) || values.length !== arity) return undefined;
  return values.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))
    ? (values as (string | number)[])
    : undefined;
}
