// Small valid bodies to vary one field at a time.
import { PHONE } from './document-examples.js';

type Body = Record<string, unknown>;

export const textBody = (text: string): Body => ({ phone_number: PHONE, message_type: 'text', text });

export const mediaBody = (type: 'image' | 'video' | 'audio' | 'document', extra: Body = {}): Body => ({
  phone_number: PHONE,
  message_type: type,
  media_url: `https://example.com/file.${type}`,
  ...extra,
});

export const buttonBody = (interactive: Body = {}, extra: Body = {}): Body => ({
  phone_number: PHONE,
  message_type: 'interactive',
  interactive: { type: 'button', body: 'Pick one', buttons: [{ id: 'a', title: 'A' }], ...interactive },
  ...extra,
});

export const row = (id: string, extra: Body = {}): Body => ({ id, title: `Row ${id}`, ...extra });

/** `counts[i]` rows in section i, ids unique across the list. */
export const sections = (...counts: number[]): Body[] => {
  let next = 0;
  return counts.map((n, s) => ({ title: `Section ${s}`, rows: Array.from({ length: n }, () => row(String(next++))) }));
};

export const listBody = (interactive: Body = {}, extra: Body = {}): Body => ({
  phone_number: PHONE,
  message_type: 'interactive',
  interactive: { type: 'list', body: 'Choose', button: 'Menu', sections: sections(1), ...interactive },
  ...extra,
});

export const locationBody = (location: Body): Body => ({ phone_number: PHONE, message_type: 'location', location });

export const card = (n = 0): Body => ({ name: { formatted_name: `Person ${n}` } });

export const contactsBody = (cards: unknown[]): Body => ({
  phone_number: PHONE,
  message_type: 'contacts',
  contacts: cards,
});

export const reactionBody = (reaction: Body, extra: Body = {}): Body => ({
  phone_number: PHONE,
  message_type: 'reaction',
  reaction,
  ...extra,
});

export const s = (n: number, unit = 'a'): string => unit.repeat(n);
