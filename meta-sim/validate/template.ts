// type: "template" sends, checked against the catalogue of the phone's WABA with Meta's template
// codes (docs/META.md, templates): 132001 unknown or unapproved, 132015 paused, 132016 disabled,
// 132000 parameter counts (and named parameters' names), 132012 parameter kinds, 132005 text too
// long once filled in, 132007 characters a text parameter may not hold. All synchronous, HTTP 400,
// as Meta answers them. The sample-media trap is the one asynchronous outcome (a failed 131053).
import {
  invalidParam,
  invalidValue,
  missingParam,
  templateCharPolicy,
  templateDisabled,
  templateFormat,
  templateMissing,
  templateParamCount,
  templateParamName,
  templatePaused,
  templateTooLong,
  wrongType,
} from '../errors.js';
import type { ButtonExpectation, StoredTemplate } from '../templates-parse.js';
import { exceedsChars } from './chars.js';
import {
  expectArray,
  expectObject,
  onlyKeys,
  optionalString,
  requiredObject,
  requiredString,
  sub,
  type Obj,
  type ValidationContext,
} from './check.js';
import { validateHeaderMedia } from './media.js';

/** What an accepted template send leaves for its statuses. */
export interface TemplateOutcome {
  category: string;
  /** Set when Meta accepts the send and then fails it (the sample-media trap). */
  asyncFailure?: { code: number; details: string };
}

const TEMPLATE_KEYS = new Set(['name', 'language', 'components', 'namespace']);
const LANGUAGE_KEYS = new Set(['code', 'policy']);
const COMPONENT_KEYS = new Set(['type', 'parameters', 'sub_type', 'index']);
const COMPONENT_TYPES = ['header', 'body', 'button'];
const SUB_TYPES: ReadonlyMap<string, ButtonExpectation['type']> = new Map([
  ['quick_reply', 'QUICK_REPLY'],
  ['url', 'URL'],
  ['copy_code', 'COPY_CODE'],
  ['flow', 'FLOW'],
]);
const BUTTON_PARAM: Record<ButtonExpectation['type'], string> = {
  QUICK_REPLY: 'payload',
  URL: 'text',
  COPY_CODE: 'coupon_code',
  FLOW: 'action',
  OTP: 'text',
  PHONE_NUMBER: '',
};
const BODY_PARAM_TYPES = new Set(['text', 'currency', 'date_time']);
const MEDIA_PARAM_TYPES = new Set(['image', 'video', 'document']);
const PARAM_TYPES = new Set([
  ...BODY_PARAM_TYPES,
  ...MEDIA_PARAM_TYPES,
  'location',
  'payload',
  'coupon_code',
  'action',
]);

// Meta: no new-lines or tabs in a text parameter, and no more than 4 consecutive spaces.
const POLICY = /[\n\t]| {5,}/;

interface SentComponent {
  params: Obj[];
  path: string;
  subType?: string;
}

export function validateTemplate(v: unknown, ctx: ValidationContext): TemplateOutcome {
  const t = expectObject(v, 'template');
  onlyKeys(t, TEMPLATE_KEYS, 'template');
  const name = requiredString(t, 'name', 'template', 512);
  optionalString(t, 'namespace', 'template');
  const language = requiredObject(t, 'language', 'template');
  onlyKeys(language, LANGUAGE_KEYS, "template['language']");
  const code = requiredString(language, 'code', "template['language']");
  if (language['policy'] !== undefined && language['policy'] !== 'deterministic')
    throw wrongType("template['language']['policy']", 'one of {deterministic}');
  const sent = readComponents(t);

  const stored = ctx.templateOf?.(name, code);
  if (stored === undefined) throw templateMissing(name, code);
  const status = stored.view.status;
  if (status === 'PAUSED') throw templatePaused(name);
  if (status === 'DISABLED') throw templateDisabled(name);
  if (status !== 'APPROVED') throw templateMissing(name, code);

  const named = stored.view.parameter_format === 'NAMED';
  const trap = checkHeader(stored, sent.header, named, ctx);
  checkBody(stored, sent.body, named);
  checkButtons(stored, sent.buttons);
  const outcome: TemplateOutcome = { category: stored.view.category };
  if (trap !== undefined) outcome.asyncFailure = { code: 131053, details: trap };
  return outcome;
}

function readComponents(t: Obj): { header?: SentComponent; body?: SentComponent; buttons: Map<number, SentComponent> } {
  const out: { header?: SentComponent; body?: SentComponent; buttons: Map<number, SentComponent> } = {
    buttons: new Map(),
  };
  const list = t['components'];
  if (list === undefined) return out;
  const components = expectArray(list, "template['components']", 0, 20);
  components.forEach((raw, i) => {
    const path = sub("template['components']", i);
    const c = expectObject(raw, path);
    onlyKeys(c, COMPONENT_KEYS, path);
    const type = requiredString(c, 'type', path);
    if (!COMPONENT_TYPES.includes(type)) throw wrongType(sub(path, 'type'), `one of {${COMPONENT_TYPES.join(', ')}}`);
    const paramsRaw = c['parameters'];
    const params =
      paramsRaw === undefined
        ? []
        : expectArray(paramsRaw, sub(path, 'parameters'), 0, 100).map((p, j) =>
            expectObject(p, sub(sub(path, 'parameters'), j)),
          );
    if (type !== 'button') {
      if (c['sub_type'] !== undefined) throw invalidParam(`Param ${sub(path, 'sub_type')} is only for buttons.`);
      if (c['index'] !== undefined) throw invalidParam(`Param ${sub(path, 'index')} is only for buttons.`);
      if (out[type as 'header' | 'body'] !== undefined)
        throw invalidParam(`Param ${path}: a template message has at most one ${type} component.`);
      out[type as 'header' | 'body'] = { params, path };
      return;
    }
    const subType = requiredString(c, 'sub_type', path);
    const index = buttonIndex(c['index'], sub(path, 'index'));
    if (out.buttons.has(index)) throw invalidParam(`Param ${path}: the button at index ${index} is given twice.`);
    out.buttons.set(index, { params, path, subType });
  });
  return out;
}

/** Meta's examples write the index as a string ("0"); a number is accepted too. */
function buttonIndex(v: unknown, path: string): number {
  if (v === undefined) throw missingParam(path);
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,2}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 9)
    throw invalidValue(`Param ${path} must be a button position from 0 to 9.`);
  return n;
}

function paramType(p: Obj, path: string): string {
  const type = requiredString(p, 'type', path);
  if (!PARAM_TYPES.has(type)) throw wrongType(sub(path, 'type'), `one of {${[...PARAM_TYPES].join(', ')}}`);
  return type;
}

/** Answers the sample-media trap's details when the header's media is the template's own example. */
function checkHeader(
  stored: StoredTemplate,
  sent: SentComponent | undefined,
  named: boolean,
  ctx: ValidationContext,
): string | undefined {
  const expect = stored.expect.header;
  const params = sent?.params ?? [];
  const expected = expect.kind === 'none' ? 0 : expect.kind === 'text' ? expect.vars.length : 1;
  if (params.length !== expected) throw templateParamCount('header', params.length, expected);
  const p = params[0];
  if (p === undefined || sent === undefined || expect.kind === 'none') return undefined;
  const path = sub(sub(sent.path, 'parameters'), 0);
  const type = paramType(p, path);
  if (expect.kind === 'text') {
    if (type !== 'text') throw templateFormat('header', 'TEXT', type.toUpperCase());
    if (named) parameterName(p, path, expect.vars, new Map(), 'header');
    else if (p['parameter_name'] !== undefined)
      throw templateFormat('header', 'positional parameters (the template is POSITIONAL)', 'parameter_name');
    const value = textParam(p, path);
    const filled = expect.text.replace(/\{\{[^{}]*\}\}/, value);
    if (exceedsChars(filled, 60)) throw templateTooLong('header', [...filled].length, 60);
    return undefined;
  }
  if (expect.kind === 'location') {
    if (type !== 'location') throw templateFormat('header', 'LOCATION', type.toUpperCase());
    onlyKeys(p, new Set(['type', 'location']), path);
    const loc = requiredObject(p, 'location', path);
    onlyKeys(loc, new Set(['latitude', 'longitude', 'name', 'address']), sub(path, 'location'));
    for (const key of ['latitude', 'longitude']) {
      const c = loc[key];
      if (c === undefined) throw missingParam(sub(sub(path, 'location'), key));
      if (typeof c !== 'number' && (typeof c !== 'string' || !Number.isFinite(Number(c))))
        throw wrongType(sub(sub(path, 'location'), key), 'a number or a numeric string');
    }
    return undefined;
  }
  const kind = expect.format.toLowerCase() as 'image' | 'video' | 'document';
  if (type !== kind) throw templateFormat('header', expect.format, type.toUpperCase());
  onlyKeys(p, new Set(['type', kind]), path);
  const media = requiredObject(p, kind, path);
  // A document header may carry its filename; the media object is otherwise a header's: id or link.
  const { filename, ...source } = media;
  if (filename !== undefined && (kind !== 'document' || typeof filename !== 'string'))
    throw invalidParam(`Param ${sub(sub(path, kind), 'filename')} is only a string on a document header.`);
  validateHeaderMedia(kind, source, sub(path, kind), ctx);
  const link = source['link'];
  if (typeof link === 'string' && expect.handles.includes(link))
    return `Media download error: the sample media of template ${stored.view.name} (example.header_handle) cannot be fetched from ${link}; upload the file and send it by id.`;
  return undefined;
}

function checkBody(stored: StoredTemplate, sent: SentComponent | undefined, named: boolean): void {
  const expect = stored.expect.body;
  const params = sent?.params ?? [];
  if (params.length !== expect.vars.length) throw templateParamCount('body', params.length, expect.vars.length);
  if (sent === undefined) return;
  const values = new Map<string, string>();
  params.forEach((p, j) => {
    const path = sub(sub(sent.path, 'parameters'), j);
    const type = paramType(p, path);
    if (!BODY_PARAM_TYPES.has(type)) throw templateFormat('body', 'TEXT, CURRENCY or DATE_TIME', type.toUpperCase());
    const name = named ? parameterName(p, path, expect.vars, values, 'body') : undefined;
    if (!named && p['parameter_name'] !== undefined)
      throw templateFormat('body', 'positional parameters (the template is POSITIONAL)', 'parameter_name');
    let value: string;
    if (type === 'text') value = textParam(p, path);
    else value = fallbackOf(p, type, path);
    values.set(name ?? String(j + 1), value);
  });
  const filled = expect.text.replace(/\{\{([^{}]*)\}\}/g, (_m, v: string) => values.get(v.trim()) ?? '');
  if (exceedsChars(filled, 1024)) throw templateTooLong('body', [...filled].length, 1024);
}

/** A NAMED template's parameter: its parameter_name must be one of the template's, once. */
function parameterName(p: Obj, path: string, vars: string[], given: Map<string, string>, component: string): string {
  const name = p['parameter_name'];
  // Meta's answer when named parameters are sent positionally (whatomate#144 in docs/META.md).
  if (name === undefined || name === '') throw invalidParam(`Parameter name is missing or empty (${path}).`);
  if (typeof name !== 'string') throw wrongType(sub(path, 'parameter_name'), 'a string');
  if (!vars.includes(name))
    throw templateParamName(
      component,
      `parameter_name (${name}) is not a parameter of the template (${vars.join(', ')})`,
    );
  if (given.has(name)) throw templateParamName(component, `parameter_name (${name}) is given twice`);
  return name;
}

function textParam(p: Obj, path: string): string {
  onlyKeys(p, new Set(['type', 'text', 'parameter_name']), path);
  const value = requiredString(p, 'text', path);
  if (POLICY.test(value)) throw templateCharPolicy(sub(path, 'text'));
  return value;
}

function fallbackOf(p: Obj, type: string, path: string): string {
  onlyKeys(p, new Set(['type', type, 'parameter_name']), path);
  const o = requiredObject(p, type, path);
  const opath = sub(path, type);
  if (type === 'currency') {
    onlyKeys(o, new Set(['fallback_value', 'code', 'amount_1000']), opath);
    const code = requiredString(o, 'code', opath);
    if (!/^[A-Z]{3}$/.test(code)) throw invalidValue(`Param ${sub(opath, 'code')} must be an ISO 4217 code.`);
    const amount = o['amount_1000'];
    if (amount === undefined) throw missingParam(sub(opath, 'amount_1000'));
    if (typeof amount !== 'number' || !Number.isInteger(amount))
      throw wrongType(sub(opath, 'amount_1000'), 'an integer');
  } else {
    onlyKeys(
      o,
      new Set(['fallback_value', 'day_of_week', 'year', 'month', 'day_of_month', 'hour', 'minute', 'calendar']),
      opath,
    );
  }
  const fallback = requiredString(o, 'fallback_value', opath);
  if (POLICY.test(fallback)) throw templateCharPolicy(sub(opath, 'fallback_value'));
  return fallback;
}

function checkButtons(stored: StoredTemplate, sent: Map<number, SentComponent>): void {
  const expect = stored.expect.buttons;
  for (const [index, c] of sent) {
    const button = expect[index];
    if (button === undefined)
      throw invalidValue(
        `Param ${sub(c.path, 'index')}: the template has no button at index ${index} (it has ${expect.length}).`,
      );
    const wanted = SUB_TYPES.get(c.subType ?? '');
    if (wanted === undefined) throw wrongType(sub(c.path, 'sub_type'), `one of {${[...SUB_TYPES.keys()].join(', ')}}`);
    // An OTP button (authentication templates) is sent as a url button carrying the code.
    const fits = wanted === button.type || (button.type === 'OTP' && wanted === 'URL');
    if (!fits) throw templateFormat(`button at index ${index}`, button.type === 'OTP' ? 'URL' : button.type, wanted);
    if (c.params.length !== button.params) throw templateParamCount('button', c.params.length, button.params);
    c.params.forEach((p, j) => checkButtonParam(p, sub(sub(c.path, 'parameters'), j), button, index));
  }
  expect.forEach((button, index) => {
    if (button.required && !sent.has(index)) throw templateParamCount('button', 0, button.params);
  });
}

function checkButtonParam(p: Obj, path: string, button: ButtonExpectation, index: number): void {
  const type = paramType(p, path);
  const wanted = BUTTON_PARAM[button.type];
  if (type !== wanted) throw templateFormat(`button at index ${index}`, wanted.toUpperCase(), type.toUpperCase());
  onlyKeys(p, new Set(['type', wanted]), path);
  switch (button.type) {
    case 'URL': {
      const suffix = requiredString(p, 'text', path);
      if (/\s/.test(suffix)) throw invalidValue(`Param ${sub(path, 'text')}: a URL suffix cannot contain spaces.`);
      const url = (button.url ?? '').replace(/\{\{[^{}]*\}\}$/, suffix);
      if (!URL.canParse(url)) throw invalidValue(`Param ${sub(path, 'text')} does not make a valid URL: ${url}`);
      if (exceedsChars(url, 2000)) throw templateTooLong(`button at index ${index}`, url.length, 2000);
      return;
    }
    case 'COPY_CODE':
      // Meta: a copy code is at most 15 characters.
      requiredString(p, 'coupon_code', path, 15);
      return;
    case 'OTP':
      // Meta: a one-time code is at most 15 characters.
      requiredString(p, 'text', path, 15);
      return;
    case 'QUICK_REPLY':
      requiredString(p, 'payload', path, 1000);
      return;
    default:
      requiredObject(p, 'action', path);
  }
}
