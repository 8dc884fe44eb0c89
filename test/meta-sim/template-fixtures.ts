// Templates the simulator's template tests seed, one per shape a send must match: positional and
// named bodies, each header kind, and URL, quick-reply and copy-code buttons.
import type { SimTemplateInput } from '../../meta-sim/index.js';
import { TO } from './helpers.js';

export const WABA_ID = '102290129340398';
export const SAMPLE_HANDLE = 'https://scontent.whatsapp.net/v/t61.29466-34/sample-header.jpg';

export const ORDER_SHIPPED: SimTemplateInput = {
  name: 'order_shipped',
  language: 'en_US',
  category: 'UTILITY',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
    { type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.' },
    { type: 'FOOTER', text: 'Thanks for shopping' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'URL', text: 'Track', url: 'https://shop.example/track/{{1}}' },
        { type: 'QUICK_REPLY', text: 'Stop updates' },
      ],
    },
  ],
};

export const WELCOME_NAMED: SimTemplateInput = {
  name: 'welcome_named',
  language: 'en_US',
  category: 'MARKETING',
  parameter_format: 'NAMED',
  components: [{ type: 'BODY', text: 'Welcome {{first_name}}! Your code is {{code}}.' }],
};

export const PROMO_IMAGE: SimTemplateInput = {
  name: 'promo_image',
  language: 'en_US',
  category: 'MARKETING',
  components: [
    { type: 'HEADER', format: 'IMAGE', example: { header_handle: [SAMPLE_HANDLE] } },
    { type: 'BODY', text: 'New arrivals this week.' },
    { type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', example: 'SAVE10' }] },
  ],
};

export const STORE_LOCATION: SimTemplateInput = {
  name: 'store_location',
  language: 'fr',
  category: 'UTILITY',
  components: [
    { type: 'HEADER', format: 'LOCATION' },
    { type: 'BODY', text: 'Votre commande vous attend ici.' },
  ],
};

export const NO_PARAMS: SimTemplateInput = {
  name: 'hello_world',
  language: 'en_US',
  category: 'UTILITY',
  components: [{ type: 'BODY', text: 'Hello from the shop.' }],
};

export const INVOICE_DOCUMENT: SimTemplateInput = {
  name: 'invoice_document',
  language: 'en_US',
  category: 'UTILITY',
  components: [
    { type: 'HEADER', format: 'DOCUMENT' },
    { type: 'BODY', text: 'Your invoice {{1}} is attached.' },
  ],
};

export const LOGIN_CODE: SimTemplateInput = {
  name: 'login_code',
  language: 'en',
  category: 'AUTHENTICATION',
  components: [
    { type: 'BODY', text: '{{1}} is your verification code.' },
    { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: 'Copy code' }] },
  ],
};

export const ALL_TEMPLATES = [
  ORDER_SHIPPED,
  WELCOME_NAMED,
  PROMO_IMAGE,
  STORE_LOCATION,
  NO_PARAMS,
  INVOICE_DOCUMENT,
  LOGIN_CODE,
];

/** A template send envelope, as Meta's examples write it. */
export function templateSend(name: string, language: string, components?: unknown[]): Record<string, unknown> {
  const template: Record<string, unknown> = { name, language: { code: language } };
  if (components !== undefined) template['components'] = components;
  return { messaging_product: 'whatsapp', recipient_type: 'individual', to: TO, type: 'template', template };
}

export const text = (t: string): Record<string, unknown> => ({ type: 'text', text: t });

/** A valid send of order_shipped, with parts replaceable. */
export function orderShipped(
  over: { header?: unknown[]; body?: unknown[]; buttons?: unknown[] } = {},
): Record<string, unknown> {
  return templateSend('order_shipped', 'en_US', [
    { type: 'header', parameters: over.header ?? [text('42')] },
    { type: 'body', parameters: over.body ?? [text('Jessica'), text('#42')] },
    ...(over.buttons ?? [{ type: 'button', sub_type: 'url', index: '0', parameters: [text('42')] }]),
  ]);
}
