// Request validation for every route: the Ajv setup Fastify uses (ajvOptions), the keywords and
// formats our schemas add, and the one translation of Ajv's errors into the API contract's 400 bodies
// ({error: "Missing required field" | "Invalid field" | "Invalid message type", message}).
import { Ajv, _, str, type CodeKeywordDefinition, type Options as AjvOptions, type Plugin } from 'ajv';
import ajvFormats from 'ajv-formats';
import { AppError, echo, InvalidField, InvalidMessageType, MissingField } from '../errors.js';
import { isBlank } from '../lib/text.js';

// ---- Counting characters as people see them ----------------------------------------------------

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * True when `s` has more than `limit` graphemes (an emoji such as ❤️ or a ZWJ family, a flag or an
 * accented letter counts as one); stops counting as soon as it knows.
 */
export function exceedsGraphemes(s: string, limit: number): boolean {
  // A string never has more graphemes than UTF-16 units, so short strings need no segmenting.
  if (s.length <= limit) return false;
  let n = 0;
  for (const _segment of graphemes.segment(s)) {
    n += 1;
    if (n > limit) return true;
  }
  return false;
}

/**
 * UTF-16 units a grapheme may take before a text counts as too long. One grapheme may carry any
 * number of combining marks ("Zalgo" text), so a grapheme limit alone bounds nothing; 16 covers
 * flags, tag flags (14) and ZWJ families (11); only a text of skin-toned families at its limit loses.
 */
export const UNITS_PER_GRAPHEME = 16;

/** More than `limit` graphemes, or more than UNITS_PER_GRAPHEME × `limit` UTF-16 units. */
export function exceedsTextLimit(s: string, limit: number): boolean {
  return s.length > limit * UNITS_PER_GRAPHEME || exceedsGraphemes(s, limit);
}

const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;
// The longest emoji in use, a subdivision flag's tag sequence, is 14 units.
const MAX_EMOJI_UNITS = 32;

/** Meta's reaction takes one emoji, the character itself (docs/META.md §1). */
export function isOneEmoji(s: string): boolean {
  return s.length > 0 && s.length <= MAX_EMOJI_UNITS && !exceedsGraphemes(s, 1) && EMOJI.test(s);
}

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

// ---- Keywords and formats ----------------------------------------------------------------------

/**
 * `maxGraphemes: n` — at most n characters as a person counts them. Ajv's maxLength counts code
 * points, so one ❤️ would count two. The OpenAPI output shows it as maxLength (messages/openapi.ts).
 */
const maxGraphemes: CodeKeywordDefinition = {
  keyword: 'maxGraphemes',
  type: 'string',
  schemaType: 'number',
  error: {
    message: ({ schemaCode }) => str`must NOT have more than ${schemaCode} characters`,
    params: ({ schemaCode }) => _`{limit: ${schemaCode}}`,
  },
  code(cxt) {
    const exceeds = cxt.gen.scopeValue('func', { ref: exceedsTextLimit });
    cxt.fail(_`${exceeds}(${cxt.data}, ${cxt.schemaCode})`);
  },
};

/**
 * `notBlank: true` — a required text must have something besides spaces and invisible characters: Meta refuses empty text,
 * and the API contract treats an empty value as a missing one. Checked before any other string rule.
 */
const notBlank: CodeKeywordDefinition = {
  keyword: 'notBlank',
  type: 'string',
  schemaType: 'boolean',
  before: 'maxLength',
  error: { message: 'must not be blank' },
  code(cxt) {
    const blank = cxt.gen.scopeValue('func', { ref: isBlank });
    if (cxt.schema === true) cxt.fail(_`${blank}(${cxt.data})`);
  },
};

/**
 * How deeply `value` nests (a scalar is 0, {} or [] is 1), counted with an explicit stack: a
 * client's JSON may nest thousands deep, and recursing over it (JSON.stringify, a walk) would
 * overflow the call stack. Stops as soon as it passes `limit`.
 */
export function exceedsJsonDepth(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** True when `value` serialised as JSON would take more than `limit` bytes (UTF-8), without recursing. */
export function exceedsJsonBytes(value: unknown, limit: number): boolean {
  let bytes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      bytes += 2 + Math.max(0, entries.length - 1); // brackets and commas
      for (const [key, child] of entries) {
        if (!Array.isArray(v)) bytes += Buffer.byteLength(JSON.stringify(key)) + 1; // "key":
        stack.push(child);
      }
    } else {
      bytes += Buffer.byteLength(JSON.stringify(v) ?? 'null');
    }
    if (bytes > limit) return true;
  }
  return false;
}

/** `maxJsonDepth: n` — a free-form value nests at most n objects/arrays deep. */
const maxJsonDepth: CodeKeywordDefinition = {
  keyword: 'maxJsonDepth',
  schemaType: 'number',
  error: {
    message: ({ schemaCode }) => str`must NOT nest more than ${schemaCode} levels deep`,
    params: ({ schemaCode }) => _`{limit: ${schemaCode}}`,
  },
  code(cxt) {
    const exceeds = cxt.gen.scopeValue('func', { ref: exceedsJsonDepth });
    cxt.fail(_`${exceeds}(${cxt.data}, ${cxt.schemaCode})`);
  },
};

/** `maxJsonBytes: n` — a free-form value takes at most n bytes as JSON. */
const maxJsonBytes: CodeKeywordDefinition = {
  keyword: 'maxJsonBytes',
  schemaType: 'number',
  error: {
    message: ({ schemaCode }) => str`must NOT be larger than ${schemaCode} bytes as JSON`,
    params: ({ schemaCode }) => _`{limit: ${schemaCode}}`,
  },
  code(cxt) {
    const exceeds = cxt.gen.scopeValue('func', { ref: exceedsJsonBytes });
    cxt.fail(_`${exceeds}(${cxt.data}, ${cxt.schemaCode})`);
  },
};

const HTTP_URL_START = /^https?:\/\/\S+$/i;
const URL_PORT = /^https?:\/\/[^/?#]*:(\d+)(?:[/?#]|$)/i;

/** The port of an http(s) URL when it is past 65535 (why URL refuses it), else undefined. */
function portOutOfRange(s: string): string | undefined {
  const port = URL_PORT.exec(s)?.[1];
  return port !== undefined && Number(port) > 65535 ? port : undefined;
}

/** An absolute http(s) URL with a host: the only kind the media pipeline may download. */
export function isHttpUrl(s: string): boolean {
  if (!HTTP_URL_START.test(s) || !URL.canParse(s)) return false;
  return new URL(s).hostname !== '';
}

// eslint-disable-next-line no-control-regex
const UNSAFE_FILENAME = /[/\\\u0000-\u001f\u007f]/;

/** A display name for a file, never a path: no separators, no control characters, not . or .. */
export function isSafeFilename(s: string): boolean {
  return !UNSAFE_FILENAME.test(s) && s !== '.' && s !== '..';
}

/** What each format means, in the words of an error message. */
const FORMAT_WORDS: Record<string, string> = {
  'http-url': 'an http or https URL',
  'file-name': 'a file name without path separators or control characters',
  emoji: 'a single emoji, or "" to remove the reaction',
  date: 'a date written YYYY-MM-DD',
};

/** Our keywords and formats, as an Ajv plugin (Fastify calls it on its own Ajv instance). */
export const flowiqKeywords: Plugin<unknown> = (ajv) => {
  ajv.addKeyword(notBlank);
  ajv.addKeyword(maxGraphemes);
  ajv.addKeyword(maxJsonDepth);
  ajv.addKeyword(maxJsonBytes);
  ajv.addFormat('http-url', { type: 'string', validate: isHttpUrl });
  ajv.addFormat('file-name', { type: 'string', validate: isSafeFilename });
  // "" is Meta's removal of a reaction (what client libraries send), so it is an emoji here too.
  ajv.addFormat('emoji', { type: 'string', validate: (s: string) => s === '' || isOneEmoji(s) });
  return ajv;
};

// ajv-formats is CommonJS; under NodeNext its default import is the module, whose .default is the
// plugin. Its options type is narrower than Fastify's Plugin<unknown>; it is called without options.
const formatsPlugin = ajvFormats.default as Plugin<unknown>;

const customOptions = {
  // Errors from the branch message_type names only (oneOf + discriminator).
  discriminator: true,
  // "5" is not a number and 5 is not a string: the API contract's types are JSON types.
  coerceTypes: false,
  // One error is enough to answer, and allErrors lets a crafted body make Ajv work much harder.
  allErrors: false,
  // An unknown field is an error to report, never something to drop silently.
  removeAdditional: false,
  // reaction.emoji defaults to 👍.
  useDefaults: true,
} satisfies AjvOptions;

/** Exactly what buildApp passes as Fastify's `ajv` option. */
export const ajvOptions: { customOptions: AjvOptions; plugins: Plugin<unknown>[] } = {
  customOptions,
  // Listing ajv-formats here (by its name, formatsPlugin) stops Fastify adding it a second time.
  plugins: [formatsPlugin, flowiqKeywords],
};

/** An Ajv instance built the way Fastify builds its own, for validating outside a route. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ addUsedSchema: false, ...ajvOptions.customOptions });
  for (const plugin of ajvOptions.plugins) plugin(ajv);
  return ajv;
}

// ---- Ajv errors → the API contract's errors ------------------------------------------------------------

interface AjvError {
  keyword: string;
  instancePath: string;
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
  return describe(err, pointerSegments(err.instancePath), data, context, wording);
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
  const badPort = typeof value === 'string' ? portOutOfRange(value) : undefined;
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
      if (p['format'] === 'http-url' && badPort !== undefined)
        return `${field} is not a valid URL: port ${badPort} is out of range (0 to 65535)`;
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
