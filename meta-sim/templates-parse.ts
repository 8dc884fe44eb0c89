// Checks a template definition (Meta's upper-case components) as the control API receives it, and
// derives what a send of it must carry: the header's kind and variable, the body's variables, and
// each button's parameter. Meta's own creation rules, simplified to what sends depend on.
import { createHash } from 'node:crypto';
import { exceedsChars } from './validate/chars.js';
import { isObject } from './validate/object.js';
import type {
  SimQualityScore,
  SimTemplate,
  SimTemplateCategory,
  SimTemplateComponent,
  SimTemplateStatus,
} from './templates-types.js';

export class TemplateParseError extends Error {}

type Obj = Record<string, unknown>;

function fail(message: string): never {
  throw new TemplateParseError(message);
}

export const STATUSES: readonly SimTemplateStatus[] = [
  'APPROVED',
  'PENDING',
  'REJECTED',
  'PAUSED',
  'DISABLED',
  'IN_APPEAL',
  'PENDING_DELETION',
  'ARCHIVED',
  'LIMIT_EXCEEDED',
];
export const CATEGORIES: readonly SimTemplateCategory[] = ['MARKETING', 'UTILITY', 'AUTHENTICATION'];
export const QUALITY_SCORES: readonly SimQualityScore[] = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'];

export type HeaderExpectation =
  | { kind: 'none' }
  | { kind: 'text'; text: string; vars: string[] }
  | { kind: 'media'; format: 'IMAGE' | 'VIDEO' | 'DOCUMENT'; handles: string[] }
  | { kind: 'location' };

export interface ButtonExpectation {
  type: 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER' | 'COPY_CODE' | 'FLOW' | 'OTP';
  /** URL buttons: the base URL, with its {{1}} when it takes a suffix. */
  url?: string;
  /** How many parameters a send gives this button: 1 for a URL suffix, a copy code, a payload or a flow action. */
  params: number;
  /** A send must name this button (URL with a suffix, copy code); quick replies and flows may be left out. */
  required: boolean;
}

export interface TemplateExpectation {
  header: HeaderExpectation;
  body: { text: string; vars: string[] };
  buttons: ButtonExpectation[];
}

/** A template as the catalogue keeps it: the public view and what sends are checked against. */
export interface StoredTemplate {
  view: SimTemplate;
  expect: TemplateExpectation;
}

const NAME = /^[a-z0-9_]{1,512}$/;
const LANGUAGE = /^[a-z]{2,3}(?:_[A-Za-z0-9]{2,4})?$/;
const VARIABLE = /\{\{([^{}]*)\}\}/g;
const POSITIONAL_VAR = /^[1-9]\d*$/;
const NAMED_VAR = /^[a-z][a-z0-9_]*$/;
const BUTTON_TYPES = new Set(['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'FLOW', 'OTP']);
const OTP_TYPES = ['COPY_CODE', 'ONE_TAP', 'ZERO_TAP'];
const MEDIA_FORMATS = new Set(['IMAGE', 'VIDEO', 'DOCUMENT']);

/** Meta's template ids are 15–16 digit numbers; derived from (WABA, name, language), stable across runs. */
export function templateIdOf(wabaId: string, name: string, language: string): string {
  const hex = createHash('sha256').update(`template:${wabaId}:${name}:${language}`).digest('hex');
  return '1' + (BigInt('0x' + hex.slice(0, 24)) % 10n ** 15n).toString().padStart(15, '0');
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string, fallback?: T): T {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    fail(`${what} must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** The variables of a text in order of first appearance, checked against the template's parameter format. */
export function variablesOf(text: string, format: 'POSITIONAL' | 'NAMED', where: string): string[] {
  const seen: string[] = [];
  for (const m of text.matchAll(VARIABLE)) {
    const name = (m[1] ?? '').trim();
    if (format === 'POSITIONAL' && !POSITIONAL_VAR.test(name))
      fail(
        `${where}: {{${name}}} is not a positional variable ({{1}}, {{2}}…); set parameter_format NAMED for named ones`,
      );
    if (format === 'NAMED' && !NAMED_VAR.test(name))
      fail(
        `${where}: {{${name}}} is not a named variable (lower-case letters, digits and _) as parameter_format NAMED wants`,
      );
    if (!seen.includes(name)) seen.push(name);
  }
  if (format === 'POSITIONAL') {
    const numbers = seen.map(Number).sort((a, b) => a - b);
    numbers.forEach((n, i) => {
      if (n !== i + 1) fail(`${where}: positional variables must be {{1}} to {{${numbers.length}}}, without gaps`);
    });
    return numbers.map(String);
  }
  return seen;
}

function text(o: Obj, what: string, max: number, required = true): string {
  const v = o['text'];
  if (v === undefined && !required) return '';
  if (typeof v !== 'string' || v === '') fail(`${what}.text must be a non-empty string`);
  if (exceedsChars(v, max)) fail(`${what}.text must be at most ${max} characters`);
  return v;
}

function parseHeader(c: Obj, format: 'POSITIONAL' | 'NAMED'): HeaderExpectation {
  const f = c['format'];
  if (f === 'TEXT') {
    const t = text(c, 'HEADER', 60);
    const vars = variablesOf(t, format, 'HEADER');
    if (vars.length > 1) fail('HEADER: a text header has at most one variable');
    return { kind: 'text', text: t, vars };
  }
  if (typeof f === 'string' && MEDIA_FORMATS.has(f)) {
    const example = c['example'];
    let handles: string[] = [];
    if (example !== undefined) {
      if (!isObject(example)) fail('HEADER.example must be an object');
      const h = example['header_handle'];
      if (h !== undefined) {
        if (!Array.isArray(h) || !h.every((x) => typeof x === 'string'))
          fail('HEADER.example.header_handle must be an array of strings');
        handles = h;
      }
    }
    return { kind: 'media', format: f as 'IMAGE' | 'VIDEO' | 'DOCUMENT', handles };
  }
  if (f === 'LOCATION') return { kind: 'location' };
  return fail('HEADER.format must be one of TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION');
}

function parseButtons(c: Obj, format: 'POSITIONAL' | 'NAMED'): ButtonExpectation[] {
  const list = c['buttons'];
  if (!Array.isArray(list) || list.length === 0 || list.length > 10) fail('BUTTONS.buttons must have 1 to 10 buttons');
  return list.map((b, i) => {
    const where = `BUTTONS.buttons[${i}]`;
    if (!isObject(b)) fail(`${where} must be an object`);
    const type = b['type'];
    if (typeof type !== 'string' || !BUTTON_TYPES.has(type))
      fail(`${where}.type must be one of ${[...BUTTON_TYPES].join(', ')}`);
    if (type !== 'COPY_CODE' && type !== 'OTP') text(b, where, 25);
    switch (type) {
      case 'URL': {
        const url = b['url'];
        if (typeof url !== 'string' || !/^https?:\/\//.test(url)) fail(`${where}.url must be an http(s) URL`);
        // A URL button takes one variable, at the end: the suffix a send appends.
        const vars = [...url.matchAll(VARIABLE)];
        if (vars.length > 1 || (vars.length === 1 && !url.endsWith('}}')))
          fail(`${where}.url may end with one variable, {{1}}, and have no other`);
        if (vars.length === 1 && format === 'POSITIONAL' && (vars[0]?.[1] ?? '').trim() !== '1')
          fail(`${where}.url's variable must be {{1}}`);
        return { type, url, params: vars.length, required: vars.length === 1 };
      }
      case 'PHONE_NUMBER':
        if (typeof b['phone_number'] !== 'string') fail(`${where}.phone_number must be a string`);
        return { type, params: 0, required: false };
      case 'COPY_CODE':
        return { type, params: 1, required: true };
      case 'FLOW':
        return { type, params: 1, required: false };
      case 'OTP':
        // An authentication template's code button: a send gives the code as a url button's text.
        if (typeof b['otp_type'] !== 'string' || !OTP_TYPES.includes(b['otp_type']))
          fail(`${where}.otp_type must be one of ${OTP_TYPES.join(', ')}`);
        return { type, params: 1, required: true };
      default:
        return { type: 'QUICK_REPLY', params: 1, required: false };
    }
  });
}

/** Checks a definition and answers the stored form; the id is derived when not given. */
export function parseTemplate(wabaId: string, raw: unknown): StoredTemplate {
  if (!/^\d{1,20}$/.test(wabaId)) fail('waba_id must be digits');
  if (!isObject(raw)) fail('a template must be a JSON object');
  const known = [
    'name',
    'language',
    'category',
    'status',
    'parameter_format',
    'components',
    'quality_score',
    'id',
    'rejected_reason',
    'waba_id',
    'phone_id',
  ];
  for (const k of Object.keys(raw)) if (!known.includes(k)) fail(`unknown template field "${k}"`);
  const name = raw['name'];
  if (typeof name !== 'string' || !NAME.test(name))
    fail('name must be 1 to 512 lower-case letters, digits and underscores');
  const language = raw['language'];
  if (typeof language !== 'string' || !LANGUAGE.test(language)) fail('language must be a code such as en_US or fr');
  const category = oneOf(raw['category'], CATEGORIES, 'category');
  const status = oneOf(raw['status'], STATUSES, 'status', 'APPROVED');
  const parameterFormat = oneOf(
    raw['parameter_format'],
    ['POSITIONAL', 'NAMED'] as const,
    'parameter_format',
    'POSITIONAL',
  );
  const quality = raw['quality_score'];
  const qualityScore = oneOf(
    isObject(quality) ? quality['score'] : quality,
    QUALITY_SCORES,
    'quality_score',
    'UNKNOWN',
  );
  const id = raw['id'] ?? templateIdOf(wabaId, name, language);
  // Webhooks carry the id as a JSON number, so it must survive one.
  if (typeof id !== 'string' || !/^[1-9]\d{0,15}$/.test(id) || !Number.isSafeInteger(Number(id)))
    fail('id must be digits, at most 9007199254740991');
  const rejected = raw['rejected_reason'] ?? 'NONE';
  if (typeof rejected !== 'string') fail('rejected_reason must be a string');

  const components = raw['components'];
  if (!Array.isArray(components) || components.length === 0) fail('components must be a non-empty array');
  let header: HeaderExpectation = { kind: 'none' };
  let body: { text: string; vars: string[] } | undefined;
  let buttons: ButtonExpectation[] = [];
  const seen = new Set<string>();
  for (const c of components) {
    if (!isObject(c)) fail('each component must be an object');
    const type = c['type'];
    if (typeof type !== 'string') fail('each component needs a type');
    if (seen.has(type)) fail(`a template has at most one ${type} component`);
    seen.add(type);
    switch (type) {
      case 'HEADER':
        header = parseHeader(c, parameterFormat);
        break;
      case 'BODY': {
        const t = text(c, 'BODY', 1024);
        body = { text: t, vars: variablesOf(t, parameterFormat, 'BODY') };
        break;
      }
      case 'FOOTER':
        if ([...text(c, 'FOOTER', 60).matchAll(VARIABLE)].length > 0) fail('FOOTER: a footer has no variables');
        break;
      case 'BUTTONS':
        buttons = parseButtons(c, parameterFormat);
        break;
      default:
        fail('component type must be one of HEADER, BODY, FOOTER, BUTTONS (upper case, as Meta answers them)');
    }
  }
  if (body === undefined) fail('a template needs a BODY component');
  const view: SimTemplate = {
    id,
    waba_id: wabaId,
    name,
    language,
    category,
    status,
    parameter_format: parameterFormat,
    components: structuredClone(components) as SimTemplateComponent[],
    quality_score: qualityScore,
    rejected_reason: rejected,
  };
  return { view, expect: { header, body, buttons } };
}
