// What Meta refuses, refused the way Meta does: Graph's envelope, the right code and status, and
// details naming the parameter.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MetaSim } from '../../meta-sim/index.js';
import { button, buttons, list, row, sections } from './fixtures.js';
import { graphError, message, PHONE_ID, postMessage, SAMPLE, startTestSim, TO, TOKEN, uploadedId } from './helpers.js';

let sim: MetaSim;
beforeAll(async () => {
  sim = await startTestSim();
  sim.addPhone('200000000000001', 'other-phone-token');
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const text = message('text', { body: 'hi' });

interface RefusalRow {
  name: string;
  payload: unknown;
  code: number;
  /** Something the details must mention. */
  details?: string | RegExp;
}

const REFUSALS: RefusalRow[] = [
  { name: 'an unknown top-level field', payload: { ...text, priority: 'high' }, code: 100, details: 'priority' },
  {
    name: 'an unknown field inside text',
    payload: message('text', { body: 'hi', bold: true }),
    code: 100,
    details: 'bold',
  },
  {
    name: 'an object of another type',
    payload: { ...text, image: { link: 'https://example.com/a.jpg' } },
    code: 100,
    details: 'image',
  },
  {
    name: 'a missing messaging_product',
    payload: { to: TO, type: 'text', text: { body: 'hi' } },
    code: 131008,
    details: 'messaging_product',
  },
  {
    name: 'a messaging_product other than whatsapp',
    payload: { ...text, messaging_product: 'sms' },
    code: 100,
    details: 'messaging_product',
  },
  {
    name: 'a recipient_type other than individual',
    payload: { ...text, recipient_type: 'broadcast' },
    code: 100,
    details: 'recipient_type',
  },
  {
    name: 'a missing to',
    payload: { messaging_product: 'whatsapp', type: 'text', text: { body: 'hi' } },
    code: 131008,
    details: 'to',
  },
  {
    name: 'a formatted phone number in to',
    payload: { ...text, to: '+1 (650) 555-1234' },
    code: 131009,
    details: 'to',
  },
  { name: 'a numeric to', payload: { ...text, to: 16505551234 }, code: 100, details: 'to' },
  {
    name: 'a missing type',
    payload: { messaging_product: 'whatsapp', to: TO, text: { body: 'hi' } },
    code: 131008,
    details: 'type',
  },
  { name: 'an unknown type', payload: message('carrier_pigeon', { body: 'hi' }), code: 100, details: 'type' },
  {
    name: 'a template the catalogue does not have',
    payload: message('template', { name: 'hello_world', language: { code: 'en_US' } }),
    code: 132001,
    details: 'template name (hello_world) does not exist in en_US',
  },
  {
    name: 'a type whose object is missing',
    payload: { messaging_product: 'whatsapp', to: TO, type: 'text' },
    code: 131008,
    details: 'text',
  },
  { name: 'a request body that is an array', payload: [text], code: 100 },
  {
    name: 'a text without body',
    payload: message('text', { preview_url: false }),
    code: 131008,
    details: "text['body']",
  },
  { name: 'an empty text body', payload: message('text', { body: '' }), code: 131009, details: "text['body']" },
  { name: 'a numeric text body', payload: message('text', { body: 42 }), code: 100, details: "text['body']" },
  {
    name: 'a preview_url that is not a boolean',
    payload: message('text', { body: 'hi', preview_url: 'yes' }),
    code: 100,
    details: 'preview_url',
  },
  {
    name: 'audio with a caption',
    payload: message('audio', { link: 'https://example.com/a.mp3', caption: 'listen' }),
    code: 100,
    details: 'caption',
  },
  {
    name: 'a sticker with a caption',
    payload: message('sticker', { link: 'https://example.com/a.webp', caption: 'hi' }),
    code: 100,
    details: 'caption',
  },
  {
    name: 'an image with a filename',
    payload: message('image', { link: 'https://example.com/a.jpg', filename: 'a.jpg' }),
    code: 100,
    details: 'filename',
  },
  {
    name: 'a video with a filename',
    payload: message('video', { link: 'https://example.com/a.mp4', filename: 'a.mp4' }),
    code: 100,
    details: 'filename',
  },
  {
    name: 'an image with voice',
    payload: message('image', { link: 'https://example.com/a.jpg', voice: true }),
    code: 100,
    details: 'voice',
  },
  {
    name: 'media with both id and link',
    payload: message('image', { id: '123', link: 'https://example.com/a.jpg' }),
    code: 100,
    details: /id or link/,
  },
  {
    name: 'media with neither id nor link',
    payload: message('image', { caption: 'hi' }),
    code: 131008,
    details: /id'\] or image\['link/,
  },
  {
    name: 'a media link that is not http(s)',
    payload: message('document', { link: 'ftp://example.com/a.pdf' }),
    code: 131009,
    details: 'link',
  },
  {
    name: 'a media link that is not a URL',
    payload: message('image', { link: 'not a url' }),
    code: 131009,
    details: 'link',
  },
  {
    name: 'a media id never uploaded',
    payload: message('image', { id: '1234567890123456' }),
    code: 131053,
    details: '1234567890123456',
  },
  {
    name: 'a reaction with context',
    payload: message('reaction', { message_id: 'wamid.X', emoji: '👍' }, { context: { message_id: 'wamid.Y' } }),
    code: 100,
    details: 'context',
  },
  {
    name: 'a reaction without message_id',
    payload: message('reaction', { emoji: '👍' }),
    code: 131008,
    details: 'message_id',
  },
  {
    name: 'a reaction without emoji',
    payload: message('reaction', { message_id: 'wamid.X' }),
    code: 131008,
    details: 'emoji',
  },
  {
    name: 'a reaction with two emoji',
    payload: message('reaction', { message_id: 'wamid.X', emoji: '👍👍' }),
    code: 131009,
    details: 'emoji',
  },
  {
    name: 'a reaction with a letter',
    payload: message('reaction', { message_id: 'wamid.X', emoji: 'A' }),
    code: 131009,
    details: 'emoji',
  },
  {
    name: 'context without message_id',
    payload: message('text', { body: 'hi' }, { context: {} }),
    code: 131008,
    details: "context['message_id']",
  },
  {
    name: 'context with an unknown field',
    payload: message('text', { body: 'hi' }, { context: { message_id: 'wamid.X', from: '1' } }),
    code: 100,
    details: 'from',
  },
  {
    name: 'a location without longitude',
    payload: message('location', { latitude: 1 }),
    code: 131008,
    details: 'longitude',
  },
  {
    name: 'a non-numeric latitude',
    payload: message('location', { latitude: 'north', longitude: 1 }),
    code: 100,
    details: 'latitude',
  },
  {
    name: 'a location with an unknown field',
    payload: message('location', { latitude: 1, longitude: 1, zoom: 3 }),
    code: 100,
    details: 'zoom',
  },
  {
    name: 'a contact card without name',
    payload: message('contacts', [{ phones: [{ phone: '+1' }] }]),
    code: 131008,
    details: "contacts[0]['name']",
  },
  {
    name: 'a contact card without formatted_name',
    payload: message('contacts', [{ name: { first_name: 'John' } }]),
    code: 131008,
    details: 'formatted_name',
  },
  {
    name: 'a contact card with a bad birthday',
    payload: message('contacts', [{ name: { formatted_name: 'J' }, birthday: '1999-02-30' }]),
    code: 131009,
    details: 'birthday',
  },
  {
    name: 'a contact phone with an unknown field',
    payload: message('contacts', [{ name: { formatted_name: 'J' }, phones: [{ phone: '+1', kind: 'x' }] }]),
    code: 100,
    details: 'kind',
  },
  {
    name: 'contacts that are not an array',
    payload: message('contacts', { name: { formatted_name: 'J' } }),
    code: 100,
    details: 'contacts',
  },
  {
    name: 'duplicate button titles',
    payload: buttons({ buttons: [button('a', 'Same'), button('b', 'Same')] }),
    code: 131009,
    details: 'title',
  },
  {
    name: 'duplicate button ids',
    payload: buttons({ buttons: [button('a', 'One'), button('a', 'Two')] }),
    code: 131009,
    details: 'id',
  },
  {
    name: 'a button id with a trailing space',
    payload: buttons({ buttons: [button('yes ', 'Yes')] }),
    code: 131009,
    details: 'id',
  },
  {
    name: 'a button of a type other than reply',
    payload: buttons({ buttons: [{ type: 'url', reply: { id: 'a', title: 'A' } }] }),
    code: 100,
    details: 'type',
  },
  {
    name: 'a button without title',
    payload: buttons({ buttons: [{ type: 'reply', reply: { id: 'a' } }] }),
    code: 131008,
    details: 'title',
  },
  {
    name: 'an interactive message without body',
    payload: message('interactive', { type: 'button', action: { buttons: [button('a', 'A')] } }),
    code: 131008,
    details: 'body',
  },
  {
    name: 'an interactive message without action',
    payload: message('interactive', { type: 'button', body: { text: 'x' } }),
    code: 131008,
    details: 'action',
  },
  {
    name: 'an interactive type not simulated',
    payload: message('interactive', { type: 'cta_url', body: { text: 'x' }, action: {} }),
    code: 131051,
  },
  {
    name: 'an unknown interactive type',
    payload: message('interactive', { type: 'carousel', body: { text: 'x' }, action: {} }),
    code: 100,
    details: 'type',
  },
  {
    name: 'a header media with a caption',
    payload: buttons({ header: { type: 'image', image: { link: 'https://example.com/a.jpg', caption: 'x' } } }),
    code: 100,
    details: 'caption',
  },
  {
    name: "a header naming another type's object",
    payload: buttons({ header: { type: 'text', text: 'x', image: { link: 'https://example.com/a.jpg' } } }),
    code: 100,
    details: 'image',
  },
  {
    name: 'buttons given to a list',
    payload: message('interactive', { type: 'list', body: { text: 'x' }, action: { buttons: [button('a', 'A')] } }),
    code: 100,
    details: 'buttons',
  },
  {
    name: '11 rows across two sections',
    payload: list({
      sections: [sections(1, 6)[0], { title: 'More', rows: [row('m1'), row('m2'), row('m3'), row('m4'), row('m5')] }],
    }),
    code: 131009,
    details: /10 rows in total/,
  },
  {
    name: 'two sections, one without title',
    payload: list({ sections: [{ title: 'A', rows: [row('a')] }, { rows: [row('b')] }] }),
    code: 131008,
    details: "sections'][1]['title",
  },
  {
    name: 'row ids repeated across sections',
    payload: list({
      sections: [
        { title: 'A', rows: [row('x')] },
        { title: 'B', rows: [row('x')] },
      ],
    }),
    code: 131009,
    details: 'unique',
  },
  {
    name: 'a section without rows',
    payload: list({ sections: [{ title: 'A', rows: [] }] }),
    code: 131009,
    details: 'rows',
  },
  {
    name: 'a list with an image header',
    payload: list({ header: { type: 'image', image: { link: 'https://example.com/a.jpg' } } }),
    code: 131009,
    details: 'header',
  },
  {
    name: 'a list without button',
    payload: message('interactive', { type: 'list', body: { text: 'x' }, action: { sections: sections(1, 1) } }),
    code: 131008,
    details: 'button',
  },
];

describe('Meta simulator refuses what Meta refuses', () => {
  it.each(REFUSALS)('refuses $name with $code', async ({ payload, code, details }) => {
    const res = await postMessage(sim, payload);
    expect(res.status, res.text).toBe(400);
    const err = graphError(res);
    expect(err.code, res.text).toBe(code);
    expect(err.type).toBe('OAuthException');
    expect(err.message).toBe(`(#${code}) ${TITLES[code] ?? ''}`);
    if (typeof details === 'string') expect(err.details).toContain(details);
    else if (details !== undefined) expect(err.details).toMatch(details);
    expect(sim.messages()).toHaveLength(0);
    expect(sim.counts()).toMatchObject({ messageCalls: 1, accepted: 0, refused: 1 });
  });

  it("answers in exactly Meta's error envelope", async () => {
    const res = await postMessage(sim, message('text', { body: 'a'.repeat(4097) }));
    expect(res.body).toEqual({
      error: {
        message: '(#131009) Parameter value is not valid',
        type: 'OAuthException',
        code: 131009,
        error_data: {
          messaging_product: 'whatsapp',
          details: "Param text['body'] must be at most 4096 characters long.",
        },
        fbtrace_id: expect.stringMatching(/^A[A-Za-z0-9_-]{22}$/),
      },
    });
  });

  it('answers 401 with code 190 for a wrong token', async () => {
    const res = await postMessage(sim, text, { token: 'not-the-token' });
    expect(res.status).toBe(401);
    expect(graphError(res)).toMatchObject({ code: 190, type: 'OAuthException' });
  });

  it('answers 401 with code 190 for a missing token', async () => {
    const res = await postMessage(sim, text, { token: null });
    expect(res.status).toBe(401);
    expect(graphError(res).code).toBe(190);
  });

  it("answers 401 for another phone's token", async () => {
    const res = await postMessage(sim, text, { token: 'other-phone-token' });
    expect(res.status).toBe(401);
    expect(graphError(res).code).toBe(190);
  });

  it('answers 100 / subcode 33 for an unknown phone number id', async () => {
    const res = await postMessage(sim, text, { phoneId: '999999999999999' });
    expect(res.status).toBe(400);
    const err = graphError(res);
    expect(err).toMatchObject({ code: 100, subcode: 33, type: 'GraphMethodException' });
    expect(err.message).toContain("Object with ID '999999999999999' does not exist");
  });

  it.each(['v23', '23.0', 'latest', 'v23.0.1'])(
    "answers Graph's unknown-path error for version %s",
    async (version) => {
      const res = await postMessage(sim, text, { version });
      expect(res.status).toBe(404);
      expect(graphError(res)).toMatchObject({ code: 100, message: expect.stringContaining('Unknown path components') });
    },
  );

  it.each([
    ['GET', '/v23.0/106540352242922/messages'],
    ['POST', '/v23.0/106540352242922/nothing'],
    ['GET', '/'],
    ['DELETE', '/v23.0/106540352242922'],
  ])("answers Graph's unknown-path error for %s %s", async (method, path) => {
    const res = await fetch(sim.url + path, { method });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: number; message: string; fbtrace_id: string } };
    expect(body.error).toMatchObject({ code: 100, message: `Unknown path components: ${path}` });
  });

  it('answers malformed JSON with code 100 in the Graph envelope', async () => {
    const res = await postMessage(sim, '{"messaging_product": "whatsapp",');
    expect(res.status).toBe(400);
    expect(graphError(res).code).toBe(100);
    expect(sim.counts()).toMatchObject({ messageCalls: 1, refused: 1 });
  });

  it('answers a non-JSON body with code 100 in the Graph envelope', async () => {
    const res = await fetch(`${sim.url}/v23.0/${PHONE_ID}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(100);
  });

  it('refuses a media id uploaded as another kind (an image sent as video)', async () => {
    const id = await uploadedId(sim, SAMPLE.png, 'image/png');
    const res = await postMessage(sim, message('video', { id }));
    expect(graphError(res)).toMatchObject({ code: 131053, details: expect.stringContaining('image/png') });
  });

  it('refuses a media id uploaded to another phone', async () => {
    const id = await uploadedId(sim, SAMPLE.png, 'image/png');
    sim.addPhone('300000000000003', 'third');
    const res = await postMessage(sim, message('image', { id }), { phoneId: '300000000000003', token: 'third' });
    expect(graphError(res).code).toBe(131053);
  });

  it('refuses a voice message whose file is not ogg/opus', async () => {
    const id = await uploadedId(sim, SAMPLE.mp3, 'audio/mpeg');
    const res = await postMessage(sim, message('audio', { id, voice: true }));
    expect(graphError(res)).toMatchObject({ code: 131053, details: expect.stringContaining('voice') });
    expect((await postMessage(sim, message('audio', { id }))).status).toBe(200);
  });

  it('accepts a single untitled section (title required only with more than one)', async () => {
    const res = await postMessage(sim, list({ sections: [{ rows: [row('a')] }] }));
    expect(res.status, res.text).toBe(200);
  });
});

const TITLES: Record<number, string> = {
  100: 'Invalid parameter',
  131008: 'Required parameter is missing',
  131009: 'Parameter value is not valid',
  131051: 'Unsupported message type',
  131053: 'Media upload error',
  132001: 'Template name does not exist in the translation',
};
