// Payloads shared by the message tests: Meta's documented examples and builders for limit rows.
import { message } from './helpers.js';

export function fullContactCard(): Record<string, unknown> {
  return {
    addresses: [
      {
        street: '1 Lucky Shrub Way',
        city: 'Menlo Park',
        state: 'CA',
        zip: '94025',
        country: 'United States',
        country_code: 'US',
        type: 'Office',
      },
    ],
    birthday: '1999-01-23',
    emails: [{ email: 'bjohnson@luckyshrub.com', type: 'Work' }],
    name: {
      formatted_name: 'Barbara J. Johnson',
      first_name: 'Barbara',
      last_name: 'Johnson',
      middle_name: 'Joana',
      suffix: 'Esq.',
      prefix: 'Dr.',
    },
    org: { company: 'Lucky Shrub', department: 'Legal', title: 'Lead Counsel' },
    phones: [
      { phone: '+16505559999', type: 'Landline' },
      { phone: '+19195551112', type: 'Mobile', wa_id: '19195551112' },
      { phone: '+27987654321', type: 'CELL' },
    ],
    urls: [{ url: 'https://www.luckyshrub.com', type: 'Company' }],
  };
}

export function shippingList(): Record<string, unknown> {
  return {
    type: 'list',
    header: { type: 'text', text: 'Choose Shipping Option' },
    body: { text: 'Which shipping option do you prefer?' },
    footer: { text: 'Lucky Shrub: Your gateway to succulents™' },
    action: {
      button: 'Shipping Options',
      sections: [
        {
          title: 'I want it ASAP!',
          rows: [
            { id: 'priority_express', title: 'Express Shipping', description: 'Next Day to 2 Days' },
            { id: 'priority_mail', title: 'Priority Mail', description: '1–3 Days' },
          ],
        },
        {
          title: 'I can wait a bit',
          rows: [
            { id: 'ground_shipping', title: 'Ground Shipping', description: 'Within 5 Days' },
            { id: 'normal_shipping', title: 'Normal Shipping', description: '5-8 Days' },
          ],
        },
      ],
    },
  };
}

/** A reply-button message with `n` buttons, each part overridable. */
export function buttons(
  opts: { body?: string; header?: unknown; footer?: string; buttons?: unknown[] } = {},
): Record<string, unknown> {
  return message('interactive', {
    type: 'button',
    ...(opts.header !== undefined ? { header: opts.header } : {}),
    body: { text: opts.body ?? 'Pick one' },
    ...(opts.footer !== undefined ? { footer: { text: opts.footer } } : {}),
    action: { buttons: opts.buttons ?? [button('yes', 'Yes'), button('no', 'No')] },
  });
}

export function button(id: string, title: string): Record<string, unknown> {
  return { type: 'reply', reply: { id, title } };
}

export function row(id: string, title = `Row ${id}`, description?: string): Record<string, unknown> {
  return { id, title, ...(description !== undefined ? { description } : {}) };
}

/** Sections of `rowsEach` rows with ids unique across the message. */
export function sections(count: number, rowsEach: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, s) => ({
    title: `Section ${s + 1}`,
    rows: Array.from({ length: rowsEach }, (_, r) => row(`s${s}r${r}`)),
  }));
}

export function list(
  opts: { sections?: unknown[]; button?: string; header?: unknown; body?: string } = {},
): Record<string, unknown> {
  return message('interactive', {
    type: 'list',
    ...(opts.header !== undefined ? { header: opts.header } : {}),
    body: { text: opts.body ?? 'Choose' },
    action: { button: opts.button ?? 'Options', sections: opts.sections ?? sections(1, 2) },
  });
}

export function contactCard(formattedName = 'John Doe'): Record<string, unknown> {
  return {
    name: { formatted_name: formattedName, first_name: 'John' },
    phones: [{ phone: '+27987654321', type: 'CELL' }],
  };
}
