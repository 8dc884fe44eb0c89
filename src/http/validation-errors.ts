// The one translation of Ajv's errors into the API contract's 400 bodies ({error: "Missing
// required field" | "Invalid field" | "Invalid message type", message}), naming each field by its
// full path, and the check for text that is not Unicode.
import { AppError, echo, InvalidField, InvalidMessageType, MissingField } from '../errors.js';
import { FORMAT_WORDS, formatProblem } from './keywords/formats.js';
import { UNITS_PER_GRAPHEME } from './keywords/text.js';

// A surrogate not part of a pair: not Unicode text, and Meta (or a database) would mangle or refuse it.
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * The first string in `value` (a parsed body or query) holding a lone surrogate, as a message
 * naming its field; undefined when there is none. Explicit stack: a body may nest deep.
 */
export function loneSurrogateError(value: unknown, context: string): InvalidField | undefined {
  const stack: Array<[unknown, string[]]> = [[value, []]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v))
        return new InvalidField(
          `${formatPath(at, value) || rootName(context)} is not valid text: it contains a lone surrogate (half of a UTF-16 pair)`,
        );
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, child] of Object.entries(v)) {
        if (LONE_SURROGATE.test(key))
          return new InvalidField(
            `${rootName(context)} has a field name that is not valid text: it contains a lone surrogate`,
          );
        stack.push([child, [...at, key]]);
      }
    }
  }
  return undefined;
}

// ---- Ajv errors → the API contract's errors ------------------------------------------------------------

interface AjvError {
  keyword: string;
  instancePath: string;
  schemaPath?: string;
  params: Record<string, unknown>;
  message?: string;
}

function isAjvError(e: unknown): e is AjvError {
  if (typeof e !== 'object' || e === null) return false;
  const o = e as Record<string, unknown>;
  return (
    typeof o['keyword'] === 'string' &&
    typeof o['instancePath'] === 'string' &&
    typeof o['params'] === 'object' &&
    o['params'] !== null
  );
}

// These only say "a branch failed"; the error worth reporting is the branch's own.
const SUMMARY_KEYWORDS = new Set(['oneOf', 'anyOf', 'allOf', 'if', 'not']);

/**
 * The first relevant Ajv error (as Fastify puts them in error.validation) as MissingField,
 * InvalidField or InvalidMessageType, naming the field by its full path: interactive.buttons[1].title.
 * `data` is the validated value (the request body), used to say which message type a field is for.
 */
export function validationErrorToAppError(
  errors: unknown[],
  context: string,
  data?: unknown,
  wording: BodyWording = NO_WORDING,
): AppError {
  const valid = errors.filter(isAjvError);
  const err = valid.find((e) => !SUMMARY_KEYWORDS.has(e.keyword)) ?? valid[0];
  if (err === undefined) return new InvalidField(`${rootName(context)} is invalid`);
  const allowed = unionConstants(err, valid);
  if (allowed !== undefined)
    return new InvalidField(
      `${formatPath(pointerSegments(err.instancePath), data) || rootName(context)} must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
    );
  return describe(err, pointerSegments(err.instancePath), data, context, wording);
}

/**
 * The values a union of constants allows ("open" | "closed"), when `err` is one of its branches'
 * failures and every branch is a constant; otherwise undefined, and the branch's own error answers.
 */
function unionConstants(err: AjvError, errors: AjvError[]): unknown[] | undefined {
  const union = errors.find((u) => /^(anyOf|oneOf)$/.test(u.keyword) && err.schemaPath?.startsWith(`${u.schemaPath}/`));
  if (union === undefined) return undefined;
  const prefix = `${union.schemaPath}/`;
  const seen = new Set<string>();
  const constants = new Map<string, unknown>();
  for (const e of errors.filter((x) => x.schemaPath?.startsWith(prefix))) {
    const m = /^(\d+)\/(const|type)$/.exec(e.schemaPath!.slice(prefix.length));
    if (m === null || e.instancePath !== union.instancePath) return undefined;
    seen.add(m[1]!);
    if (m[2] === 'const') constants.set(m[1]!, e.params['allowedValue']);
  }
  return seen.size > 1 && constants.size === seen.size ? [...constants.values()] : undefined;
}

/**
 * What a route's schema says about its tagged objects, so that a 400 can say "caption is not
 * allowed for text messages" instead of "unknown field caption". The route declares it beside its
 * schema (route config `bodyWording`); this module knows no feature.
 */
export interface BodyWording {
  /** Objects whose fields depend on a tag: `path` is the object's path in the body. */
  kinds: readonly { path: string; tag: string; fields: Readonly<Record<string, readonly string[]>> }[];
  /** Per kind, fields that the kind does not support (worded "not supported", not "not allowed"). */
  unsupported: Readonly<Record<string, readonly string[]>>;
}

const NO_WORDING: BodyWording = { kinds: [], unsupported: {} };

/** `at`: the failing value's path as keys; `data`: the whole validated value. */
function describe(err: AjvError, at: string[], data: unknown, context: string, wording: BodyWording): AppError {
  const p = err.params;
  const field = formatPath(at, data) || rootName(context);
  switch (err.keyword) {
    case 'required':
      return missing([...at, String(p['missingProperty'])], data, wording);
    case 'notBlank':
      return missing(at, data, wording);
    case 'minLength':
      // "" where a value is required is the same mistake as no value (the API contract's clients send "").
      if (Number(p['limit']) <= 1) return missing(at, data, wording);
      return new InvalidField(`${field} must be at least ${String(p['limit'])} characters`);
    case 'additionalProperties':
      return new InvalidField(foreignField([...at, String(p['additionalProperty'])], data, wording));
    case 'discriminator':
      return discriminatorError([...at, String(p['tag'])], p['tagValue'], data, wording);
    case 'type':
      return new InvalidField(`${field} must be ${typeWords(String(p['type']))}`);
    case 'maxLength':
    case 'maxGraphemes':
      // A field a type takes only empty (context_message_id on reactions) is not supported there.
      if (Number(p['limit']) === 0) return new InvalidField(foreignField(at, data, wording));
      if (err.keyword === 'maxGraphemes' && stringAt(data, at).length > Number(p['limit']) * UNITS_PER_GRAPHEME) {
        return new InvalidField(
          `${field} must be at most ${String(p['limit'])} characters and ${Number(p['limit']) * UNITS_PER_GRAPHEME} UTF-16 code units`,
        );
      }
      return new InvalidField(`${field} must be at most ${String(p['limit'])} characters`);
    default:
      return new InvalidField(otherMessage(err, field, valueAt(data, at)));
  }
}

function otherMessage(err: AjvError, field: string, value?: unknown): string {
  const p = err.params;
  switch (err.keyword) {
    case 'minItems':
      return `${field} must have at least ${String(p['limit'])} item${p['limit'] === 1 ? '' : 's'}`;
    case 'maxItems':
      return `${field} must have at most ${String(p['limit'])} items`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${field} must be ${COMPARISON_WORDS[String(p['comparison'])] ?? String(p['comparison'])} ${String(p['limit'])}`;
    case 'enum':
      return `${field} must be one of: ${(Array.isArray(p['allowedValues']) ? p['allowedValues'] : []).map(String).join(', ')}`;
    case 'const':
      return `${field} must be ${JSON.stringify(p['allowedValue'])}`;
    case 'format':
      {
        const problem = formatProblem(String(p['format']), value);
        if (problem !== undefined) return `${field} ${problem}`;
      }
      return `${field} must be ${FORMAT_WORDS[String(p['format'])] ?? `a valid ${String(p['format'])}`}`;
    case 'pattern':
      return `${field} is not in the expected format (${String(p['pattern'])})`;
    case 'maxJsonDepth':
      return `${field} must not nest more than ${String(p['limit'])} levels deep`;
    case 'maxJsonBytes':
      return `${field} must be at most ${String(p['limit'])} bytes as JSON`;
    case 'uniqueItems':
      return `${field} must not contain duplicate items`;
    default:
      return `${field} ${err.message ?? 'is invalid'}`;
  }
}

const COMPARISON_WORDS: Record<string, string> = {
  '<=': 'at most',
  '>=': 'at least',
  '<': 'less than',
  '>': 'greater than',
};

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function typeWords(type: string): string {
  return type
    .split(',')
    .map((t) => TYPE_WORDS[t] ?? t)
    .join(' or ');
}

function rootName(context: string): string {
  return context === 'body' ? 'request body' : context;
}

// ---- Message-type wording ------------------------------------------------------------------------

/** The kind (message_type, interactive.type) the object at `at` declares, when it is a known one. */
function kindAt(
  at: string[],
  data: unknown,
  wording: BodyWording,
): { kind: string; fields: Readonly<Record<string, readonly string[]>> } | undefined {
  const entry = wording.kinds.find((k) => k.path === at.join('.'));
  if (entry === undefined) return undefined;
  const value = valueAt(data, [...at, entry.tag]);
  if (typeof value !== 'string' || !Object.hasOwn(entry.fields, value)) return undefined;
  return { kind: value, fields: entry.fields };
}

/** `text is required for text messages` at the top level; `location.latitude is required` below it. */
function missing(at: string[], data: unknown, wording: BodyWording): MissingField {
  const path = formatPath(at, data);
  const name = at[at.length - 1] ?? '';
  const kind = at.length === 1 ? kindAt([], data, wording) : undefined;
  // Fields every type has (phone_number) are required, full stop; the others for their type.
  const forItsType = kind !== undefined && !Object.values(kind.fields).every((f) => f.includes(name));
  return new MissingField(forItsType ? `${path} is required for ${kind.kind} messages` : `${path} is required`);
}

/** A field of another message type (`caption is not allowed for text messages`) or an unknown one. */
function foreignField(at: string[], data: unknown, wording: BodyWording): string {
  const path = formatPath(at, data);
  const name = at[at.length - 1] ?? '';
  const kind = kindAt(at.slice(0, -1), data, wording);
  if (kind === undefined || !Object.values(kind.fields).some((f) => f.includes(name))) return `unknown field ${path}`;
  const verb = wording.unsupported[kind.kind]?.includes(name) ? 'not supported' : 'not allowed';
  return `${path} is ${verb} for ${kind.kind} messages`;
}

/** message_type missing or not a type we send; likewise interactive.type. */
function discriminatorError(at: string[], value: unknown, data: unknown, wording: BodyWording): AppError {
  const path = formatPath(at, data);
  if (value === undefined) return new MissingField(`${path} is required`);
  const entry = wording.kinds.find((k) => k.path === at.slice(0, -1).join('.') && k.tag === at[at.length - 1]);
  const allowed = entry === undefined ? '' : `: ${Object.keys(entry.fields).join(', ')}`;
  const message = `${path} must be one of${allowed} (got ${echo(JSON.stringify(value) ?? 'undefined')})`;
  return path === 'message_type' ? new InvalidMessageType(message) : new InvalidField(message);
}

// ---- Paths ------------------------------------------------------------------------------------------

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(data: unknown, at: string[]): unknown {
  let v = data;
  for (const key of at) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** ['interactive','buttons','1','title'] → interactive.buttons[1].title (indexes only inside arrays). */
function formatPath(at: string[], data: unknown): string {
  let path = '';
  for (let i = 0; i < at.length; i++) {
    const key = at[i]!;
    const parent = valueAt(data, at.slice(0, i));
    const isIndex = /^\d+$/.test(key) && (Array.isArray(parent) || parent === undefined);
    path = isIndex ? `${path}[${key}]` : joinPath(path, key);
  }
  return path;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]{0,63}$/;

function joinPath(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${path}[${echo(JSON.stringify(key))}]`;
  return path === '' ? key : `${path}.${key}`;
}

function stringAt(data: unknown, at: string[]): string {
  const v = valueAt(data, at);
  return typeof v === 'string' ? v : '';
}
