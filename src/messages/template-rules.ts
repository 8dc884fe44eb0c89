// The rules of a template send that JSON Schema cannot say (which of several fields, uniqueness,
// the text Meta refuses in a variable). Runs after the schema; what the template itself expects is
// checked against the catalogue later (templates/check.ts).
import { InvalidField } from '../errors.js';
import type { GraphTemplateComponent, GraphTemplateParameter } from '../meta/graph-types.js';
import type { BodyValue, TemplateMessage } from './template-schema.js';

const HEADER_KINDS = ['text', 'image', 'video', 'document', 'location'] as const;
const BUTTON_KINDS = ['payload', 'url_suffix', 'coupon_code'] as const;
const PARAMETER_NAME = /^[a-z0-9_]{1,64}$/;
// Meta refuses a variable with a line break or tab, or more than 4 spaces in a row (error 132018).
const REFUSED_TEXT = /[\n\r\t]| {5}/;

function present<K extends string>(o: object, keys: readonly K[]): K[] {
  return keys.filter((k) => (o as Record<string, unknown>)[k] !== undefined);
}

function checkText(text: string, path: string): void {
  if (REFUSED_TEXT.test(text))
    throw new InvalidField(
      `${path} must not contain line breaks, tabs or more than 4 spaces in a row (Meta refuses them in a variable)`,
    );
}

function checkBodyValue(value: BodyValue, path: string): void {
  if (typeof value === 'string') return checkText(value, path);
  const kinds = present(value, ['currency', 'date_time'] as const);
  if (kinds.length !== 1)
    throw new InvalidField(`${path} must be text, or an object with exactly one of currency or date_time`);
  // The fallback text is what Cloud API shows: Meta holds it to the same rule as a text variable.
  if (value.currency !== undefined) checkText(value.currency.fallback_value, `${path}.currency.fallback_value`);
  if (value.date_time !== undefined) checkText(value.date_time.fallback_value, `${path}.date_time.fallback_value`);
}

// A URL button's suffix is appended to the template's URL: Meta refuses one with white space.
const URL_SUFFIX_REFUSED = /\s/;

function checkUrlSuffix(suffix: string, path: string): void {
  if (URL_SUFFIX_REFUSED.test(suffix))
    throw new InvalidField(`${path} must not contain spaces or line breaks (it is appended to the button's URL)`);
}

function checkShortForm(t: TemplateMessage['template']): void {
  if (t.header !== undefined) {
    const kinds = present(t.header, HEADER_KINDS);
    if (kinds.length !== 1)
      throw new InvalidField(
        `template.header must have exactly one of ${HEADER_KINDS.join(', ')}${kinds.length > 1 ? ` (has ${kinds.join(' and ')})` : ''}`,
      );
    if (t.header.text !== undefined) checkText(t.header.text, 'template.header.text');
  }
  if (Array.isArray(t.body)) t.body.forEach((v, i) => checkBodyValue(v, `template.body[${i}]`));
  else if (t.body !== undefined)
    for (const [name, v] of Object.entries(t.body)) {
      if (!PARAMETER_NAME.test(name))
        throw new InvalidField(
          `template.body has a parameter named ${JSON.stringify(name.slice(0, 64))}: names are lower-case letters, digits and _ (as in {{first_name}})`,
        );
      checkBodyValue(v, `template.body.${name}`);
    }
  const indexes = new Set<number>();
  (t.buttons ?? []).forEach((b, i) => {
    const kinds = present(b, BUTTON_KINDS);
    if (kinds.length !== 1)
      throw new InvalidField(`template.buttons[${i}] must have exactly one of ${BUTTON_KINDS.join(', ')}`);
    if (indexes.has(b.index))
      throw new InvalidField(`template.buttons[${i}].index must be unique: ${b.index} is used twice`);
    indexes.add(b.index);
    if (b.url_suffix !== undefined) checkUrlSuffix(b.url_suffix, `template.buttons[${i}].url_suffix`);
  });
}

function checkParameters(parameters: readonly GraphTemplateParameter[], path: string): void {
  let named = 0;
  const names = new Set<string>();
  parameters.forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (p.type === 'text') checkText(p.text, `${at}.text`);
    if (p.type === 'currency') checkText(p.currency.fallback_value, `${at}.currency.fallback_value`);
    if (p.type === 'date_time') checkText(p.date_time.fallback_value, `${at}.date_time.fallback_value`);
    if ('parameter_name' in p && p.parameter_name !== undefined) {
      named++;
      if (names.has(p.parameter_name))
        throw new InvalidField(`${at}.parameter_name must be unique: ${p.parameter_name} is used twice`);
      names.add(p.parameter_name);
    }
  });
  // Meta: a template's variables are all named or all positional (WEBHOOKS §9.1).
  if (named > 0 && named < parameters.length)
    throw new InvalidField(`${path} must give parameter_name to every parameter or to none`);
}

function checkComponents(components: readonly GraphTemplateComponent[]): void {
  const seen = new Set<string>();
  const indexes = new Set<number>();
  components.forEach((c, i) => {
    const path = `template.components[${i}]`;
    if (c.type !== 'button') {
      if (seen.has(c.type)) throw new InvalidField(`${path}: a template has one ${c.type}; it is given twice`);
      seen.add(c.type);
    } else {
      const index = Number(c.index);
      if (indexes.has(index)) throw new InvalidField(`${path}.index must be unique: ${index} is used twice`);
      indexes.add(index);
    }
    checkParameters(c.parameters, `${path}.parameters`);
    if (c.type === 'button' && c.sub_type === 'url')
      c.parameters.forEach((p, j) => {
        if (p.type === 'text') checkUrlSuffix(p.text, `${path}.parameters[${j}].text`);
      });
  });
}

/** Throws InvalidField naming the field by its path. */
export function checkTemplateRules(t: TemplateMessage['template']): void {
  if (t.components !== undefined) {
    const mixed = present(t, ['header', 'body', 'buttons'] as const);
    if (mixed.length > 0)
      throw new InvalidField(
        `template.components cannot be combined with template.${mixed[0]}: give one form or the other`,
      );
    return checkComponents(t.components);
  }
  checkShortForm(t);
}
