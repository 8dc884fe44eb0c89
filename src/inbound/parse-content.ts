// The part of an inbound message its `type` decides, normalised (docs/META.md §10.6). A message whose
// typed object is unusable (an image without an id) fails as a whole: half a message would be
// applied as if it were whole. A type we do not know is kept loosely instead, since the message
// still happened and still opens the 24-hour window.
import { looseCopy } from './parse-loose.js';
import { Fields, LIMITS, defined, own, readErrors } from './parse-read.js';
import type {
  ContactCard,
  InteractiveContent,
  MediaContent,
  MessageContent,
  OrderItem,
} from '../meta/webhook-items.js';

const MEDIA_TYPES = new Set<MediaContent['type']>(['image', 'video', 'audio', 'document', 'sticker']);

function isMediaType(t: string): t is MediaContent['type'] {
  return MEDIA_TYPES.has(t as MediaContent['type']);
}

function readMedia(f: Fields, type: MediaContent['type']): MediaContent {
  const m = f.sub(type);
  return defined({
    type,
    id: m.str('id'),
    mimeType: m.optStr('mime_type'),
    sha256: m.optStr('sha256'),
    caption: m.optStr('caption', LIMITS.text),
    filename: m.optStr('filename'),
    voice: m.optBool('voice'),
    animated: m.optBool('animated'),
    url: m.optStr('url', LIMITS.url),
  });
}

function readLocation(f: Fields): MessageContent {
  const l = f.sub('location');
  return defined({
    type: 'location' as const,
    latitude: l.num('latitude'),
    longitude: l.num('longitude'),
    name: l.optStr('name'),
    address: l.optStr('address'),
    url: l.optStr('url', LIMITS.url),
  });
}

function readCard(c: Fields): ContactCard {
  const name = c.optSub('name');
  const org = c.optSub('org');
  return defined({
    formattedName: name?.optStr('formatted_name'),
    firstName: name?.optStr('first_name'),
    lastName: name?.optStr('last_name'),
    phones: c.records('phones', LIMITS.cardParts, (p) =>
      defined({ phone: p.optStr('phone'), waId: p.optStr('wa_id'), type: p.optStr('type') }),
    ),
    emails: c.records('emails', LIMITS.cardParts, (e) => defined({ email: e.optStr('email'), type: e.optStr('type') })),
    urls: c.records('urls', LIMITS.cardParts, (u) =>
      defined({ url: u.optStr('url', LIMITS.url), type: u.optStr('type') }),
    ),
    org:
      org &&
      defined({ company: org.optStr('company'), department: org.optStr('department'), title: org.optStr('title') }),
    birthday: c.optStr('birthday'),
  });
}

function readInteractive(f: Fields): InteractiveContent {
  const i = f.sub('interactive');
  const reply = i.str('type');
  if (reply === 'button_reply') {
    const b = i.sub('button_reply');
    return { type: 'interactive', reply, id: b.str('id'), title: b.str('title', LIMITS.short) };
  }
  if (reply === 'list_reply') {
    const l = i.sub('list_reply');
    const description = l.optStr('description');
    return defined({ type: 'interactive', reply, id: l.str('id'), title: l.str('title', LIMITS.short), description });
  }
  if (reply === 'nfm_reply') {
    const n = i.sub('nfm_reply');
    const responseJson = n.str('response_json', LIMITS.text);
    return defined({
      type: 'interactive',
      reply,
      name: n.optStr('name'),
      body: n.optStr('body', LIMITS.text),
      responseJson,
    });
  }
  return { type: 'interactive', reply: 'other', replyType: reply, value: loose(f, 'interactive') };
}

function readOrderItem(p: Fields): OrderItem {
  return defined({
    productRetailerId: p.str('product_retailer_id'),
    quantity: p.optNum('quantity'),
    itemPrice: p.optNum('item_price'),
    currency: p.optStr('currency'),
  });
}

function readOrder(f: Fields): MessageContent {
  const o = f.sub('order');
  const catalogId = o.str('catalog_id');
  const items = o.records('product_items', LIMITS.orderItems, readOrderItem);
  return defined({ type: 'order' as const, catalogId, text: o.optStr('text', LIMITS.text), items });
}

function readReaction(f: Fields): MessageContent {
  const r = f.sub('reaction');
  const messageId = r.str('message_id');
  // Meta omits `emoji` on removal; an empty string is read the same way rather than as an emoji.
  const emoji = r.optStr('emoji', LIMITS.id);
  return emoji
    ? { type: 'reaction', messageId, emoji, removed: false }
    : { type: 'reaction', messageId, removed: true };
}

function readSystem(f: Fields): MessageContent {
  const s = f.sub('system');
  return defined({
    type: 'system' as const,
    systemType: s.optStr('type'),
    body: s.optStr('body', LIMITS.text),
    waId: s.optStr('wa_id', LIMITS.id),
    userId: s.optStr('user_id', LIMITS.id),
    parentUserId: s.optStr('parent_user_id', LIMITS.id),
  });
}

function loose(f: Fields, key: string) {
  const { value, cut } = looseCopy(own(f.o, key) ?? null);
  if (cut) f.notes.push(`${f.prefix}${key} was cut to the size limits`);
  return value;
}

const READERS: Record<string, (f: Fields) => MessageContent> = {
  text: (f) => ({ type: 'text', body: f.sub('text').str('body', LIMITS.text) }),
  location: readLocation,
  contacts: (f) => ({ type: 'contacts', contacts: f.records('contacts', LIMITS.cards, readCard) }),
  interactive: readInteractive,
  button: (f) => {
    const b = f.sub('button');
    return defined({ type: 'button' as const, payload: b.optStr('payload', LIMITS.short), text: b.optStr('text') });
  },
  reaction: readReaction,
  order: readOrder,
  system: readSystem,
  request_welcome: () => ({ type: 'request_welcome' }),
  unsupported: (f) =>
    defined({
      type: 'unsupported' as const,
      unsupportedType: f.optSub('unsupported')?.optStr('type'),
      errors: readErrors(f),
    }),
  revoke: (f) => ({ type: 'revoke', originalMessageId: f.sub('revoke').str('original_message_id') }),
};

/** The content of a message of `type`; throws ParseFail when the typed object is unusable. */
export function readContent(f: Fields, type: string): MessageContent {
  if (isMediaType(type)) return readMedia(f, type);
  const read = Object.hasOwn(READERS, type) ? READERS[type] : undefined;
  return read ? read(f) : { type: 'other', value: loose(f, type) };
}
