// @ts-check
// The template picker: the organization's approved templates, and for the chosen one a field per
// parameter it expects (header text, body, URL buttons), sent as the send request's template.
import { ApiError, get } from './api.js';
import { h, replace } from './dom.js';

/**
 * @typedef {{
 *   name: string, language: string, status: string, components: { type?: string, text?: string }[],
 *   expects: {
 *     parameter_format: 'POSITIONAL' | 'NAMED',
 *     header: { format: string, params: string[] } | null,
 *     body: { params: string[] },
 *     buttons: { index: number, type: string, params: string[] }[],
 *   },
 * }} Template
 */

export class TemplatePicker {
  /** @param {{ send(body: Record<string, unknown>): Promise<boolean> }} io */
  constructor(io) {
    this.io = io;
    /** @type {Template[]} */
    this.templates = [];
    this.loaded = false;
    this.select = h('select', { id: 'template-name', onchange: () => this.drawFields() });
    this.fields = h('div', { class: 'template-fields' });
    this.note = h('p', { class: 'meta' });
    this.root = h(
      'form',
      { class: 'template-picker', 'aria-label': 'Send a template', onsubmit: (e) => void this.submit(e) },
      [
        h('label', { for: 'template-name' }, 'Template'),
        this.select,
        this.fields,
        this.note,
        h('button', { type: 'submit', class: 'primary' }, 'Send template'),
      ],
    );
  }

  async load() {
    if (this.loaded) return;
    try {
      /** @type {Template[]} */
      const all = (await get('/templates', { status: 'APPROVED', limit: '200' })).data;
      this.templates = all.filter((t) => t.status === 'APPROVED');
      this.loaded = true;
    } catch (err) {
      this.note.textContent =
        err instanceof ApiError ? `Templates could not be loaded: ${err.message}` : 'Templates could not be loaded.';
      return;
    }
    replace(
      this.select,
      this.templates.map((t, i) => h('option', { value: String(i) }, `${t.name} (${t.language})`)),
    );
    this.note.textContent = this.templates.length === 0 ? 'The organization has no approved template.' : '';
    this.drawFields();
  }

  /** @returns {Template | undefined} */
  chosen() {
    return this.templates[Number(this.select.value)];
  }

  drawFields() {
    const t = this.chosen();
    if (!t) return replace(this.fields, []);
    const e = t.expects;
    /** @type {HTMLElement[]} */
    const inputs = [];
    /** @param {string} id @param {string} label */
    const field = (id, label) => {
      inputs.push(
        h('label', { for: id }, label),
        h('input', { id, name: id, type: 'text', required: true, autocomplete: 'off' }),
      );
    };
    if (e.header?.format === 'TEXT') e.header.params.forEach((p, i) => field(`tpl-header-${i}`, `Header {{${p}}}`));
    else if (e.header)
      inputs.push(h('p', { class: 'meta' }, `Its ${e.header.format.toLowerCase()} header is not sent from the inbox.`));
    e.body.params.forEach((p, i) => field(`tpl-body-${i}`, `Body {{${p}}}`));
    for (const b of e.buttons)
      if (b.type === 'URL')
        b.params.forEach(() => field(`tpl-button-${b.index}`, `Button ${b.index + 1}: end of its URL`));
    if (inputs.length === 0) inputs.push(h('p', { class: 'meta' }, 'This template has no parameters.'));
    // What the customer will read, its variables still in braces.
    const body = (Array.isArray(t.components) ? t.components : []).find((c) => c.type === 'BODY')?.text;
    if (typeof body === 'string') inputs.unshift(h('blockquote', { class: 'template-preview' }, body));
    replace(this.fields, inputs);
  }

  /** @param {string} id */
  value(id) {
    const input = this.fields.querySelector(`#${id}`);
    return input instanceof HTMLInputElement ? input.value : '';
  }

  /** @param {Event} ev */
  async submit(ev) {
    ev.preventDefault();
    const t = this.chosen();
    if (!t) return;
    const e = t.expects;
    const named = e.parameter_format === 'NAMED';
    const bodyValues = e.body.params.map((_, i) => this.value(`tpl-body-${i}`));
    /** @type {Record<string, unknown>} */
    const template = { name: t.name, language: t.language };
    if (e.body.params.length > 0)
      template.body = named ? Object.fromEntries(e.body.params.map((p, i) => [p, bodyValues[i]])) : bodyValues;
    if (e.header?.format === 'TEXT' && e.header.params.length > 0)
      template.header = { text: this.value('tpl-header-0') };
    const buttons = e.buttons.filter((b) => b.type === 'URL' && b.params.length > 0);
    if (buttons.length > 0)
      template.buttons = buttons.map((b) => ({ index: b.index, url_suffix: this.value(`tpl-button-${b.index}`) }));
    if (await this.io.send({ message_type: 'template', template })) this.drawFields();
  }
}
