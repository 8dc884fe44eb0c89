// A template's status, quality or category changes (through the control API) and Meta tells the
// WABA's apps: message_template_status_update, message_template_quality_update and
// template_category_update, each its own webhook with the WABA as entry id and the time of the
// change, signed and retried like every other webhook (webhook-delivery.ts).
import { copy } from './templates-catalogue.js';
import { CATEGORIES, QUALITY_SCORES, STATUSES, TemplateParseError } from './templates-parse.js';
import type { SimState } from './state.js';
import type { SimTemplate, SimTemplateChange, SimTemplateChangeResult } from './templates-types.js';
import { isObject } from './validate/check.js';
import type { WebhookEntry } from './webhook-delivery.js';

function fail(message: string): never {
  throw new TemplateParseError(message);
}

/** Checks a change as the control API receives it. */
export function parseTemplateChange(raw: unknown): SimTemplateChange {
  if (!isObject(raw)) fail('a change must be a JSON object: {status?, quality_score?, category?, reason?}');
  const out: SimTemplateChange = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'status') {
      if (typeof v !== 'string' || !(STATUSES as readonly string[]).includes(v))
        fail(`status must be one of ${STATUSES.join(', ')}`);
      out.status = v as SimTemplateChange['status'] & string;
    } else if (k === 'quality_score') {
      if (typeof v !== 'string' || !(QUALITY_SCORES as readonly string[]).includes(v))
        fail(`quality_score must be one of ${QUALITY_SCORES.join(', ')}`);
      out.quality_score = v as SimTemplateChange['quality_score'] & string;
    } else if (k === 'category') {
      if (typeof v !== 'string' || !(CATEGORIES as readonly string[]).includes(v))
        fail(`category must be one of ${CATEGORIES.join(', ')}`);
      out.category = v as SimTemplateChange['category'] & string;
    } else if (k === 'reason') {
      if (typeof v !== 'string' || v === '') fail('reason must be a non-empty string');
      out.reason = v;
    } else fail(`unknown change field "${k}"`);
  }
  if (out.status === undefined && out.quality_score === undefined && out.category === undefined)
    fail('change at least one of status, quality_score, category');
  return out;
}

/** Applies the change and posts one webhook per changed field (status, then quality, then category). */
export async function changeTemplate(
  state: SimState,
  id: string,
  raw: SimTemplateChange,
): Promise<SimTemplateChangeResult> {
  const change = parseTemplateChange(raw);
  const stored = state.templates.get(id);
  if (stored === undefined) fail(`no template has the id "${id}"`);
  const t = stored.view;
  const time = Math.floor(state.clock.now() / 1000);
  const changes: { field: string; value: Record<string, unknown> }[] = [];
  if (change.status !== undefined && change.status !== t.status) {
    t.status = change.status;
    const reason = change.reason ?? (change.status === 'REJECTED' ? 'INVALID_FORMAT' : 'NONE');
    if (change.status === 'REJECTED') t.rejected_reason = reason;
    changes.push({ field: 'message_template_status_update', value: statusValue(t, reason, time) });
  }
  if (change.quality_score !== undefined && change.quality_score !== t.quality_score) {
    const previous = t.quality_score;
    t.quality_score = change.quality_score;
    changes.push({
      field: 'message_template_quality_update',
      value: {
        previous_quality_score: previous,
        new_quality_score: t.quality_score,
        message_template_id: Number(t.id),
        message_template_name: t.name,
        message_template_language: t.language,
      },
    });
  }
  if (change.category !== undefined && change.category !== t.category) {
    const previous = t.category;
    t.category = change.category;
    changes.push({
      field: 'template_category_update',
      value: {
        message_template_id: Number(t.id),
        message_template_name: t.name,
        message_template_language: t.language,
        previous_category: previous,
        new_category: t.category,
      },
    });
  }
  const deliveries: string[] = [];
  for (const c of changes) {
    // Meta's template payloads put value before field, except template_category_update's.
    const change =
      c.field === 'template_category_update' ? { field: c.field, value: c.value } : { value: c.value, field: c.field };
    const entry: WebhookEntry = { id: t.waba_id, time, changes: [change] };
    deliveries.push(...(await state.webhooks.dispatcher.dispatch([entry], 'templates', undefined)));
  }
  return { template: copy(t), deliveries };
}

function statusValue(t: SimTemplate, reason: string, time: number): Record<string, unknown> {
  const value: Record<string, unknown> = {
    event: t.status,
    message_template_id: Number(t.id),
    message_template_name: t.name,
    message_template_language: t.language,
    reason,
    message_template_category: t.category,
  };
  if (t.status === 'DISABLED') value['disable_info'] = { disable_date: time };
  if (t.status === 'PAUSED')
    value['other_info'] = {
      title: 'FIRST_PAUSE',
      description:
        'Your template has been paused for 3 hours because of low quality: customers reported or blocked it.',
    };
  return value;
}
