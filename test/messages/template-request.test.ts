// message_type "template": the request's schema and rules (one row per limit and per refusal, with
// the field path the answer names), and its Graph payload in both forms.
import { describe, expect, it } from 'vitest';
import { validateSendRequest } from '../../src/messages/validate.js';
import { buildGraphPayload } from '../../src/messages/to-graph/index.js';
import {
  TEMPLATE_EXAMPLES,
  TEMPLATE_COMPONENTS_EXAMPLE,
  TEMPLATE_BUTTONS_EXAMPLE,
} from '../../src/messages/template-examples.js';
import { expectRefused, INVALID, MISSING } from './helpers.js';

const send = (template: Record<string, unknown>) => ({
  phone_number: '+27123456789',
  message_type: 'template',
  template: { name: 'order_confirmation', language: 'en_US', ...template },
});

describe('template requests', () => {
  it.each(Object.entries(TEMPLATE_EXAMPLES))('accepts the OpenAPI example "%s"', (_name, body) => {
    expect(() => validateSendRequest(structuredClone(body))).not.toThrow();
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['no name', { name: undefined }, MISSING, 'template.name is required'],
    [
      'a name Meta cannot have',
      { name: 'Order Confirmation' },
      INVALID,
      'template.name is not in the expected format (^[a-z0-9_]{1,512}$)',
    ],
    ['no language', { language: undefined }, MISSING, 'template.language is required'],
    [
      'a header text over 60 characters',
      { header: { text: 'x'.repeat(61) } },
      INVALID,
      'template.header.text must be at most 60 characters',
    ],
    ['an empty header text', { header: { text: '' } }, MISSING, 'template.header.text is required'],
    [
      'two header kinds',
      { header: { text: 'x', image: { url: 'https://example.com/a.jpg' } } },
      INVALID,
      'template.header must have exactly one of text, image, video, document, location (has text and image)',
    ],
    [
      'an empty header',
      { header: {} },
      INVALID,
      'template.header must have exactly one of text, image, video, document, location',
    ],
    [
      'a header image that is not a URL',
      { header: { image: { url: 'file:///etc/passwd' } } },
      INVALID,
      'template.header.image.url must be an http or https URL',
    ],
    [
      'a body value over 1024 characters',
      { body: ['x'.repeat(1025)] },
      INVALID,
      'template.body[0] must be at most 1024 characters',
    ],
    ['a body value that is a number', { body: [42] }, INVALID, 'template.body[0] must be a string'],
    [
      'a body value with a line break',
      { body: ['a\nb'] },
      INVALID,
      'template.body[0] must not contain line breaks, tabs or more than 4 spaces in a row (Meta refuses them in a variable)',
    ],
    [
      'a body value with five spaces',
      { body: { name: 'a     b' } },
      INVALID,
      'template.body.name must not contain line breaks, tabs or more than 4 spaces in a row (Meta refuses them in a variable)',
    ],
    [
      'a currency without its code',
      { body: [{ currency: { fallback_value: '$1', amount_1000: 1000 } }] },
      MISSING,
      'template.body[0].currency.code is required',
    ],
    [
      'a currency code in lower case',
      { body: [{ currency: { fallback_value: '$1', code: 'usd', amount_1000: 1000 } }] },
      INVALID,
      'template.body[0].currency.code is not in the expected format (^[A-Z]{3}$)',
    ],
    [
      'an amount that is not whole',
      { body: [{ currency: { fallback_value: '$1', code: 'USD', amount_1000: 1.5 } }] },
      INVALID,
      'template.body[0].currency.amount_1000 must be an integer',
    ],
    [
      'both currency and date_time',
      {
        body: [{ currency: { fallback_value: '$1', code: 'USD', amount_1000: 1 }, date_time: { fallback_value: 'x' } }],
      },
      INVALID,
      'template.body[0] must be text, or an object with exactly one of currency or date_time',
    ],
    [
      'a body name in capitals',
      { body: { FirstName: 'J' } },
      INVALID,
      'template.body has a parameter named "FirstName": names are lower-case letters, digits and _ (as in {{first_name}})',
    ],
    [
      'a button without a parameter',
      { buttons: [{ index: 0 }] },
      INVALID,
      'template.buttons[0] must have exactly one of payload, url_suffix, coupon_code',
    ],
    [
      'a button index used twice',
      {
        buttons: [
          { index: 0, payload: 'a' },
          { index: 0, payload: 'b' },
        ],
      },
      INVALID,
      'template.buttons[1].index must be unique: 0 is used twice',
    ],
    [
      'a button index past 9',
      { buttons: [{ index: 10, payload: 'a' }] },
      INVALID,
      'template.buttons[0].index must be at most 9',
    ],
    [
      'a coupon code over 15 characters',
      { buttons: [{ index: 0, coupon_code: 'x'.repeat(16) }] },
      INVALID,
      'template.buttons[0].coupon_code must be at most 15 characters',
    ],
    [
      'more than 10 buttons',
      { buttons: Array.from({ length: 11 }, (_, i) => ({ index: i % 10, payload: 'p' })) },
      INVALID,
      'template.buttons must have at most 10 items',
    ],
    ['an unknown field', { footer: 'x' }, INVALID, 'unknown field template.footer'],
    [
      'components with the short form',
      { body: ['x'], components: [] },
      INVALID,
      'template.components cannot be combined with template.body: give one form or the other',
    ],
    [
      'a component of an unknown type',
      { components: [{ type: 'footer' }] },
      INVALID,
      'template.components[0].type must be one of: header, body, button',
    ],
    [
      'a button of a sub_type not supported',
      { components: [{ type: 'button', sub_type: 'flow', index: '0', parameters: [] }] },
      INVALID,
      'template.components[0].sub_type must be one of: quick_reply, url, copy_code',
    ],
    [
      'a media header by id',
      { components: [{ type: 'header', parameters: [{ type: 'image', image: { id: '123' } }] }] },
      MISSING,
      'template.components[0].parameters[0].image.link is required',
    ],
    [
      'a header parameter over 60 characters',
      { components: [{ type: 'header', parameters: [{ type: 'text', text: 'x'.repeat(61) }] }] },
      INVALID,
      'template.components[0].parameters[0].text must be at most 60 characters',
    ],
    [
      'two body components',
      {
        components: [
          { type: 'body', parameters: [{ type: 'text', text: 'a' }] },
          { type: 'body', parameters: [{ type: 'text', text: 'b' }] },
        ],
      },
      INVALID,
      'template.components[1]: a template has one body; it is given twice',
    ],
    [
      'names on some parameters only',
      {
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'a', parameter_name: 'a' },
              { type: 'text', text: 'b' },
            ],
          },
        ],
      },
      INVALID,
      'template.components[0].parameters must give parameter_name to every parameter or to none',
    ],
    [
      'a button index as a word',
      { components: [{ type: 'button', sub_type: 'url', index: 'one', parameters: [{ type: 'text', text: 'x' }] }] },
      INVALID,
      'template.components[0].index is not in the expected format (^[0-9]$)',
    ],
    [
      'a button index used twice',
      {
        components: [
          { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'x' }] },
          { type: 'button', sub_type: 'quick_reply', index: 1, parameters: [{ type: 'payload', payload: 'x' }] },
        ],
      },
      INVALID,
      'template.components[1].index must be unique: 1 is used twice',
    ],
    [
      'a date fallback with a line break',
      { body: [{ date_time: { fallback_value: 'a\nb' } }] },
      INVALID,
      'template.body[0].date_time.fallback_value must not contain line breaks, tabs or more than 4 spaces in a row (Meta refuses them in a variable)',
    ],
    [
      'a currency fallback with a tab, in the components form',
      {
        components: [
          {
            type: 'body',
            parameters: [{ type: 'currency', currency: { fallback_value: '$\t1', code: 'USD', amount_1000: 1000 } }],
          },
        ],
      },
      INVALID,
      'template.components[0].parameters[0].currency.fallback_value must not contain line breaks, tabs or more than 4 spaces in a row (Meta refuses them in a variable)',
    ],
    [
      'a URL suffix with a space',
      { buttons: [{ index: 0, url_suffix: 'a b' }] },
      INVALID,
      "template.buttons[0].url_suffix must not contain spaces or line breaks (it is appended to the button's URL)",
    ],
    [
      'a URL button parameter with a line break, in the components form',
      { components: [{ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'a\nb' }] }] },
      INVALID,
      'template.components[0].parameters[0].text must not contain line breaks, tabs or more than 4 spaces in a row (Meta refuses them in a variable)',
    ],
  ])('refuses %s', (_name, template, error, message) => {
    const body = send(template);
    for (const [k, v] of Object.entries(body.template))
      if (v === undefined) delete (body.template as Record<string, unknown>)[k];
    expectRefused(body, error, message);
  });

  it('builds the same Graph template from the short form and from Meta’s components', () => {
    const short = validateSendRequest(structuredClone(TEMPLATE_BUTTONS_EXAMPLE));
    const long = validateSendRequest(structuredClone(TEMPLATE_COMPONENTS_EXAMPLE));
    const a = buildGraphPayload(short, { to: '+27123456789' });
    const b = buildGraphPayload(long, { to: '+27123456789' });
    expect(a).toEqual(b);
    expect(a).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+27123456789',
      type: 'template',
      template: {
        name: 'order_shipped',
        language: { code: 'en_US', policy: 'deterministic' },
        components: TEMPLATE_COMPONENTS_EXAMPLE.template.components,
      },
    });
  });

  it('sends a media header by its uploaded id, never by the link', () => {
    const req = validateSendRequest(
      send({ header: { document: { url: 'https://example.com/i.pdf', filename: 'Invoice.pdf' } } }),
    );
    const payload = buildGraphPayload(req, { to: '+27123456789', mediaId: 'media-1', filename: 'Invoice.pdf' });
    expect(payload).toMatchObject({
      template: {
        components: [
          { type: 'header', parameters: [{ type: 'document', document: { id: 'media-1', filename: 'Invoice.pdf' } }] },
        ],
      },
    });
    expect(JSON.stringify(payload)).not.toContain('example.com');
    expect(() => buildGraphPayload(req, { to: '+27123456789' })).toThrow(/uploaded media id/);
  });

  it('sends named body values with their names, and a template without variables without components', () => {
    const named = buildGraphPayload(validateSendRequest(send({ body: { first_name: 'Jessica' } })), { to: '+1' });
    expect(named).toMatchObject({
      template: {
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Jessica', parameter_name: 'first_name' }] }],
      },
    });
    const plain = buildGraphPayload(validateSendRequest(send({})), { to: '+1' });
    expect(plain).toMatchObject({ type: 'template', template: { name: 'order_confirmation' } });
    expect('components' in (plain as { template: object }).template).toBe(false);
  });
});
