// Meta's template webhooks (message_template_status_update, message_template_quality_update,
// template_category_update), applied in the webhook's own transaction (inbound/processor.ts): the
// stored status, quality or category changes at once, and a resync is asked for (template_resyncs),
// which the template job runs soon after, rate-limited: the webhook says what changed, the sync
// brings the rest (components, a template that was not stored yet).
//
// Only the organizations of the app that signed the webhook, with that WhatsApp Business Account,
// are touched: as for messages, a webhook of one app never changes another app's organizations.
import type { Kysely } from 'kysely';
import { newId } from '../db/ids.js';
import { query, type Steps } from '../db/steps.js';
import type { Database } from '../db/types.js';
import type { TemplateEventItem } from '../meta/webhook-items.js';

type Changes = { status?: string; quality?: string; category?: string; rejected_reason?: string | null };

function word(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const w = v.trim().toUpperCase();
  return /^[A-Z_]{1,32}$/.test(w) ? w : undefined;
}

/** What the event changes on the stored template; empty when it names nothing usable. */
export function changesOf(item: Pick<TemplateEventItem, 'field' | 'value'>): Changes {
  const v = item.value;
  if (item.field === 'message_template_quality_update') {
    const quality = word(v['new_quality_score']);
    return quality ? { quality } : {};
  }
  if (item.field === 'template_category_update') {
    const category = word(v['new_category']);
    return category ? { category } : {};
  }
  const event = word(v['event']);
  // FLAGGED warns that a template may be paused; it stays sendable until Meta says PAUSED.
  if (event === undefined || event === 'FLAGGED') return {};
  // REINSTATED: a paused template is sendable again.
  const status = event === 'REINSTATED' ? 'APPROVED' : event;
  const reason = typeof v['reason'] === 'string' && v['reason'] !== 'NONE' ? v['reason'].slice(0, 512) : null;
  return { status, rejected_reason: status === 'REJECTED' ? reason : null };
}

/** The write for one template event; the processor counts what it returns. */
export function* writeTemplateEvent(
  k: Kysely<Database>,
  o: { item: TemplateEventItem; metaAppId: string; now: string },
): Steps<string> {
  const organizations = k
    .selectFrom('organizations')
    .select('id')
    .where('meta_waba_id', '=', o.item.wabaId)
    .where('meta_app_id', '=', o.metaAppId);
  const changes = changesOf(o.item);
  if (Object.keys(changes).length > 0)
    yield* query(
      k
        .updateTable('templates')
        .set({ ...changes, synced_at: o.now })
        .where('waba_id', '=', o.item.wabaId)
        .where('meta_id', '=', o.item.templateId)
        .where('organization_id', 'in', organizations),
    );
  const requested = yield* query(
    k
      .insertInto('template_resyncs')
      .columns(['organization_id', 'id', 'requested_at'])
      .expression(organizations.select((eb) => [eb.val(newId()).as('request_id'), eb.val(o.now).as('requested_at')])),
  );
  return requested.changes > 0 ? 'template_event' : 'template_event_unrouted';
}
