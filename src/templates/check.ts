// A template send against what the template expects (params.ts's TemplateExpectation, from the
// catalogue): every mismatch, each naming its component and what was expected, so that a client
// gets one 400 that says what to change instead of Meta's 132000 / 132012 / 132005 later. Pure.
import type { GraphTemplateComponent, GraphTemplateParameter } from '../meta/graph-types.js';
import type { ButtonExpectation, TemplateExpectation } from './params.js';

export interface TemplateMismatch {
  /** `header`, `body` or `button N` (N the button's index). */
  component: string;
  /** What the template expects there, in words. */
  expected: string;
  /** What the send gave. */
  got: string;
  /** `body expects 2 parameters ({{1}}, {{2}}), got 1`. */
  message: string;
}

/** The template's own texts, to check the length once the variables are filled in (Meta's 132005). */
export interface TemplateTexts {
  header?: string;
  body?: string;
}

// Meta: a header's text at most 60 characters, a body's at most 1024, variables filled in.
const HEADER_MAX = 60;
const BODY_MAX = 1024;

const vars = (names: readonly string[]): string => names.map((n) => `{{${n}}}`).join(', ');
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const article = (word: string): string => (/^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);

function mismatch(component: string, expected: string, got: string): TemplateMismatch {
  return { component, expected, got, message: `${component} expects ${expected}, got ${got}` };
}

function nameOf(p: GraphTemplateParameter): string | undefined {
  return 'parameter_name' in p ? p.parameter_name : undefined;
}

/** What a parameter's text is once Meta renders it: text, or the fallback_value it always shows. */
function rendered(p: GraphTemplateParameter): string {
  if (p.type === 'text') return p.text;
  if (p.type === 'currency') return p.currency.fallback_value;
  if (p.type === 'date_time') return p.date_time.fallback_value;
  return '';
}

const length = (s: string): number => [...s].length;

function fill(text: string, params: readonly GraphTemplateParameter[], positional: boolean): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, v: string) => {
    const p = positional ? params[Number(v) - 1] : params.find((q) => nameOf(q) === v);
    return p === undefined ? whole : rendered(p);
  });
}

function checkHeader(
  exp: TemplateExpectation,
  sent: GraphTemplateParameter | undefined,
  out: TemplateMismatch[],
): void {
  const h = exp.header;
  if (h === undefined) {
    if (sent !== undefined)
      out.push(mismatch('header', 'no parameter (the template has no header)', `${article(sent.type)} parameter`));
    return;
  }
  if (h.format !== 'TEXT') {
    const want = h.format.toLowerCase();
    if (sent === undefined) out.push(mismatch('header', article(want), 'none'));
    else if (sent.type !== want) out.push(mismatch('header', article(want), article(sent.type)));
    return;
  }
  if (h.params.length === 0) {
    if (sent !== undefined) out.push(mismatch('header', 'no parameter (its text has no variable)', '1'));
    return;
  }
  const expected = `1 text parameter (${vars(h.params)})`;
  if (sent === undefined) return void out.push(mismatch('header', expected, 'none'));
  if (sent.type !== 'text') return void out.push(mismatch('header', expected, article(sent.type)));
  checkNames('header', exp, h.params, [sent], out);
}

/** Named templates by their names (any order), positional ones without names. */
function checkNames(
  component: string,
  exp: TemplateExpectation,
  names: readonly string[],
  sent: readonly GraphTemplateParameter[],
  out: TemplateMismatch[],
): void {
  const given = sent.map(nameOf);
  if (exp.parameterFormat === 'POSITIONAL') {
    const namedOnes = given.filter((n): n is string => n !== undefined);
    if (namedOnes.length > 0)
      out.push(
        mismatch(
          component,
          `positional parameters (${vars(names)}) without names`,
          `named parameters (${namedOnes.join(', ')})`,
        ),
      );
    return;
  }
  if (given.some((n) => n === undefined))
    return void out.push(
      mismatch(
        component,
        `named parameters (${vars(names)})`,
        `${plural(given.filter((n) => n === undefined).length, 'parameter')} without a name`,
      ),
    );
  const missing = names.filter((n) => !given.includes(n));
  const unknown = given.filter((n): n is string => n !== undefined && !names.includes(n));
  if (missing.length > 0 || unknown.length > 0) {
    const got = [
      ...(missing.length > 0 ? [`no ${vars(missing)}`] : []),
      ...(unknown.length > 0 ? [`${vars(unknown)}, which it does not have`] : []),
    ].join(' and ');
    out.push(mismatch(component, `the parameters ${vars(names)}`, got));
  }
}

function checkBody(exp: TemplateExpectation, sent: readonly GraphTemplateParameter[], out: TemplateMismatch[]): void {
  const names = exp.body.params;
  if (names.length === 0) {
    if (sent.length > 0) out.push(mismatch('body', 'no parameters (its text has no variables)', String(sent.length)));
    return;
  }
  if (
    sent.length !== names.length &&
    (exp.parameterFormat === 'POSITIONAL' || sent.every((p) => nameOf(p) === undefined))
  )
    return void out.push(
      mismatch(
        'body',
        `${plural(names.length, 'parameter')} (${vars(names)})`,
        sent.length === 0 ? 'none' : String(sent.length),
      ),
    );
  checkNames('body', exp, names, sent, out);
}

// The send's sub_type each of Meta's button types takes. An authentication template's code button
// (OTP) is sent as a `url` button carrying the code.
const SUB_TYPE: Readonly<Record<string, string>> = {
  QUICK_REPLY: 'quick_reply',
  URL: 'url',
  OTP: 'url',
  COPY_CODE: 'copy_code',
};
const WHAT: Readonly<Record<string, string>> = {
  quick_reply: 'a quick-reply payload',
  url: 'a URL suffix',
  copy_code: 'a coupon code',
};

function describeButton(b: ButtonExpectation): string {
  const sub = SUB_TYPE[b.type];
  if (sub === undefined || (b.params.length === 0 && b.type !== 'QUICK_REPLY'))
    return `no parameter (it is a ${b.type} button${b.type === 'URL' ? ' whose URL has no variable' : ''})`;
  if (b.type === 'QUICK_REPLY') return 'a quick-reply payload, or nothing (it is a QUICK_REPLY button)';
  return `${WHAT[sub]}${b.type === 'URL' ? ` for ${vars(b.params)}` : ''} (it is a ${b.type} button)`;
}

function checkButtons(
  exp: TemplateExpectation,
  sent: readonly Extract<GraphTemplateComponent, { type: 'button' }>[],
  out: TemplateMismatch[],
): void {
  const byIndex = new Map(sent.map((c) => [Number(c.index), c]));
  for (const [index, c] of byIndex) {
    const b = exp.buttons.find((e) => e.index === index);
    const got = WHAT[c.sub_type] ?? c.sub_type;
    if (b === undefined) {
      const has =
        exp.buttons.length === 0
          ? 'the template has no buttons'
          : `the template has ${plural(exp.buttons.length, 'button')}, index 0 to ${exp.buttons.length - 1}`;
      out.push(mismatch(`button ${index}`, `nothing (${has})`, got));
      continue;
    }
    const takes = SUB_TYPE[b.type] === c.sub_type && (b.params.length > 0 || b.type === 'QUICK_REPLY');
    if (!takes) out.push(mismatch(`button ${index}`, describeButton(b), got));
  }
  for (const b of exp.buttons)
    if (b.params.length > 0 && SUB_TYPE[b.type] !== undefined && !byIndex.has(b.index))
      out.push(mismatch(`button ${b.index}`, describeButton(b), 'none'));
}

function checkLengths(
  exp: TemplateExpectation,
  texts: TemplateTexts,
  header: GraphTemplateParameter | undefined,
  body: readonly GraphTemplateParameter[],
  out: TemplateMismatch[],
): void {
  const positional = exp.parameterFormat === 'POSITIONAL';
  // The text with every value added is at least as long in UTF-16 units as the filled-in text is
  // in characters: only a text that might be too long is filled in and counted.
  const bound = (text: string, params: readonly GraphTemplateParameter[], max: number): boolean =>
    params.reduce((n, p) => n + rendered(p).length, text.length) > max;
  if (texts.body !== undefined && bound(texts.body, body, BODY_MAX)) {
    const n = length(fill(texts.body, body, positional));
    if (n > BODY_MAX)
      out.push(mismatch('body', `at most ${BODY_MAX} characters with its variables filled in`, String(n)));
  }
  if (texts.header !== undefined && header?.type === 'text' && bound(texts.header, [header], HEADER_MAX)) {
    const n = length(fill(texts.header, [header], positional));
    if (n > HEADER_MAX)
      out.push(mismatch('header', `at most ${HEADER_MAX} characters with its variable filled in`, String(n)));
  }
}

/** Every way `components` (a send, Meta's form) differs from what the template expects; [] when none. */
export function checkTemplateSend(
  components: readonly GraphTemplateComponent[],
  exp: TemplateExpectation,
  texts: TemplateTexts = {},
): TemplateMismatch[] {
  const out: TemplateMismatch[] = [];
  const header = components.find((c) => c.type === 'header')?.parameters[0];
  const body = components.find((c) => c.type === 'body')?.parameters ?? [];
  const buttons = components.filter(
    (c): c is Extract<GraphTemplateComponent, { type: 'button' }> => c.type === 'button',
  );
  checkHeader(exp, header, out);
  checkBody(exp, body, out);
  checkButtons(exp, buttons, out);
  if (out.length === 0) checkLengths(exp, texts, header, body, out);
  return out;
}

/** The HEADER and BODY texts of a template's stored components (upper-case, as Meta returns them). */
export function templateTexts(components: unknown): TemplateTexts {
  const out: TemplateTexts = {};
  if (!Array.isArray(components)) return out;
  for (const c of components as unknown[]) {
    if (typeof c !== 'object' || c === null) continue;
    const { type, format, text } = c as { type?: unknown; format?: unknown; text?: unknown };
    if (typeof text !== 'string' || typeof type !== 'string') continue;
    if (type.toUpperCase() === 'BODY') out.body = text;
    else if (
      type.toUpperCase() === 'HEADER' &&
      (format === undefined || (typeof format === 'string' && format.toUpperCase() === 'TEXT'))
    )
      out.header = text;
  }
  return out;
}
