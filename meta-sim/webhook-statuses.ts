// Status webhooks for accepted messages (docs/META.md §5): sent, delivered and read after the
// configured delays, each posted as its own webhook, and the injected status faults that bend them
// (duplicates, reversed order, a skipped delivered, failed, before the answer, one batch).
import { createHash } from 'node:crypto';
import { digitsOf } from './faults.js';
import { knownTitle } from './graph-codes.js';
import { defaultUserId, type PhoneDirectory } from './phone-info.js';
import type { WebhookDispatcher, WebhookEntry } from './webhook-delivery.js';
import type { SimFailedStatus, SimStatusFault, SimStatusItem, SimWebhookConfig } from './webhook-types.js';

/** What a status webhook needs to know about a message the simulator accepted. */
export interface AcceptedMessage {
  phoneId: string;
  waId: string;
  wamid: string;
  /** The Graph version of the send, e.g. "v23.0": conversation objects stop at v24. */
  version: string;
  bizOpaque: string | undefined;
  /** Epoch ms. */
  at: number;
  /** Template sends: the template's category (MARKETING, UTILITY, AUTHENTICATION), for pricing. */
  category?: string;
  /** Whether the customer's window was open at the send (utility templates inside it are free). */
  inWindow?: boolean;
  /** Meta accepted the send, then fails it (outside the window, the sample-media trap): failed only. */
  failure?: SimFailedStatus;
}

/** Titles Meta uses for asynchronous failures that graph-codes.ts has no use for (docs/META.md §3). */
const STATUS_TITLES: ReadonlyMap<number, string> = new Map([
  [130472, "User's number is part of an experiment"],
  [131049, 'This message was not delivered to maintain healthy ecosystem engagement.'],
  [131050, 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages.'],
  [131052, 'Media download error'],
]);

const ERROR_CODES_HREF = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/';

interface ActiveStatusFault {
  fault: SimStatusFault;
  to: string | undefined;
  skip: number;
  times: number;
}

export class StatusFaultList {
  private faults: ActiveStatusFault[] = [];

  add(f: SimStatusFault): void {
    this.faults.push({
      fault: f,
      to: f.to === undefined ? undefined : digitsOf(f.to),
      skip: f.skip ?? 0,
      times: f.times ?? 1,
    });
  }

  clear(): void {
    this.faults = [];
  }

  take(waId: string): SimStatusFault | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i];
      if (f === undefined || (f.to !== undefined && f.to !== waId)) continue;
      if (f.skip > 0) {
        f.skip -= 1;
        continue;
      }
      f.times -= 1;
      if (f.times <= 0) this.faults.splice(i, 1);
      return f.fault;
    }
    return undefined;
  }
}

interface Planned {
  status: string;
  /** ms after the send was accepted: when it happened, for its timestamp. */
  afterMs: number;
  billed: boolean;
  first: boolean;
  error?: SimFailedStatus;
}

export function statusError(e: Omit<SimFailedStatus, 'after'>): Record<string, unknown> {
  const title = e.title ?? knownTitle(e.code) ?? STATUS_TITLES.get(e.code) ?? 'Message failed to send';
  return {
    code: e.code,
    title,
    message: e.message ?? title,
    error_data: { details: e.details ?? title },
    href: ERROR_CODES_HREF,
  };
}

/** The value of one change: metadata for the phone, then the items. */
export function entryFor(phones: PhoneDirectory, phoneId: string, items: Record<string, unknown>): WebhookEntry {
  const info = phones.get(phoneId);
  return {
    id: info.wabaId,
    changes: [
      {
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: info.displayPhoneNumber, phone_number_id: phoneId },
          ...items,
        },
        field: 'messages',
      },
    ],
  };
}

/** Groups changes of one kind by WABA: one entry per WABA, one change per phone number. */
export function groupEntries(
  phones: PhoneDirectory,
  kind: 'statuses' | 'messages',
  byPhone: Map<string, Record<string, unknown>[]>,
  extra?: (phoneId: string) => Record<string, unknown>,
): WebhookEntry[] {
  const byWaba = new Map<string, WebhookEntry>();
  for (const [phoneId, items] of byPhone) {
    const entry = entryFor(phones, phoneId, { ...extra?.(phoneId), [kind]: items });
    const existing = byWaba.get(entry.id);
    if (existing === undefined) byWaba.set(entry.id, entry);
    else existing.changes.push(...entry.changes);
  }
  return [...byWaba.values()];
}

function majorVersion(version: string): number {
  const m = /^v(\d+)\./.exec(version);
  return m?.[1] !== undefined ? Number(m[1]) : Infinity;
}

/**
 * Meta's lifecycle for one message. Pricing (and, before v24, the conversation) rides on sent and
 * on the first of delivered/read, never both; failed carries errors[] and no pricing.
 */
function plan(delays: SimWebhookConfig['statusDelays'], fault: SimStatusFault | undefined): Planned[] {
  const out: Planned[] = [];
  const sentAt = delays.sent ?? 0;
  if (fault?.failed !== undefined) {
    if (fault.failed.after !== 'none') out.push({ status: 'sent', afterMs: sentAt, billed: true, first: true });
    out.push({
      status: 'failed',
      afterMs: Math.max(sentAt, delays.delivered ?? sentAt),
      billed: false,
      first: false,
      error: fault.failed,
    });
    return out;
  }
  if (delays.sent !== null) out.push({ status: 'sent', afterMs: delays.sent, billed: true, first: true });
  let billedAfterSent = false;
  if (delays.delivered !== null && fault?.skipDelivered !== true) {
    out.push({ status: 'delivered', afterMs: delays.delivered, billed: true, first: false });
    billedAfterSent = true;
  }
  if (delays.read !== null) out.push({ status: 'read', afterMs: delays.read, billed: !billedAfterSent, first: false });
  return out;
}

export class StatusPoster {
  readonly faults = new StatusFaultList();

  constructor(
    private readonly dispatcher: WebhookDispatcher,
    private readonly phones: PhoneDirectory,
    private readonly config: () => SimWebhookConfig,
  ) {}

  /**
   * Schedules the statuses of an accepted message. Answers a promise when the send's answer must
   * wait (beforeAnswer): it settles once the first status's first attempt has been answered.
   */
  accepted(m: AcceptedMessage): Promise<unknown> | undefined {
    // A failure Meta decides (the window) stands in for any status fault, which stays queued.
    const fault: SimStatusFault | undefined =
      m.failure !== undefined ? { failed: m.failure } : this.faults.take(m.waId);
    if (fault?.none === true) return undefined;
    const planned = plan(this.config().statusDelays, fault);
    if (planned.length === 0) return undefined;
    const postings = schedule(planned, fault);
    const copies = 1 + Math.max(0, Math.floor(fault?.duplicate ?? 0));
    let waitFor: Promise<unknown> | undefined;
    postings.forEach((p, i) => {
      const post = (): Promise<unknown> => {
        const all: Promise<unknown>[] = [];
        for (let c = 0; c < copies; c++) all.push(this.post(m, p.items, fault));
        return Promise.all(all);
      };
      if (i === 0 && fault?.beforeAnswer === true) waitFor = post();
      else this.dispatcher.later(p.at, () => void post());
    });
    return waitFor;
  }

  private post(m: AcceptedMessage, items: Planned[], fault: SimStatusFault | undefined): Promise<string[]> {
    const statuses = items.map((p) => this.withUserId(m, this.statusObject(m, p)));
    const entry = entryFor(this.phones, m.phoneId, { ...this.contactsOf(m.phoneId, [m.waId]), statuses });
    return this.dispatcher.dispatch([entry], 'statuses', fault?.encoding);
  }

  /** With statusContacts: the business-scoped user id beside recipient_id. */
  private withUserId(m: AcceptedMessage, s: Record<string, unknown>): Record<string, unknown> {
    if (!this.config().statusContacts) return s;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      out[k] = v;
      if (k === 'recipient_id') out['recipient_user_id'] = defaultUserId(this.phones.get(m.phoneId).wabaId, m.waId);
    }
    return out;
  }

  /** With statusContacts: {contacts: [{wa_id, user_id}]} (no profile, as Meta sends on statuses). */
  private contactsOf(phoneId: string, waIds: string[]): Record<string, unknown> {
    if (!this.config().statusContacts) return {};
    const wabaId = this.phones.get(phoneId).wabaId;
    return { contacts: [...new Set(waIds)].map((w) => ({ wa_id: w, user_id: defaultUserId(wabaId, w) })) };
  }

  private statusObject(m: AcceptedMessage, p: Planned): Record<string, unknown> {
    const at = m.at + p.afterMs;
    const s: Record<string, unknown> = {
      id: m.wamid,
      status: p.status,
      timestamp: String(Math.floor(at / 1000)),
      recipient_id: m.waId,
    };
    if (m.bizOpaque !== undefined) s['biz_opaque_callback_data'] = m.bizOpaque;
    if (p.billed) {
      if (majorVersion(m.version) < 24) {
        const conversation: Record<string, unknown> = { id: conversationId(m) };
        if (p.first) conversation['expiration_timestamp'] = String(Math.floor(m.at / 1000) + 86_400);
        conversation['origin'] = { type: m.category?.toLowerCase() ?? 'service' };
        s['conversation'] = conversation;
      }
      s['pricing'] = pricingOf(m);
    }
    if (p.error !== undefined) s['errors'] = [statusError(p.error)];
    return s;
  }

  /** Statuses posted now, one webhook per app; messages are looked up by wamid. */
  async emit(items: SimStatusItem[], lookup: (wamid: string) => AcceptedMessage | undefined): Promise<string[]> {
    const byPhone = new Map<string, Record<string, unknown>[]>();
    const now = Date.now();
    for (const item of items) {
      const m = lookup(item.wamid);
      if (m === undefined) throw new TypeError(`no accepted message has the wamid "${item.wamid}"`);
      const s: Record<string, unknown> = {
        id: m.wamid,
        status: item.status,
        timestamp: String(item.timestamp ?? Math.floor(now / 1000)),
        recipient_id: m.waId,
      };
      if (m.bizOpaque !== undefined) s['biz_opaque_callback_data'] = m.bizOpaque;
      if (item.error !== undefined) s['errors'] = [statusError(item.error)];
      else if (item.status === 'failed') s['errors'] = [statusError({ code: 131000 })];
      const list = byPhone.get(m.phoneId) ?? [];
      list.push(this.withUserId(m, s));
      byPhone.set(m.phoneId, list);
    }
    const entries = groupEntries(this.phones, 'statuses', byPhone, (phoneId) =>
      this.contactsOf(
        phoneId,
        (byPhone.get(phoneId) ?? []).map((s) => String(s['recipient_id'])),
      ),
    );
    return this.dispatcher.dispatch(entries, 'statuses', undefined);
  }
}

/**
 * Per-message pricing (PMP): free-form messages are free service messages; templates are billed by
 * category, except utility templates inside an open window, which are free.
 */
function pricingOf(m: AcceptedMessage): Record<string, unknown> {
  if (m.category === undefined)
    return { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' };
  const category = m.category.toLowerCase();
  if (category === 'utility' && m.inWindow === true)
    return { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category };
  return { billable: true, pricing_model: 'PMP', type: 'regular', category };
}

interface Posting {
  /** ms after acceptance. */
  at: number;
  items: Planned[];
}

/** When each status is posted: at its own time, or latest first, or all together. */
function schedule(planned: Planned[], fault: SimStatusFault | undefined): Posting[] {
  const byTime = [...planned].sort((a, b) => a.afterMs - b.afterMs);
  const order = fault?.reverse === true ? [...byTime].reverse() : byTime;
  if (fault?.batch === true) return [{ at: byTime[byTime.length - 1]?.afterMs ?? 0, items: order }];
  return order.map((p, i) => ({ at: byTime[i]?.afterMs ?? 0, items: [p] }));
}

function conversationId(m: AcceptedMessage): string {
  const day = Math.floor(m.at / 86_400_000);
  return createHash('sha256').update(`${m.phoneId}:${m.waId}:${day}`).digest('hex').slice(0, 32);
}
