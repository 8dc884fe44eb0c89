import { describe, expect, it } from 'vitest';
import { validateSendRequest } from '../../src/messages/validate.js';
import { buttonBody, contactsBody, listBody, locationBody, mediaBody, reactionBody, row, textBody } from './bodies.js';
import { PHONE, WAMID } from './document-examples.js';
import { expectRefused, INVALID, INVALID_TYPE, MISSING } from './helpers.js';

type Body = Record<string, unknown>;
const base = (message_type: string, extra: Body = {}): Body => ({ phone_number: PHONE, message_type, ...extra });

describe('common fields', () => {
  it.each([
    [{}, 'phone_number is required'],
    [{ message_type: 'text', text: 'hi' }, 'phone_number is required'],
    [{ phone_number: '', message_type: 'text', text: 'hi' }, 'phone_number is required'],
    [{ phone_number: PHONE }, 'message_type is required'],
    [{ phone_number: PHONE, text: 'hi' }, 'message_type is required'],
  ])('answers Missing required field for %o', (body, message) => {
    expectRefused(body, MISSING, message);
  });

  it.each([['sticker'], ['TEXT'], [''], [5], [null]])(
    'answers Invalid message type for message_type %o, listing the valid ones',
    (messageType) => {
      expectRefused(
        { phone_number: PHONE, message_type: messageType },
        INVALID_TYPE,
        `message_type must be one of: text, image, video, audio, document, location, contacts, interactive, reaction, template (got ${JSON.stringify(messageType)})`,
      );
    },
  );

  it.each([
    [[], 'request body must be an object'],
    ['text', 'request body must be an object'],
    [null, 'request body must be an object'],
    [{ phone_number: 27123456789, message_type: 'text', text: 'hi' }, 'phone_number must be a string'],
    [
      { phone_number: 'call me', message_type: 'text', text: 'hi' },
      'phone_number must be a phone number with country code: 8 to 15 digits, no letters',
    ],
    [
      { phone_number: '1234', message_type: 'text', text: 'hi' },
      'phone_number must be a phone number with country code: 8 to 15 digits, no letters',
    ],
    [textBody('hi') && { ...textBody('hi'), context_message_id: 42 }, 'context_message_id must be a string'],
  ])('answers Invalid field for %o', (body, message) => {
    expectRefused(body, INVALID, message);
  });

  it('accepts a phone number written with spaces and symbols', () => {
    expect(() => validateSendRequest({ ...textBody('hi'), phone_number: '+27 (12) 345-6789' })).not.toThrow();
  });
});

describe('missing fields, named as the document does', () => {
  it.each([
    [base('text'), 'text is required for text messages'],
    [base('text', { text: '' }), 'text is required for text messages'],
    [base('text', { text: '  \n ' }), 'text is required for text messages'],
    [base('image'), 'media_url is required for image messages'],
    [base('video', { caption: 'x' }), 'media_url is required for video messages'],
    [base('audio'), 'media_url is required for audio messages'],
    [base('document', { filename: 'a.pdf' }), 'media_url is required for document messages'],
    [base('image', { media_url: '' }), 'media_url is required for image messages'],
    [base('location'), 'location is required for location messages'],
    [locationBody({ longitude: 18.4 }), 'location.latitude is required'],
    [locationBody({ latitude: -33.9 }), 'location.longitude is required'],
    [base('contacts'), 'contacts is required for contacts messages'],
    [contactsBody([{ phones: [{ phone: '+27987654321' }] }]), 'contacts[0].name is required'],
    [contactsBody([{ name: { first_name: 'John' } }]), 'contacts[0].name.formatted_name is required'],
    [contactsBody([{ name: { formatted_name: ' ' } }]), 'contacts[0].name.formatted_name is required'],
    [base('interactive'), 'interactive is required for interactive messages'],
    [base('interactive', { interactive: { body: 'x' } }), 'interactive.type is required'],
    [buttonBody({ body: undefined }), 'interactive.body is required'],
    [buttonBody({ body: '' }), 'interactive.body is required'],
    [buttonBody({ buttons: undefined }), 'interactive.buttons is required'],
    [buttonBody({ buttons: [{ id: 'a' }] }), 'interactive.buttons[0].title is required'],
    [buttonBody({ buttons: [{ id: 'a', title: 'A' }, { title: 'B' }] }), 'interactive.buttons[1].id is required'],
    [buttonBody({ header_media: { type: 'image' } }), 'interactive.header_media.url is required'],
    [buttonBody({ header_media: { url: 'https://example.com/a.jpg' } }), 'interactive.header_media.type is required'],
    [listBody({ button: undefined }), 'interactive.button is required'],
    [listBody({ sections: undefined }), 'interactive.sections is required'],
    [listBody({ sections: [{ title: 'S' }] }), 'interactive.sections[0].rows is required'],
    [listBody({ sections: [{ rows: [{ title: 'No id' }] }] }), 'interactive.sections[0].rows[0].id is required'],
    [listBody({ sections: [{ rows: [{ id: 'x' }] }] }), 'interactive.sections[0].rows[0].title is required'],
    [base('reaction'), 'reaction is required for reaction messages'],
    [reactionBody({ emoji: '👍' }), 'reaction.message_id is required'],
    [reactionBody({ message_id: '' }), 'reaction.message_id is required'],
  ])('%o → %s', (body, message) => {
    expectRefused(JSON.parse(JSON.stringify(body)), MISSING, message);
  });

  it('asks for a title on every section when a list has more than one', () => {
    const body = listBody({ sections: [{ title: 'Food', rows: [row('1')] }, { rows: [row('2')] }] });
    expectRefused(body, MISSING, 'interactive.sections[1].title is required when a list has more than one section');
    const blank = listBody({
      sections: [
        { title: ' ', rows: [row('1')] },
        { title: 'Drinks', rows: [row('2')] },
      ],
    });
    expectRefused(blank, MISSING, 'interactive.sections[0].title is required when a list has more than one section');
  });

  it("lets a list's only section go without a title", () => {
    expect(() => validateSendRequest(listBody({ sections: [{ rows: [row('1')] }] }))).not.toThrow();
  });
});

describe('wrong JSON types', () => {
  it.each([
    [textBody(42 as unknown as string), 'text must be a string'],
    [base('image', { media_url: ['https://example.com/a.jpg'] }), 'media_url must be a string'],
    [mediaBody('image', { caption: 7 }), 'caption must be a string'],
    [base('location', { location: 'Cape Town' }), 'location must be an object'],
    [locationBody({ latitude: '-33.9', longitude: 18.4 }), 'location.latitude must be a number'],
    [base('contacts', { contacts: { name: { formatted_name: 'x' } } }), 'contacts must be an array'],
    [
      contactsBody([{ name: { formatted_name: 'x' }, phones: [{ phone: 27987654321 }] }]),
      'contacts[0].phones[0].phone must be a string',
    ],
    [base('interactive', { interactive: [] }), 'interactive must be an object'],
    [buttonBody({ buttons: [{ id: 1, title: 'A' }] }), 'interactive.buttons[0].id must be a string'],
    [buttonBody({ buttons: { id: 'a', title: 'A' } }), 'interactive.buttons must be an array'],
    [
      listBody({ sections: [{ rows: [row('1', { description: false })] }] }),
      'interactive.sections[0].rows[0].description must be a string',
    ],
    [reactionBody({ message_id: WAMID, emoji: 128077 }), 'reaction.emoji must be a string'],
  ])('%o → %s', (body, message) => {
    expectRefused(body, INVALID, message);
  });
});

describe('values out of their domain', () => {
  it.each([
    [base('image', { media_url: 'ftp://example.com/a.jpg' }), 'media_url must be an http or https URL'],
    [base('image', { media_url: 'example.com/a.jpg' }), 'media_url must be an http or https URL'],
    [base('image', { media_url: 'http://' }), 'media_url must be an http or https URL'],
    [
      mediaBody('document', { filename: '../etc/passwd' }),
      'filename must be a file name without path separators or control characters',
    ],
    [
      mediaBody('document', { filename: 'a\\b.pdf' }),
      'filename must be a file name without path separators or control characters',
    ],
    [
      buttonBody({ header_media: { type: 'audio', url: 'https://example.com/a.mp3' } }),
      'interactive.header_media.type must be one of: image, video, document',
    ],
    [
      buttonBody({ header_media: { type: 'image', url: 'file:///etc/passwd' } }),
      'interactive.header_media.url must be an http or https URL',
    ],
    [
      base('interactive', { interactive: { type: 'carousel', body: 'x' } }),
      'interactive.type must be one of: button, list (got "carousel")',
    ],
    [
      reactionBody({ message_id: WAMID, emoji: 'ok' }),
      'reaction.emoji must be a single emoji, or "" to remove the reaction',
    ],
    [
      reactionBody({ message_id: WAMID, emoji: '👍👍' }),
      'reaction.emoji must be a single emoji, or "" to remove the reaction',
    ],
    [
      contactsBody([{ name: { formatted_name: 'x' }, birthday: '1990-02-30' }]),
      'contacts[0].birthday must be a date written YYYY-MM-DD',
    ],
    [
      contactsBody([{ name: { formatted_name: 'x' }, birthday: '17/05/1990' }]),
      'contacts[0].birthday must be a date written YYYY-MM-DD',
    ],
  ])('%o → %s', (body, message) => {
    expectRefused(body, INVALID, message);
  });

  it.each([['👍'], ['❤️'], ['👨‍👩‍👧‍👦'], ['🇿🇦'], ['1️⃣'], ['👍🏽']])('accepts the reaction %s', (emoji) => {
    expect(() => validateSendRequest(reactionBody({ message_id: WAMID, emoji }))).not.toThrow();
  });
});

describe('fields that do not belong', () => {
  it.each([
    [textBody('hi') && { ...textBody('hi'), caption: 'x' }, 'caption is not allowed for text messages'],
    [{ ...textBody('hi'), media_url: 'https://example.com/a.jpg' }, 'media_url is not allowed for text messages'],
    [mediaBody('image', { interactive: {} }), 'interactive is not allowed for image messages'],
    [mediaBody('image', { filename: 'a.jpg' }), 'filename is not allowed for image messages'],
    [mediaBody('audio', { caption: 'Listen' }), 'caption is not supported for audio messages'],
    [
      reactionBody({ message_id: WAMID }, { context_message_id: WAMID }),
      'context_message_id is not supported for reaction messages',
    ],
    [
      listBody({ header_media: { type: 'image', url: 'https://example.com/a.jpg' } }),
      'interactive.header_media is not allowed for list messages',
    ],
    [listBody({ buttons: [{ id: 'a', title: 'A' }] }), 'interactive.buttons is not allowed for list messages'],
    [buttonBody({ sections: [] }), 'interactive.sections is not allowed for button messages'],
    [{ ...textBody('hi'), foo: 1 }, 'unknown field foo'],
    [{ ...textBody('hi'), 'bad key': 1 }, 'unknown field ["bad key"]'],
    [buttonBody({ colour: 'red' }), 'unknown field interactive.colour'],
    [buttonBody({ buttons: [{ id: 'a', title: 'A', type: 'reply' }] }), 'unknown field interactive.buttons[0].type'],
    [locationBody({ latitude: 1, longitude: 2, altitude: 3 }), 'unknown field location.altitude'],
    [contactsBody([{ name: { formatted_name: 'x', nickname: 'y' } }]), 'unknown field contacts[0].name.nickname'],
    [reactionBody({ message_id: WAMID, emoji: '👍', remove: true }), 'unknown field reaction.remove'],
  ])('%o → %s', (body, message) => {
    expectRefused(body, INVALID, message);
  });

  it('names an overlong unknown field without echoing all of it', () => {
    const err = (() => {
      try {
        validateSendRequest({ ...textBody('hi'), ['k'.repeat(10_000)]: 1 });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message.length).toBeLessThan(120);
  });
});

describe('rules across fields', () => {
  it.each([
    [
      buttonBody({
        buttons: [
          { id: 'same', title: 'One' },
          { id: 'same', title: 'Two' },
        ],
      }),
      'interactive.buttons[1].id must be unique: "same" is used twice',
    ],
    [
      buttonBody({
        buttons: [
          { id: 'a', title: 'Yes' },
          { id: 'b', title: 'No' },
          { id: 'c', title: 'Yes' },
        ],
      }),
      'interactive.buttons[2].title must be unique: "Yes" is used twice',
    ],
    [
      buttonBody({ buttons: [{ id: ' a', title: 'A' }] }),
      'interactive.buttons[0].id must not start or end with spaces',
    ],
    [
      listBody({
        sections: [
          { title: 'A', rows: [row('x')] },
          { title: 'B', rows: [row('y'), row('x')] },
        ],
      }),
      'interactive.sections[1].rows[1].id must be unique across all sections: "x" is used twice',
    ],
    [
      buttonBody({ header: 'Hello', header_media: { type: 'image', url: 'https://example.com/a.jpg' } }),
      'interactive.header_media cannot be combined with interactive.header: a message has one header',
    ],
  ])('%o → %s', (body, message) => {
    expectRefused(body, INVALID, message);
  });

  it('accepts a document header with a filename, and an empty header beside header_media', () => {
    expect(() =>
      validateSendRequest(
        buttonBody({ header_media: { type: 'document', url: 'https://example.com/a.pdf', filename: 'Terms.pdf' } }),
      ),
    ).not.toThrow();
    expect(() =>
      validateSendRequest(
        buttonBody({ header: '', header_media: { type: 'video', url: 'https://example.com/a.mp4' } }),
      ),
    ).not.toThrow();
  });

  it('accepts context_message_id on every type but reaction', () => {
    for (const body of [
      textBody('hi'),
      mediaBody('audio'),
      locationBody({ latitude: 1, longitude: 2 }),
      contactsBody([{ name: { formatted_name: 'x' } }]),
      buttonBody(),
      listBody(),
    ]) {
      expect(() => validateSendRequest({ ...body, context_message_id: WAMID })).not.toThrow();
    }
  });
});
