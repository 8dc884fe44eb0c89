// Field readers for the webhook parser. The body is `unknown` (docs/META.md §10.4): every read
// checks the type and a length cap. A required field that fails throws ParseFail, which the parser
// catches per item and turns into an `invalid` item; an optional field that fails is left out and
// noted on the item, because Meta changes optional fields between versions (Evolution API crashed
// on 2026's status contacts without `profile`) and one odd field must not cost the whole message.
import type { MetaErrorDetail } from '../meta/webhook-items.js';

/** Caps on what one webhook may hold. Real payloads stay far below them (docs/META.md §10.4). */
export const LIMITS = {
  /** Items per body. Meta batches up to 1,000 updates per POST; twice that leaves room for noise. */
  items: 2000,
  /** ids, types, names, phone numbers: a wamid is about 60 characters. */
  id: 256,
  short: 1024,
  url: 4096,
  /** Free text: a WhatsApp message holds at most 65,536 characters. */
  text: 65_536,
  /** errors[] on one status, message or change. */
  errors: 50,
  /** Cards in a contacts message, and phones, emails, urls within one card. */
  cards: 100,
  cardParts: 50,
  orderItems: 1000,
  /** Values kept loosely (referral, template events, unknown types): levels, and nodes in all. */
  looseDepth: 4,
  looseNodes: 2000,
} as const;

export type Rec = Record<string, unknown>;

/** Thrown by required-field reads; its message becomes the invalid item's reason. */
export class ParseFail extends Error {}

export function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own properties only, so a body can never make us read Object.prototype (`constructor`, …). */
export function own(o: Rec, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** Unix seconds (Meta sends a string of digits; a number is accepted too) as ISO 8601. */
export function isoFromUnix(v: unknown): string | undefined {
  let seconds: number;
  if (typeof v === 'string' && /^\d{1,12}$/.test(v)) seconds = Number(v);
  else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < 1e12) seconds = v;
  else return undefined;
  return new Date(seconds * 1000).toISOString();
}

/**
 * Reads fields of one object, naming them in reasons and notes by `prefix` (e.g. `image.`), so a
 * reason reads `image.id is missing` under the item's path.
 */
export class Fields {
  constructor(
    readonly o: Rec,
    readonly prefix: string,
    readonly notes: string[],
  ) {}

  /** The object under `key` with its own prefix; throws when it is required and not an object. */
  sub(key: string): Fields {
    const v = own(this.o, key);
    if (!isRecord(v))
      throw new ParseFail(`${this.prefix}${key} ${v === undefined ? 'is missing' : 'is not an object'}`);
    return new Fields(v, `${this.prefix}${key}.`, this.notes);
  }

  optSub(key: string): Fields | undefined {
    const v = own(this.o, key);
    if (v === undefined) return undefined;
    if (isRecord(v)) return new Fields(v, `${this.prefix}${key}.`, this.notes);
    this.notes.push(`${this.prefix}${key} is not an object`);
    return undefined;
  }

  str(key: string, cap: number = LIMITS.id): string {
    const v = own(this.o, key);
    if (v === undefined || v === '') throw new ParseFail(`${this.prefix}${key} is missing`);
    if (typeof v !== 'string') throw new ParseFail(`${this.prefix}${key} is not a string`);
    if (v.length > cap) throw new ParseFail(`${this.prefix}${key} is longer than ${cap} characters`);
    return v;
  }

  optStr(key: string, cap: number = LIMITS.short): string | undefined {
    const v = own(this.o, key);
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v.length <= cap) return v;
    this.notes.push(
      typeof v === 'string'
        ? `${this.prefix}${key} is longer than ${cap} characters`
        : `${this.prefix}${key} is not a string`,
    );
    return undefined;
  }

  optBool(key: string): boolean | undefined {
    const v = own(this.o, key);
    if (v === undefined || typeof v === 'boolean') return v;
    this.notes.push(`${this.prefix}${key} is not a boolean`);
    return undefined;
  }

  optNum(key: string): number | undefined {
    const v = own(this.o, key);
    if (v === undefined || (typeof v === 'number' && Number.isFinite(v))) return v;
    this.notes.push(`${this.prefix}${key} is not a number`);
    return undefined;
  }

  num(key: string): number {
    const v = own(this.o, key);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    throw new ParseFail(`${this.prefix}${key} ${v === undefined ? 'is missing' : 'is not a number'}`);
  }

  /** An optional array, [] when absent; more than `cap` entries fails the item rather than cut it. */
  list(key: string, cap: number): unknown[] {
    const v = own(this.o, key);
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      this.notes.push(`${this.prefix}${key} is not an array`);
      return [];
    }
    if (v.length > cap) throw new ParseFail(`${this.prefix}${key} has more than ${cap} entries`);
    return v;
  }

  /** Records of an optional array read by `read`; entries that are not objects are noted and skipped. */
  records<T>(key: string, cap: number, read: (f: Fields) => T): T[] {
    const out: T[] = [];
    this.list(key, cap).forEach((entry, i) => {
      if (isRecord(entry)) out.push(read(new Fields(entry, `${this.prefix}${key}[${i}].`, this.notes)));
      else this.notes.push(`${this.prefix}${key}[${i}] is not an object`);
    });
    return out;
  }
}

/** Copies the fields that are present and usable, without `undefined` keys (exactOptional style). */
export function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** One Meta error object. */
export function readError(f: Fields): MetaErrorDetail {
  return defined({
    code: f.optNum('code'),
    title: f.optStr('title'),
    message: f.optStr('message', LIMITS.text),
    details: f.optSub('error_data')?.optStr('details', LIMITS.text),
    href: f.optStr('href', LIMITS.url),
  });
}

/** Meta's `errors[]`, the same shape wherever it appears. */
export function readErrors(f: Fields, key = 'errors'): MetaErrorDetail[] {
  return f.records(key, LIMITS.errors, readError);
}
