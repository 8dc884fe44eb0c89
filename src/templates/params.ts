// What a send of a template must supply, read from the components Meta stores for it. Pure: the
// catalogue's listing shows it to clients, and the send path checks a request against it before
// Meta would answer 132000 (count), 132012 (format) or "Parameter name is missing".
//
// Meta's stored components are upper-case: HEADER{format, text}, BODY{text}, FOOTER{text},
// BUTTONS{buttons[{type, text, url}]}. Variables are `{{1}}`…`{{n}}` in a POSITIONAL template and
// `{{first_name}}` in a NAMED one. Anything malformed in the stored JSON is skipped, never thrown:
// the catalogue's rows come from outside.

export type ParameterFormat = 'POSITIONAL' | 'NAMED';
export type HeaderFormat = 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION';

export interface ButtonExpectation {
  /** 0-based position among the template's buttons: the `index` a send names. */
  index: number;
  /** Meta's button type, upper-case: QUICK_REPLY, URL, COPY_CODE, PHONE_NUMBER, FLOW, OTP, … */
  type: string;
  /** URL with a `{{1}}` suffix: ['1']; COPY_CODE: ['coupon_code']; OTP: ['1'] (the code); else []. */
  params: string[];
}

export interface TemplateExpectation {
  parameterFormat: ParameterFormat;
  /** Absent when the template has no header. */
  header?: { format: HeaderFormat; params: string[] };
  /** Positional: ['1','2',…] ascending; named: ['first_name', …] in the order the text uses them. */
  body: { params: string[] };
  buttons: ButtonExpectation[];
}

const HEADER_FORMATS: readonly string[] = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'];

// Meta allows spaces inside the braces when it renders; names are lower-case letters, digits, `_`.
const VARIABLE = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** The distinct variables of a text: numbers ascending (positional), names in text order. */
export function variablesOf(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  const seen: string[] = [];
  for (const match of text.matchAll(VARIABLE)) {
    const name = match[1] as string;
    if (!seen.includes(name)) seen.push(name);
  }
  const positional = seen.every((v) => /^[0-9]+$/.test(v));
  return positional ? seen.sort((a, b) => Number(a) - Number(b)) : seen;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function upper(value: unknown): string {
  return typeof value === 'string' ? value.toUpperCase() : '';
}

function buttonParams(type: string, button: Record<string, unknown>): string[] {
  switch (type) {
    case 'URL':
      return variablesOf(button.url);
    case 'COPY_CODE':
      return ['coupon_code'];
    // An authentication template's code button is sent as a `url` button carrying the code.
    case 'OTP':
      return ['1'];
    default:
      return [];
  }
}

function buttonsOf(component: Record<string, unknown>): ButtonExpectation[] {
  const list = Array.isArray(component.buttons) ? component.buttons : [];
  const out: ButtonExpectation[] = [];
  list.forEach((raw, index) => {
    const button = record(raw);
    if (button === undefined) return;
    const type = upper(button.type);
    out.push({ index, type, params: buttonParams(type, button) });
  });
  return out;
}

/**
 * The parameters a send must supply. `parameterFormat` is the template's own `parameter_format`
 * when known; without it, a template whose variables are not all numbers is NAMED.
 */
export function expectationOf(components: unknown, parameterFormat?: ParameterFormat): TemplateExpectation {
  const list = Array.isArray(components) ? components : [];
  let header: TemplateExpectation['header'];
  let body: string[] = [];
  let buttons: ButtonExpectation[] = [];
  const texts: string[] = [];
  for (const raw of list) {
    const component = record(raw);
    if (component === undefined) continue;
    const type = upper(component.type);
    if (type === 'HEADER') {
      const format = upper(component.format) || 'TEXT';
      // A header of a kind this list does not know (e.g. a catalogue's PRODUCT) takes no check.
      if (!HEADER_FORMATS.includes(format)) continue;
      const params = format === 'TEXT' ? variablesOf(component.text) : [];
      header = { format: format as HeaderFormat, params };
      texts.push(...params);
    } else if (type === 'BODY') {
      body = variablesOf(component.text);
      texts.push(...body);
    } else if (type === 'BUTTONS') {
      buttons = buttonsOf(component);
    }
  }
  const format = parameterFormat ?? (texts.every((v) => /^[0-9]+$/.test(v)) ? 'POSITIONAL' : 'NAMED');
  return { parameterFormat: format, ...(header ? { header } : {}), body: { params: body }, buttons };
}
