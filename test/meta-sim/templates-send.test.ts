// Template sends checked against the catalogue of the phone's WABA, with Meta's codes: each refusal
// from a minimal send that triggers it, beside a valid send that passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetaSim, type MetaSimWithWebhooks } from '../../meta-sim/index.js';
import { graphError, PHONE_ID, postMessage, SAMPLE, TOKEN, uploadedId } from './helpers.js';
import {
  ALL_TEMPLATES,
  NO_PARAMS,
  orderShipped,
  SAMPLE_HANDLE,
  templateSend,
  text,
  WABA_ID,
} from './template-fixtures.js';

let sim: MetaSimWithWebhooks;
let imageId: string;
let videoId: string;
let pdfId: string;

beforeAll(async () => {
  sim = await startMetaSim({
    phones: { [PHONE_ID]: TOKEN },
    phoneInfo: { [PHONE_ID]: { wabaId: WABA_ID } },
    templates: { [WABA_ID]: ALL_TEMPLATES },
  });
  for (const status of ['PENDING', 'REJECTED', 'PAUSED', 'DISABLED'] as const)
    sim.addTemplate(WABA_ID, { ...NO_PARAMS, name: `hello_${status.toLowerCase()}`, status });
  imageId = await uploadedId(sim, SAMPLE.jpeg, 'image/jpeg');
  videoId = await uploadedId(sim, SAMPLE.mp4, 'video/mp4');
  pdfId = await uploadedId(sim, SAMPLE.pdf, 'application/pdf');
});
afterAll(async () => {
  await sim.close();
});

const promo = (header: unknown, coupon: unknown[] | null = [{ type: 'coupon_code', coupon_code: 'SAVE10' }]) =>
  templateSend('promo_image', 'en_US', [
    { type: 'header', parameters: [header] },
    ...(coupon === null ? [] : [{ type: 'button', sub_type: 'copy_code', index: 0, parameters: coupon }]),
  ]);
const invoice = (header: unknown) =>
  templateSend('invoice_document', 'en_US', [
    { type: 'header', parameters: [header] },
    { type: 'body', parameters: [text('#42')] },
  ]);
const otp = (code: string) =>
  templateSend('login_code', 'en', [
    { type: 'body', parameters: [text(code)] },
    { type: 'button', sub_type: 'url', index: '0', parameters: [text(code)] },
  ]);
const named = (params: unknown[]) => templateSend('welcome_named', 'en_US', [{ type: 'body', parameters: params }]);

async function expectAccepted(payload: unknown): Promise<void> {
  const res = await postMessage(sim, payload);
  expect(res.status, res.text).toBe(200);
  expect((res.body as { messages: { id: string }[] }).messages[0]!.id).toMatch(/^wamid\./);
}

async function expectRefused(payload: unknown, code: number, details?: string | RegExp): Promise<void> {
  const res = await postMessage(sim, payload);
  expect(res.status, res.text).toBe(400);
  const err = graphError(res);
  expect(err.code, res.text).toBe(code);
  expect(err.message).toMatch(new RegExp(`^\\(#${code}\\) `));
  if (typeof details === 'string') expect(err.details).toBe(details);
  else if (details !== undefined) expect(err.details).toMatch(details);
}

describe('template sends the catalogue accepts', () => {
  it('accepts a positional template with its header, body and URL button parameters', async () => {
    await expectAccepted(orderShipped());
  });
  it('accepts a template without variables sent without components', async () => {
    await expectAccepted(templateSend('hello_world', 'en_US'));
  });
  it('accepts a named template by its parameter names, in any order', async () => {
    await expectAccepted(
      named([
        { type: 'text', parameter_name: 'code', text: '1234' },
        { type: 'text', parameter_name: 'first_name', text: 'Jessica' },
      ]),
    );
  });
  it('accepts an image header by uploaded id and a copy code', async () => {
    await expectAccepted(promo({ type: 'image', image: { id: imageId } }));
  });
  it('accepts a document header by id with its filename', async () => {
    await expectAccepted(invoice({ type: 'document', document: { id: pdfId, filename: 'invoice-42.pdf' } }));
  });
  it('accepts an authentication template, its code in the body and in the OTP button (sent as a url button)', async () => {
    await expectAccepted(otp('483920'));
  });
  it('refuses an OTP button without its code (132000), or with a code over 15 characters (131009)', async () => {
    await expectRefused(
      templateSend('login_code', 'en', [{ type: 'body', parameters: [text('483920')] }]),
      132000,
      /^button: /,
    );
    await expectRefused(otp('1234567890123456'), 131009);
  });
  it('accepts a location header', async () => {
    await expectAccepted(
      templateSend('store_location', 'fr', [
        {
          type: 'header',
          parameters: [{ type: 'location', location: { latitude: 48.85, longitude: '2.35', name: 'Shop' } }],
        },
      ]),
    );
  });
  it('accepts currency and date_time body parameters, and a quick-reply payload by index', async () => {
    await expectAccepted(
      orderShipped({
        body: [
          { type: 'currency', currency: { fallback_value: '$10', code: 'USD', amount_1000: 10000 } },
          { type: 'date_time', date_time: { fallback_value: 'May 5, 2026' } },
        ],
        buttons: [
          { type: 'button', sub_type: 'url', index: '0', parameters: [text('42')] },
          { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'STOP' }] },
        ],
      }),
    );
  });
  it('accepts four consecutive spaces in a text parameter (five are refused below)', async () => {
    await expectAccepted(orderShipped({ body: [text('Jessica    Smith'), text('#42')] }));
  });
  it('accepts a media header by a link other than the template’s sample', async () => {
    await expectAccepted(promo({ type: 'image', image: { link: 'https://cdn.shop.example/a.jpg' } }));
  });
});

describe('132001: no such template in that language, or not approved', () => {
  it('refuses a name the WABA does not have', async () => {
    await expectRefused(templateSend('no_such', 'en_US'), 132001, 'template name (no_such) does not exist in en_US');
  });
  it('refuses a name in a language it was not created in', async () => {
    await expectRefused(
      templateSend('hello_world', 'en_GB'),
      132001,
      'template name (hello_world) does not exist in en_GB',
    );
  });
  it('refuses a pending template', async () => {
    await expectRefused(templateSend('hello_pending', 'en_US'), 132001);
  });
  it('refuses a rejected template', async () => {
    await expectRefused(templateSend('hello_rejected', 'en_US'), 132001);
  });
  it('refuses another WABA’s template: the catalogue is the phone’s WABA’s', async () => {
    sim.addTemplate('109999999999999', { ...NO_PARAMS, name: 'elsewhere' });
    await expectRefused(templateSend('elsewhere', 'en_US'), 132001);
  });
});

describe('132015 and 132016: paused and disabled', () => {
  it('refuses a paused template with 132015', async () => {
    await expectRefused(templateSend('hello_paused', 'en_US'), 132015, /paused/);
  });
  it('refuses a disabled template with 132016', async () => {
    await expectRefused(templateSend('hello_disabled', 'en_US'), 132016, /disabled/);
  });
});

describe('132000: parameter counts per component', () => {
  it('refuses a body with fewer parameters than variables', async () => {
    await expectRefused(
      orderShipped({ body: [text('Jessica')] }),
      132000,
      'body: number of localizable_params (1) does not match the expected number of params (2)',
    );
  });
  it('refuses a template without its text header parameter', async () => {
    await expectRefused(
      templateSend('order_shipped', 'en_US', [
        { type: 'body', parameters: [text('a'), text('b')] },
        { type: 'button', sub_type: 'url', index: '0', parameters: [text('42')] },
      ]),
      132000,
      'header: number of localizable_params (0) does not match the expected number of params (1)',
    );
  });
  it('refuses parameters for a template without variables', async () => {
    await expectRefused(
      templateSend('hello_world', 'en_US', [{ type: 'body', parameters: [text('x')] }]),
      132000,
      'body: number of localizable_params (1) does not match the expected number of params (0)',
    );
  });
  it('refuses a URL button with a suffix left out', async () => {
    await expectRefused(
      orderShipped({ buttons: [] }),
      132000,
      'button: number of localizable_params (0) does not match the expected number of params (1)',
    );
  });
  it('refuses a copy-code template without its code', async () => {
    await expectRefused(promo({ type: 'image', image: { id: imageId } }, null), 132000, /^button: /);
  });
  it('refuses a named parameter the template does not have', async () => {
    await expectRefused(
      named([
        { type: 'text', parameter_name: 'first_name', text: 'Jessica' },
        { type: 'text', parameter_name: 'coupon', text: '1234' },
      ]),
      132000,
      /parameter_name \(coupon\)/,
    );
  });
});

describe('132012: parameter kinds', () => {
  it('refuses text where the template has an image header', async () => {
    await expectRefused(promo(text('not an image')), 132012, 'header: Format mismatch, expected IMAGE, received TEXT');
  });
  it('refuses a video where the template has an image header', async () => {
    await expectRefused(promo({ type: 'video', video: { id: videoId } }), 132012, /expected IMAGE, received VIDEO/);
  });
  it('refuses an image where the template has a text header', async () => {
    await expectRefused(orderShipped({ header: [{ type: 'image', image: { id: imageId } }] }), 132012, /expected TEXT/);
  });
  it('refuses text where the template has a location header', async () => {
    await expectRefused(
      templateSend('store_location', 'fr', [{ type: 'header', parameters: [text('Paris')] }]),
      132012,
      /expected LOCATION/,
    );
  });
  it('refuses named parameters on a positional template', async () => {
    await expectRefused(
      orderShipped({ body: [{ type: 'text', parameter_name: 'name', text: 'J' }, text('#42')] }),
      132012,
      /^body: /,
    );
  });
  it('refuses a button whose sub_type is not the template’s button at that index', async () => {
    await expectRefused(
      orderShipped({
        buttons: [
          { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'X' }] },
        ],
      }),
      132012,
      'button at index 0: Format mismatch, expected URL, received QUICK_REPLY',
    );
  });
});

describe('named parameters sent positionally', () => {
  it('refuses them with (#100) Parameter name is missing or empty, as Meta does', async () => {
    await expectRefused(named([text('Jessica'), text('1234')]), 100, /Parameter name is missing or empty/);
  });
});

describe('132005: text too long once filled in', () => {
  it('refuses a body over 1024 characters with its parameters', async () => {
    await expectRefused(orderShipped({ body: [text('x'.repeat(1000)), text('#42')] }), 132005, /^body: /);
  });
  it('refuses a text header over 60 characters with its parameter', async () => {
    await expectRefused(orderShipped({ header: [text('9'.repeat(60))] }), 132005, /^header: /);
  });
});

describe('132007: character policy of text parameters', () => {
  for (const [what, value] of [
    ['a new-line', 'Jessica\nSmith'],
    ['a tab', 'Jessica\tSmith'],
    ['five consecutive spaces', 'Jessica     Smith'],
  ] as const) {
    it(`refuses ${what} in a body parameter`, async () => {
      await expectRefused(orderShipped({ body: [text(value), text('#42')] }), 132007, /new-line\/tab/);
    });
  }
});

describe('buttons and media', () => {
  it('refuses a button index the template does not have (131009)', async () => {
    await expectRefused(
      orderShipped({
        buttons: [
          { type: 'button', sub_type: 'url', index: '0', parameters: [text('42')] },
          { type: 'button', sub_type: 'quick_reply', index: '5', parameters: [{ type: 'payload', payload: 'X' }] },
        ],
      }),
      131009,
      /no button at index 5/,
    );
  });
  it('refuses an image id for a document header (131053: the uploaded file is of another kind)', async () => {
    await expectRefused(invoice({ type: 'document', document: { id: imageId } }), 131053, /cannot be sent as document/);
  });
  it('refuses a filename on an image header (100)', async () => {
    await expectRefused(promo({ type: 'image', image: { id: imageId, filename: 'a.jpg' } }), 100, /filename/);
  });
  it('refuses a header media id the simulator never issued (131053)', async () => {
    await expectRefused(promo({ type: 'image', image: { id: '999000111' } }), 131053, /was not uploaded/);
  });
  it('accepts the template’s own sample media by link (it fails later, see the window tests)', async () => {
    await expectAccepted(promo({ type: 'image', image: { link: SAMPLE_HANDLE } }));
  });
});
