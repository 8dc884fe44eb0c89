// One `statuses[]` entry: the lifecycle of a message we sent (docs/META.md §10.5). The status value
// is kept as received, unknown ones included: ordering (sent < delivered < read < played, failed
// after sent) is the applying job's rule, and a value Meta adds later must not be lost here.
import { Fields, LIMITS, ParseFail, defined, isoFromUnix, own, readErrors } from './parse-read.js';
import type { ChangeOrigin, StatusItem } from '../meta/webhook-items.js';

function readConversation(f: Fields): StatusItem['conversation'] {
  const c = f.optSub('conversation');
  if (!c) return undefined;
  const expires = own(c.o, 'expiration_timestamp');
  const expiresAt = expires === undefined ? undefined : isoFromUnix(expires);
  if (expires !== undefined && expiresAt === undefined) f.notes.push('conversation.expiration_timestamp is invalid');
  return defined({ id: c.optStr('id', LIMITS.id), originType: c.optSub('origin')?.optStr('type'), expiresAt });
}

function readPricing(f: Fields): StatusItem['pricing'] {
  const p = f.optSub('pricing');
  if (!p) return undefined;
  return defined({
    billable: p.optBool('billable'),
    category: p.optStr('category'),
    pricingModel: p.optStr('pricing_model'),
    type: p.optStr('type'),
  });
}

/** Reads one status; throws ParseFail when it has no wamid, status or valid timestamp. */
export function readStatus(f: Fields, origin: ChangeOrigin, path: string): StatusItem {
  const wamid = f.str('id');
  const status = f.str('status');
  const timestamp = isoFromUnix(own(f.o, 'timestamp'));
  if (timestamp === undefined) throw new ParseFail('timestamp is missing or not unix seconds');
  const item: StatusItem = {
    kind: 'status',
    path,
    ...origin,
    wamid,
    status,
    timestamp,
    recipientId: f.optStr('recipient_id', LIMITS.id),
    recipientUserId: f.optStr('recipient_user_id', LIMITS.id),
    recipientType: f.optStr('recipient_type'),
    recipientParticipantId: f.optStr('recipient_participant_id', LIMITS.id),
    bizOpaqueCallbackData: f.optStr('biz_opaque_callback_data', LIMITS.text),
    errors: readErrors(f),
    conversation: readConversation(f),
    pricing: readPricing(f),
  };
  return defined(item);
}
