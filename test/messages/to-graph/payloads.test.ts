// Each builder against the shape of Meta's documented payload (REFERENCE §1), written out literally.
import { describe, expect, it } from 'vitest';
import { validateSendRequest } from '../../../src/messages/validate.js';
import { buildGraphPayload } from '../../../src/messages/to-graph/index.js';
import { example } from '../document-examples.js';

const TO = '+27123456789';
const WAMID = 'wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI...';
const MEDIA_ID = '1234567890123456';

/** Our request, validated as the route would, then built. */
const build = (body: Record<string, unknown>, opts: { mediaId?: string; filename?: string } = {}) =>
  buildGraphPayload(validateSendRequest(structuredClone(body)), { to: TO, ...opts });

const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: TO };

describe('buildGraphPayload', () => {
  it('text', () => {
    expect(build({ phone_number: TO, message_type: 'text', text: 'Hello, World!' })).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+27123456789',
      type: 'text',
      text: { body: 'Hello, World!' },
    });
  });

  it('text as a reply carries context.message_id', () => {
    expect(
      build({
        phone_number: TO,
        message_type: 'text',
        text: 'This is a reply to your message!',
        context_message_id: WAMID,
      }),
    ).toEqual({
      ...envelope,
      type: 'text',
      text: { body: 'This is a reply to your message!' },
      context: { message_id: 'wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI...' },
    });
  });

  it('image by media id with caption', () => {
    expect(
      build(
        {
          phone_number: TO,
          message_type: 'image',
          media_url: 'https://example.com/product.jpg',
          caption: 'Our latest product!',
        },
        { mediaId: MEDIA_ID, filename: 'product.jpg' },
      ),
    ).toEqual({
      ...envelope,
      type: 'image',
      image: { id: '1234567890123456', caption: 'Our latest product!' },
    });
  });

  it('video by media id with caption', () => {
    expect(
      build(
        {
          phone_number: TO,
          message_type: 'video',
          media_url: 'https://example.com/demo.mp4',
          caption: 'Watch our demo video',
        },
        { mediaId: MEDIA_ID },
      ),
    ).toEqual({
      ...envelope,
      type: 'video',
      video: { id: '1234567890123456', caption: 'Watch our demo video' },
    });
  });

  it('audio by media id, never a caption or filename', () => {
    expect(
      build(
        { phone_number: TO, message_type: 'audio', media_url: 'https://example.com/message.mp3' },
        { mediaId: MEDIA_ID, filename: 'message.mp3' },
      ),
    ).toEqual({
      ...envelope,
      type: 'audio',
      audio: { id: '1234567890123456' },
    });
  });

  it('document by media id with caption and the resolved filename', () => {
    const body = {
      phone_number: TO,
      message_type: 'document',
      media_url: 'https://example.com/invoice.pdf',
      filename: 'Invoice_2025.pdf',
      caption: 'Please find your invoice attached',
    };
    expect(build(body, { mediaId: MEDIA_ID, filename: 'Invoice_2025.pdf' })).toEqual({
      ...envelope,
      type: 'document',
      document: { id: '1234567890123456', caption: 'Please find your invoice attached', filename: 'Invoice_2025.pdf' },
    });
    expect(build(body, { mediaId: MEDIA_ID })).toMatchObject({ document: { filename: 'Invoice_2025.pdf' } });
  });

  it('leaves out an empty caption', () => {
    expect(
      build(
        { phone_number: TO, message_type: 'image', media_url: 'https://example.com/a.jpg', caption: '' },
        { mediaId: MEDIA_ID },
      ),
    ).toEqual({
      ...envelope,
      type: 'image',
      image: { id: '1234567890123456' },
    });
  });

  it('location with numbers', () => {
    const body = {
      phone_number: TO,
      message_type: 'location',
      location: {
        latitude: -33.9249,
        longitude: 18.4241,
        name: 'Cape Town Office',
        address: '123 Main Street, Cape Town',
      },
    };
    expect(build(body)).toEqual({
      ...envelope,
      type: 'location',
      location: {
        latitude: -33.9249,
        longitude: 18.4241,
        name: 'Cape Town Office',
        address: '123 Main Street, Cape Town',
      },
    });
  });

  it("contacts in Meta's card format", () => {
    const body = {
      phone_number: TO,
      message_type: 'contacts',
      contacts: [
        {
          name: { formatted_name: 'John Doe', first_name: 'John', last_name: 'Doe' },
          phones: [{ phone: '+27987654321', type: 'CELL', wa_id: '27987654321' }, { phone: '' }],
          emails: [{ email: 'john@example.com', type: 'WORK' }],
          addresses: [{ street: '1 Main Rd', city: 'Cape Town', country_code: 'ZA', type: 'HOME' }],
          urls: [{ url: 'https://example.com', type: 'WORK' }],
          org: { company: 'Example Ltd', title: 'Manager' },
          birthday: '1990-05-17',
        },
      ],
    };
    expect(build(body)).toEqual({
      ...envelope,
      type: 'contacts',
      contacts: [
        {
          name: { formatted_name: 'John Doe', first_name: 'John', last_name: 'Doe' },
          phones: [{ phone: '+27987654321', type: 'CELL', wa_id: '27987654321' }],
          emails: [{ email: 'john@example.com', type: 'WORK' }],
          addresses: [{ street: '1 Main Rd', city: 'Cape Town', country_code: 'ZA', type: 'HOME' }],
          urls: [{ url: 'https://example.com', type: 'WORK' }],
          org: { company: 'Example Ltd', title: 'Manager' },
          birthday: '1990-05-17',
        },
      ],
    });
  });

  it('interactive reply buttons with a text header and footer', () => {
    const body = example('interactive button');
    expect(build(body)).toEqual({
      ...envelope,
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'text', text: 'Order Confirmation' },
        body: { text: 'Would you like to confirm your order #12345?' },
        footer: { text: 'Reply within 24 hours' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'confirm', title: 'Confirm' } },
            { type: 'reply', reply: { id: 'cancel', title: 'Cancel' } },
            { type: 'reply', reply: { id: 'modify', title: 'Modify Order' } },
          ],
        },
      },
    });
  });

  it('interactive reply buttons with an image header by media id', () => {
    const body = {
      phone_number: TO,
      message_type: 'interactive',
      interactive: {
        type: 'button',
        body: 'Check out our new product!',
        header_media: { type: 'image', url: 'https://example.com/product.jpg' },
        buttons: [
          { id: 'buy', title: 'Buy Now' },
          { id: 'info', title: 'More Info' },
        ],
      },
    };
    expect(build(body, { mediaId: MEDIA_ID })).toEqual({
      ...envelope,
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'image', image: { id: '1234567890123456' } },
        body: { text: 'Check out our new product!' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'buy', title: 'Buy Now' } },
            { type: 'reply', reply: { id: 'info', title: 'More Info' } },
          ],
        },
      },
    });
  });

  it('interactive reply buttons with a document header, by id only (its name travels with the upload)', () => {
    const body = {
      phone_number: TO,
      message_type: 'interactive',
      interactive: {
        type: 'button',
        body: 'Your terms',
        header_media: { type: 'document', url: 'https://example.com/t.pdf', filename: 'Terms.pdf' },
        buttons: [{ id: 'ok', title: 'OK' }],
      },
    };
    expect(build(body, { mediaId: MEDIA_ID, filename: 'Terms.pdf' })).toMatchObject({
      interactive: { header: { type: 'document', document: { id: '1234567890123456' } } },
    });
  });

  it('interactive list', () => {
    // A variant of the document's list: one row without a description, which Meta must not receive.
    const body = {
      phone_number: TO,
      message_type: 'interactive',
      interactive: {
        type: 'list',
        header: 'Our Menu',
        body: 'Please select from our available options:',
        footer: 'Tap the button below to view options',
        button: 'View Menu',
        sections: [
          {
            title: 'Main Dishes',
            rows: [
              { id: 'burger', title: 'Burger', description: 'Beef patty with cheese' },
              { id: 'pizza', title: 'Pizza' },
            ],
          },
          { title: 'Drinks', rows: [{ id: 'cola', title: 'Cola', description: '500ml bottle' }] },
        ],
      },
    };
    expect(build(body)).toEqual({
      ...envelope,
      type: 'interactive',
      interactive: {
        type: 'list',
        header: { type: 'text', text: 'Our Menu' },
        body: { text: 'Please select from our available options:' },
        footer: { text: 'Tap the button below to view options' },
        action: {
          button: 'View Menu',
          sections: [
            {
              title: 'Main Dishes',
              rows: [
                { id: 'burger', title: 'Burger', description: 'Beef patty with cheese' },
                { id: 'pizza', title: 'Pizza' },
              ],
            },
            { title: 'Drinks', rows: [{ id: 'cola', title: 'Cola', description: '500ml bottle' }] },
          ],
        },
      },
    });
  });

  it('reaction, with the emoji given or 👍 by default, never a context', () => {
    expect(build({ phone_number: TO, message_type: 'reaction', reaction: { message_id: WAMID, emoji: '❤️' } })).toEqual(
      {
        ...envelope,
        type: 'reaction',
        reaction: { message_id: 'wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI...', emoji: '❤️' },
      },
    );
    expect(
      buildGraphPayload({ phone_number: TO, message_type: 'reaction', reaction: { message_id: WAMID } }, { to: TO }),
    ).toEqual({
      ...envelope,
      type: 'reaction',
      reaction: { message_id: 'wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI...', emoji: '👍' },
    });
  });

  it('refuses to build a media message without its media id', () => {
    expect(() => build({ phone_number: TO, message_type: 'image', media_url: 'https://example.com/a.jpg' })).toThrow(
      /media id/,
    );
    expect(() =>
      build({
        phone_number: TO,
        message_type: 'interactive',
        interactive: {
          type: 'button',
          body: 'x',
          header_media: { type: 'video', url: 'https://example.com/a.mp4' },
          buttons: [{ id: 'a', title: 'A' }],
        },
      }),
    ).toThrow(/media id/);
  });
});
