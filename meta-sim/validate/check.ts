// Small checks every message validator shares. Paths are written the way Graph names parameters in
// its details: interactive['action']['buttons'][0]['reply']['title']. Codes: see ../errors.ts.
import { invalidValue, missingParam, unexpectedKey, wrongType } from '../errors.js';
import type { StoredTemplate } from '../templates-parse.js';
import { exceedsChars } from './chars.js';

import { isObject, type Obj } from './object.js';

export { isObject, type Obj } from './object.js';

/** What a validator may ask about the phone the message is sent from. */
export interface ValidationContext {
  phoneId: string;
  /** The MIME type of a media id this phone uploaded, or undefined. */
  mediaMimeOf(mediaId: string): string | undefined;
  /** The template of this name and language in the catalogue of the phone's WABA. */
  templateOf?(name: string, language: string): StoredTemplate | undefined;
}

/** The path of a member: sub('text', 'body') → text['body']; top-level members (path '') are bare. */
export function sub(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}['${key}']`;
}

/** The value at `path` must be a JSON object. */
export function expectObject(v: unknown, path: string): Obj {
  if (v === undefined) throw missingParam(path);
  if (!isObject(v)) throw wrongType(path, 'an object');
  return v;
}

/** Meta refuses parameters it does not know. */
export function onlyKeys(o: Obj, allowed: ReadonlySet<string>, path: string): void {
  for (const key in o) {
    if (!allowed.has(key)) throw unexpectedKey(key, path);
  }
}

export function requiredObject(o: Obj, key: string, path: string): Obj {
  return expectObject(o[key], sub(path, key));
}

export function optionalObject(o: Obj, key: string, path: string): Obj | undefined {
  const v = o[key];
  return v === undefined ? undefined : expectObject(v, sub(path, key));
}

/** A required, non-empty string. */
export function requiredString(o: Obj, key: string, path: string, maxChars?: number): string {
  const v = o[key];
  if (v === undefined) throw missingParam(sub(path, key));
  if (typeof v !== 'string') throw wrongType(sub(path, key), 'a string');
  if (v === '') throw invalidValue(`Param ${sub(path, key)} must not be empty.`);
  if (maxChars !== undefined) checkMaxChars(v, maxChars, sub(path, key));
  return v;
}

export function optionalString(o: Obj, key: string, path: string, maxChars?: number): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw wrongType(sub(path, key), 'a string');
  if (maxChars !== undefined) checkMaxChars(v, maxChars, sub(path, key));
  return v;
}

export function optionalBoolean(o: Obj, key: string, path: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw wrongType(sub(path, key), 'a boolean');
  return v;
}

export function checkMaxChars(s: string, limit: number, path: string): void {
  if (exceedsChars(s, limit)) throw invalidValue(`Param ${path} must be at most ${limit} characters long.`);
}

/** A required array with between min and max items. */
export function expectArray(v: unknown, path: string, min: number, max: number): unknown[] {
  if (v === undefined) throw missingParam(path);
  if (!Array.isArray(v)) throw wrongType(path, 'an array');
  checkCount(v.length, min, max, path);
  return v;
}

export function requiredArray(o: Obj, key: string, path: string, min: number, max: number): unknown[] {
  return expectArray(o[key], sub(path, key), min, max);
}

export function optionalArray(o: Obj, key: string, path: string): unknown[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw wrongType(sub(path, key), 'an array');
  return v as unknown[];
}

export function checkCount(n: number, min: number, max: number, path: string): void {
  if (n < min) throw invalidValue(`Param ${path} must have at least ${min} item${min === 1 ? '' : 's'}.`);
  if (n > max) throw invalidValue(`Param ${path} must have at most ${max} items.`);
}

/** A fixed string such as type: "reply"; anything else is outside Meta's enum. */
export function requiredLiteral(o: Obj, key: string, path: string, allowed: readonly string[]): string {
  const v = o[key];
  if (v === undefined) throw missingParam(sub(path, key));
  if (typeof v !== 'string' || !allowed.includes(v)) {
    throw wrongType(sub(path, key), `one of {${allowed.join(', ')}}`);
  }
  return v;
}
