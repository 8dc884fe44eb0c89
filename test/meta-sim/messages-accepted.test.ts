// Meta's documented examples (Docs:messages/*, REFERENCE §1): each must be accepted as Meta does.
import { describe, expect, it } from 'vitest';
import type { MetaSim } from '../../meta-sim/index.js';
import { fullContactCard, shippingList } from './fixtures.js';
import { message, PHONE_ID, postMessage, SAMPLE, TO, uploadedId, useTestSim } from './helpers.js';

let sim: MetaSim;
useTestSim((s) => (sim = s));

interface Example {
  name: string;
  build: (ids: () => Promise<MediaIds>) => Promise<Record<string, unknown>>;
}

interface MediaIds {
  image: string;
  video: string;
  voice: string;
  sticker: string;
  animatedSticker: string;
}

async function uploadAll(): Promise<MediaIds> {
  return {
    image: await uploadedId(sim, SAMPLE.png, 'image/png'),
    video: await uploadedId(sim, SAMPLE.mp4, 'video/mp4'),
    voice: await uploadedId(sim, SAMPLE.oggOpus, 'audio/ogg'),
    sticker: await uploadedId(sim, SAMPLE.webp, 'image/webp'),
    animatedSticker: await uploadedId(sim, SAMPLE.animatedWebp, 'image/webp'),
  };
}

const fixed = (m: Record<string, unknown>) => async () => m;

const EXAMPLES: Example[] = [
  {
    name: 'text with a link preview',
    build: fixed(
      message('text', {
        preview_url: true,
        body: "As requested, here's the link to our latest product: https://www.meta.com/quest/quest-3/",
      }),
    ),
  },
  {
    name: 'text without recipient_type (Meta leaves it out in examples)',
    build: fixed({ messaging_product: 'whatsapp', to: '16505551234', type: 'text', text: { body: 'Hi 👋' } }),
  },
  {
    name: 'image by link with caption',
    build: fixed(
      message('image', {
        link: 'https://www.luckyshrub.com/assets/succulents/aloe.png',
        caption: 'The best succulent ever?',
      }),
    ),
  },
  { name: 'image by uploaded id', build: async (ids) => message('image', { id: (await ids()).image }) },
  {
    name: 'video by id with caption',
    build: async (ids) => message('video', { id: (await ids()).video, caption: 'A succulent eclipse!' }),
  },
  {
    name: 'video by link',
    build: fixed(message('video', { link: 'https://www.luckyshrub.com/assets/videos/eclipse.mp4' })),
  },
  {
    name: 'audio by link',
    build: fixed(message('audio', { link: 'https://www.luckyshrub.com/media/ringtones/wind-chime.mp3' })),
  },
  {
    name: 'voice message by ogg/opus id',
    build: async (ids) => message('audio', { id: (await ids()).voice, voice: true }),
  },
  {
    name: 'document with filename and caption',
    build: fixed(
      message('document', {
        link: 'https://www.luckyshrub.com/invoices/FmOzfD9cKf/lucky-shrub-invoice.pdf',
        caption: 'Lucky Shrub Invoice',
        filename: 'lucky-shrub-invoice.pdf',
      }),
    ),
  },
  { name: 'sticker by id', build: async (ids) => message('sticker', { id: (await ids()).sticker }) },
  { name: 'animated sticker by id', build: async (ids) => message('sticker', { id: (await ids()).animatedSticker }) },
  {
    name: 'location with coordinates as strings (Meta docs)',
    build: fixed(
      message('location', {
        latitude: '37.44216251868683',
        longitude: '-122.16153582049394',
        name: 'Philz Coffee',
        address: '101 Forest Ave, Palo Alto, CA 94301',
      }),
    ),
  },
  {
    name: 'location with coordinates as numbers (spec examples)',
    build: fixed(message('location', { latitude: -33.9249, longitude: 18.4241 })),
  },
  {
    name: 'contacts (Meta docs example)',
    build: fixed({ messaging_product: 'whatsapp', to: TO, type: 'contacts', contacts: [fullContactCard()] }),
  },
  {
    name: 'reply buttons with an image header',
    build: async (ids) =>
      message('interactive', {
        type: 'button',
        header: { type: 'image', image: { id: (await ids()).image } },
        body: {
          text: 'Hi Pablo! Your gardening workshop is scheduled for 9am tomorrow. Use the buttons if you need to reschedule. Thank you!',
        },
        footer: { text: 'Lucky Shrub: Your gateway to succulents!™' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'change-button', title: 'Change' } },
            { type: 'reply', reply: { id: 'cancel-button', title: 'Cancel' } },
          ],
        },
      }),
  },
  {
    name: 'reply buttons with a text header and a document header by link',
    build: fixed(
      message('interactive', {
        type: 'button',
        header: { type: 'document', document: { link: 'https://example.com/menu.pdf' } },
        body: { text: 'Would you like to confirm your order #12345?' },
        action: { buttons: [{ type: 'reply', reply: { id: 'confirm', title: 'Confirm' } }] },
      }),
    ),
  },
  { name: 'list message (Meta docs example)', build: fixed(message('interactive', shippingList())) },
  {
    name: 'reaction',
    build: fixed(
      message('reaction', {
        message_id: 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA',
        emoji: '\uD83D\uDE00',
      }),
    ),
  },
  {
    name: 'reaction with a heart and variation selector',
    build: fixed(message('reaction', { message_id: 'wamid.X', emoji: '❤️' })),
  },
  { name: 'reaction with a flag', build: fixed(message('reaction', { message_id: 'wamid.X', emoji: '🇿🇦' })) },
  {
    name: 'reaction removal with an empty emoji',
    build: fixed(message('reaction', { message_id: 'wamid.X', emoji: '' })),
  },
  {
    name: 'reply to a message with context',
    build: fixed(
      message(
        'text',
        { body: 'This is a reply to your message!' },
        { context: { message_id: 'wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI' } },
      ),
    ),
  },
  {
    name: 'image reply with context and biz_opaque_callback_data',
    build: fixed(
      message(
        'image',
        { link: 'https://example.com/a.jpg' },
        { context: { message_id: 'wamid.Y' }, biz_opaque_callback_data: 'order-42' },
      ),
    ),
  },
];

describe('Meta simulator accepts Meta documented examples', () => {
  it.each(EXAMPLES)('accepts $name', async ({ build }) => {
    const payload = await build(uploadAll);
    const res = await postMessage(sim, payload);
    expect(res.status, res.text).toBe(200);
    const to = payload['to'] as string;
    expect(res.body).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: to, wa_id: to.replace(/^\+/, '') }],
      messages: [{ id: expect.stringMatching(/^wamid\.[A-Za-z0-9+/=]+$/) }],
    });
    const recorded = sim.messages();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ phoneId: PHONE_ID, to: to.replace(/^\+/, ''), type: payload['type'], payload });
  });

  it('answers a different wamid for every message, in the wamid.<base64> form', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = await postMessage(sim, message('text', { body: `n${i}` }));
      ids.add((res.body as { messages: { id: string }[] }).messages[0]?.id ?? '');
    }
    expect(ids.size).toBe(20);
    const first = [...ids][0] ?? '';
    // The binary record inside names the recipient's digits, as Meta's does.
    expect(Buffer.from(first.slice('wamid.'.length), 'base64').toString('latin1')).toContain('16505551234');
  });
});
