// `maxGraphemes` and `notBlank`, the keywords for text a person reads, and the `emoji` format.
import { _, str, type CodeKeywordDefinition } from 'ajv';
import { isBlank } from '../../lib/text.js';
import type { SchemaKeyword } from './types.js';

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

/**
 * `maxGraphemes: n` — at most n characters as a person counts them. Ajv's maxLength counts code
 * points, so one ❤️ would count two. OpenAPI shows it as maxLength, the closest a client can check.
 */
const maxGraphemesDefinition: CodeKeywordDefinition = {
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

export const maxGraphemes: SchemaKeyword = {
  install: (ajv) => ajv.addKeyword(maxGraphemesDefinition),
  toOpenApi(node, out) {
    if (typeof node['maxGraphemes'] !== 'number') return;
    const current = typeof node['maxLength'] === 'number' ? node['maxLength'] : Infinity;
    out['maxLength'] = Math.min(current, node['maxGraphemes']);
    delete out['maxGraphemes'];
  },
};

/**
 * `notBlank: true` — a required text must have something besides spaces and invisible characters:
 * Meta refuses empty text, and the API contract treats an empty value as a missing one. Checked
 * before any other string rule. OpenAPI shows it as minLength 1 and a pattern.
 */
const notBlankDefinition: CodeKeywordDefinition = {
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

export const notBlank: SchemaKeyword = {
  install: (ajv) => ajv.addKeyword(notBlankDefinition),
  toOpenApi(node, out) {
    if (!('notBlank' in node)) return;
    if (node['notBlank'] === true) {
      out['minLength'] = Math.max(typeof node['minLength'] === 'number' ? node['minLength'] : 0, 1);
      out['pattern'] ??= '\\S';
    }
    delete out['notBlank'];
  },
};

/** `format: emoji`: one emoji, or "" (Meta's removal of a reaction, what client libraries send). */
export const emojiFormat: SchemaKeyword = {
  install: (ajv) => ajv.addFormat('emoji', { type: 'string', validate: (s: string) => s === '' || isOneEmoji(s) }),
  toOpenApi: () => undefined,
};
