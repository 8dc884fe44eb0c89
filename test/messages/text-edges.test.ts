// Text that looks fine to a schema but not to a person or to Meta: invisible-only text, lone
// surrogates, one "character" of thousands of combining marks, URLs with an impossible port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';
import { buttonBody, mediaBody, reactionBody, textBody } from './bodies.js';
import { WAMID } from './document-examples.js';
import { expectRefused, INVALID, MISSING } from './helpers.js';

describe('invisible-only text is blank', () => {
  it.each(['\u200b\u200b', '\u2060', '\ufeff', ' \u200b\n\u200d ', '\u00ad', '\u3164'])(
    'text %j is missing',
    (text) => {
      expectRefused(textBody(text), MISSING, 'text is required for text messages');
    },
  );

  it('a button title of only zero-width spaces is missing', () => {
    expectRefused(
      buttonBody({ buttons: [{ id: 'a', title: '\u200b\u200b' }] }),
      MISSING,
      'interactive.buttons[0].title is required',
    );
  });
});

describe('a grapheme limit also bounds code units', () => {
  const zalgo = `a${'\u0301'.repeat(5000)}`; // one grapheme, 5,001 UTF-16 units

  it('refuses one character of thousands of combining marks, saying the unit cap', () => {
    expectRefused(
      buttonBody({ buttons: [{ id: 'a', title: zalgo }] }),
      INVALID,
      'interactive.buttons[0].title must be at most 20 characters and 320 UTF-16 code units',
    );
  });

  it('refuses such a reaction emoji', () => {
    expectRefused(
      reactionBody({ message_id: WAMID, emoji: `👍${'\u0301'.repeat(5000)}` }),
      INVALID,
      /reaction\.emoji must be a single emoji/,
    );
  });
});

describe('URLs', () => {
  it('says a port past 65535 makes the URL invalid', () => {
    expectRefused(
      mediaBody('image', { media_url: 'https://example.com:99999/a.jpg' }),
      INVALID,
      'media_url is not a valid URL: port 99999 is out of range (0 to 65535)',
    );
  });

  it('names header_media.url, not media_url, for a bad header media URL', () => {
    expectRefused(
      buttonBody({ header_media: { type: 'image', url: 'https://example.com:99999/a.jpg' } }),
      INVALID,
      'interactive.header_media.url is not a valid URL: port 99999 is out of range (0 to 65535)',
    );
  });
});

describe('lone surrogates over HTTP', () => {
  let gw: TestGateway;
  let t: Tenant;
  beforeAll(async () => {
    gw = await startGateway('sqlite');
    t = await seedTenant(gw.ctx);
  });
  afterAll(async () => gw.close());

  it.each([
    ['send text', '/send-whatsapp', `{"phone_number":"+27123456789","message_type":"text","text":"\\ud800"}`, 'text'],
    [
      'send button title',
      '/send-whatsapp',
      JSON.stringify(buttonBody({ buttons: [{ id: 'a', title: 'ok' }] })).replace('"ok"', '"o\\udc00k"'),
      'interactive.buttons[0].title',
    ],
    ['contact name', '/api/contact', `{"phone_number":"+27123456799","name":"a\\ud800b"}`, 'name'],
  ])('refuses one in %s with a 400 naming the field', async (_name, path, payload, field) => {
    const res = await gw.app.inject({
      method: 'POST',
      url: `${path}?tenantId=${t.slug}`,
      headers: { ...bearer(t.key), 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: INVALID,
      message: `${field} is not valid text: it contains a lone surrogate (half of a UTF-16 pair)`,
    });
    expect((await gw.ctx.contacts.list(t.organizationId, { limit: 100 })).map((c) => c.whatsapp_number)).not.toContain(
      '27123456799',
    );
  });

  it('still accepts a proper surrogate pair (an emoji)', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: `/api/contact?tenantId=${t.slug}`,
      headers: bearer(t.key),
      payload: { phone_number: '+27123456798', name: 'Thandi 😀' },
    });
    expect(res.statusCode).toBe(201);
  });
});
