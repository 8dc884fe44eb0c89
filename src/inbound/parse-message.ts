// One inbound `messages[]` entry (docs/META.md §10.6). The sender is a phone number (`from`), a
// business-scoped user id (`from_user_id`, or the matching contact's `user_id`), or both: since the
// 2026 usernames, either may be missing, and customers are keyed by (phone_number_id, user id).
import { readContent } from './parse-content.js';
import { looseCopy } from './parse-loose.js';
import { Fields, LIMITS, ParseFail, defined, isRecord, isoFromUnix, own, type Rec } from './parse-read.js';
import type { ChangeOrigin, MessageContext, MessageItem } from '../meta/webhook-items.js';

/** value.contacts[], read once per change; entries without usable ids are skipped. */
export interface ContactInfo {
  waId?: string;
  userId?: string;
  parentUserId?: string;
  profileName?: string;
  username?: string;
}

function readContact(c: Fields): ContactInfo {
  const profile = c.optSub('profile');
  return defined({
    waId: c.optStr('wa_id', LIMITS.id),
    userId: c.optStr('user_id', LIMITS.id),
    parentUserId: c.optStr('parent_user_id', LIMITS.id),
    profileName: profile?.optStr('name'),
    username: profile?.optStr('username'),
  });
}

/**
 * value.contacts[], read once per change. Contacts only decorate messages, so nothing here fails:
 * entries that are not objects are skipped, odd fields dropped without a note, and entries past
 * LIMITS.items (more than a body may hold items) are not read.
 */
export function readContacts(value: Rec): ContactInfo[] {
  const list = own(value, 'contacts');
  if (!Array.isArray(list)) return [];
  const scratch: string[] = [];
  return list
    .slice(0, LIMITS.items)
    .filter(isRecord)
    .map((c) => readContact(new Fields(c, '', scratch)));
}

/** The contact this message is from: same user id, same wa_id, or the only contact there is. */
function matchContact(contacts: ContactInfo[], from?: string, userId?: string): ContactInfo | undefined {
  if (userId !== undefined) {
    const byUser = contacts.find((c) => c.userId === userId);
    if (byUser) return byUser;
  }
  if (from !== undefined) {
    const byPhone = contacts.find((c) => c.waId === from);
    if (byPhone) return byPhone;
  }
  return contacts.length === 1 ? contacts[0] : undefined;
}

function readContext(f: Fields): MessageContext | undefined {
  const c = f.optSub('context');
  if (!c) return undefined;
  const product = c.optSub('referred_product');
  return defined({
    id: c.optStr('id', LIMITS.id),
    from: c.optStr('from', LIMITS.id),
    forwarded: c.optBool('forwarded') ?? false,
    frequentlyForwarded: c.optBool('frequently_forwarded') ?? false,
    referredProduct:
      product &&
      defined({ catalogId: product.optStr('catalog_id'), productRetailerId: product.optStr('product_retailer_id') }),
  });
}

function readReferral(f: Fields): MessageItem['referral'] {
  const v = own(f.o, 'referral');
  if (v === undefined) return undefined;
  if (!isRecord(v)) {
    f.notes.push('referral is not an object');
    return undefined;
  }
  const { value, cut } = looseCopy(v);
  if (cut) f.notes.push('referral was cut to the size limits');
  return value;
}

/** Reads one message; throws ParseFail without a wamid, a sender, a valid timestamp or a type. */
export function readMessage(f: Fields, origin: ChangeOrigin, contacts: ContactInfo[], path: string): MessageItem {
  const wamid = f.str('id');
  const type = f.str('type', LIMITS.short);
  const timestamp = isoFromUnix(own(f.o, 'timestamp'));
  if (timestamp === undefined) throw new ParseFail('timestamp is missing or not unix seconds');
  const from = f.optStr('from', LIMITS.id);
  const ownUserId = f.optStr('from_user_id', LIMITS.id);
  const contact = matchContact(contacts, from, ownUserId);
  const fromUserId = ownUserId ?? contact?.userId;
  if (from === undefined && fromUserId === undefined) throw new ParseFail('no sender: neither from nor from_user_id');
  const item: MessageItem = {
    kind: 'message',
    path,
    ...origin,
    wamid,
    from,
    fromUserId,
    parentUserId: contact?.parentUserId,
    profileName: contact?.profileName,
    username: contact?.username,
    timestamp,
    type,
    content: readContent(f, type),
    context: readContext(f),
    referral: readReferral(f),
    groupId: f.optStr('group_id', LIMITS.id),
  };
  return defined(item);
}
