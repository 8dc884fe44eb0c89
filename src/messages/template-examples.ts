// Example template sends, one per kind of parameter, shown as `examples` in the OpenAPI document.
// Tests check that each one passes the schema.

const TO = '+27123456789';

export const TEMPLATE_TEXT_EXAMPLE = {
  phone_number: TO,
  message_type: 'template',
  template: { name: 'order_confirmation', language: 'en_US', body: ['Jessica', '42'] },
} as const;

export const TEMPLATE_NAMED_EXAMPLE = {
  phone_number: TO,
  message_type: 'template',
  template: {
    name: 'delivery_update',
    language: 'en',
    header: { text: '42' },
    body: { first_name: 'Jessica', delivery_day: 'Friday' },
  },
} as const;

export const TEMPLATE_IMAGE_EXAMPLE = {
  phone_number: TO,
  message_type: 'template',
  template: {
    name: 'new_arrivals',
    language: 'en_US',
    header: { image: { url: 'https://example.com/product.jpg' } },
    body: ['Jessica'],
  },
} as const;

export const TEMPLATE_DOCUMENT_EXAMPLE = {
  phone_number: TO,
  message_type: 'template',
  template: {
    name: 'invoice_ready',
    language: 'en_US',
    header: { document: { url: 'https://example.com/invoice.pdf', filename: 'Invoice_2025.pdf' } },
    body: ['INV-2025-001'],
  },
} as const;

export const TEMPLATE_LOCATION_EXAMPLE = {
  phone_number: TO,
  message_type: 'template',
  template: {
    name: 'pickup_point',
    language: 'en_US',
    header: { location: { latitude: -33.9249, longitude: 18.4241, name: 'Cape Town Office' } },
    body: ['Jessica'],
  },
} as const;

export const TEMPLATE_CURRENCY_DATE_EXAMPLE = {
  phone_number: TO,
  message_type: 'template',
  template: {
    name: 'payment_due',
    language: 'en_US',
    body: [
      'Jessica',
      { currency: { fallback_value: '$10.00', code: 'USD', amount_1000: 10000 } },
      { date_time: { fallback_value: 'May 5, 2026' } },
    ],
  },
} as const;

export const TEMPLATE_BUTTONS_EXAMPLE = {
  phone_number: TO,
  message_type: 'template',
  template: {
    name: 'order_shipped',
    language: 'en_US',
    body: ['42'],
    buttons: [
      { index: 0, payload: 'CANCEL_42' },
      { index: 1, url_suffix: 'order/42' },
      { index: 2, coupon_code: 'SAVE10' },
    ],
  },
} as const;

export const TEMPLATE_COMPONENTS_EXAMPLE = {
  phone_number: TO,
  message_type: 'template',
  template: {
    name: 'order_shipped',
    language: 'en_US',
    components: [
      { type: 'body', parameters: [{ type: 'text', text: '42' }] },
      { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'CANCEL_42' }] },
      { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'order/42' }] },
      {
        type: 'button',
        sub_type: 'copy_code',
        index: '2',
        parameters: [{ type: 'coupon_code', coupon_code: 'SAVE10' }],
      },
    ],
  },
} as const;

export const TEMPLATE_EXAMPLES = {
  'template, positional body': TEMPLATE_TEXT_EXAMPLE,
  'template, named header and body': TEMPLATE_NAMED_EXAMPLE,
  'template, image header': TEMPLATE_IMAGE_EXAMPLE,
  'template, document header': TEMPLATE_DOCUMENT_EXAMPLE,
  'template, location header': TEMPLATE_LOCATION_EXAMPLE,
  'template, currency and date_time': TEMPLATE_CURRENCY_DATE_EXAMPLE,
  'template, buttons': TEMPLATE_BUTTONS_EXAMPLE,
  "template, Meta's components form": TEMPLATE_COMPONENTS_EXAMPLE,
} as const;
