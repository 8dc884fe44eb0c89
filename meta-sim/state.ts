// Everything the simulator remembers between calls, in one place the routes share.
import { FaultList } from './faults.js';
import { MediaRegistry } from './media-registry.js';
import { PairLimiter, ThroughputLimiter } from './rate-limits.js';
import { ReadReceiptLog } from './read-receipts.js';
import { Ring } from './ring.js';
import type { SimCounts, SimMessage, SimUpload } from './types.js';
import type { AcceptedMessage } from './webhook-statuses.js';
import { WebhookSide } from './webhook-side.js';
import type { MetaSimAllOptions } from './webhook-types.js';
import { createMediaIdGenerator, createWamidGenerator } from './wamid.js';
import { TemplateCatalogue } from './templates-catalogue.js';
import { SimClock, WindowTracker } from './window.js';

/** A recorded message as kept: the payload as its JSON text (see json-body.ts for why). */
export interface StoredMessage {
  phoneId: string;
  to: string;
  type: string;
  json: string;
  wamid: string;
  at: number;
  /** The Graph version the message was sent with, e.g. "v23.0". */
  version: string;
}

const DEFAULT_RECORD_LIMIT = 100_000;
const MIN_MEDIA_IDS = 100_000;
const DEFAULT_WEBHOOK_LOG_LIMIT = 10_000;

export class SimState {
  readonly phones = new Map<string, string>();
  readonly faults = new FaultList();
  readonly media: MediaRegistry;
  readonly throughput: ThroughputLimiter | undefined;
  readonly pairs: PairLimiter | undefined;
  readonly newWamid = createWamidGenerator();
  readonly newMediaId = createMediaIdGenerator();
  readonly webhooks: WebhookSide;
  /** Configuration, like phones: kept by reset(). */
  readonly templates = new TemplateCatalogue();
  /** Customers' last messages: cleared by reset(), as records are. */
  readonly windows: WindowTracker;
  /** Kept by reset(). */
  readonly clock = new SimClock();
  counts: SimCounts = { messageCalls: 0, mediaCalls: 0, accepted: 0, refused: 0 };
  /** Read receipts (POST …/messages with status read), apart from messages. */
  readonly readReceipts: ReadReceiptLog;
  private readonly messageLog: Ring<StoredMessage>;
  private readonly uploadLog: Ring<SimUpload>;

  constructor(opts: MetaSimAllOptions) {
    const limit = opts.recordLimit ?? DEFAULT_RECORD_LIMIT;
    this.webhooks = new WebhookSide(opts, Math.min(limit, DEFAULT_WEBHOOK_LOG_LIMIT));
    this.messageLog = new Ring(limit);
    this.readReceipts = new ReadReceiptLog(limit);
    this.uploadLog = new Ring(limit);
    this.media = new MediaRegistry(Math.max(limit, MIN_MEDIA_IDS));
    const tps = opts.throughputPerSecond;
    this.throughput = tps !== undefined && tps > 0 ? new ThroughputLimiter(tps) : undefined;
    this.pairs = opts.pairLimit === true ? new PairLimiter() : undefined;
    for (const [phoneId, token] of Object.entries(opts.phones ?? {})) this.addPhone(phoneId, token);
    this.windows = new WindowTracker(opts.window ?? 'off');
    for (const [wabaId, list] of Object.entries(opts.templates ?? {}))
      for (const t of list) this.templates.add(wabaId, t);
  }

  /** The WABA a phone belongs to: its webhooks' entry id and the catalogue its template sends use. */
  wabaOf(phoneId: string): string {
    return this.webhooks.phones.get(phoneId).wabaId;
  }

  addPhone(phoneId: string, token: string): void {
    if (phoneId === '' || token === '') throw new TypeError('phone id and token must be non-empty');
    this.phones.set(phoneId, token);
  }

  /** Whether any registered phone uses this token: Graph checks the token before it looks up the object. */
  isKnownToken(token: string): boolean {
    for (const t of this.phones.values()) if (t === token) return true;
    return false;
  }

  recordMessage(m: StoredMessage): void {
    this.messageLog.push(m);
    this.counts.accepted += 1;
  }

  recordUpload(u: SimUpload): void {
    this.uploadLog.push(u);
    this.media.add(u.phoneId, u.id, u.mimeType, { sha256: u.sha256, size: u.size });
    this.counts.accepted += 1;
  }

  messages(): SimMessage[] {
    return this.messageLog.toArray().map((m) => ({
      phoneId: m.phoneId,
      to: m.to,
      type: m.type,
      payload: JSON.parse(m.json) as unknown,
      wamid: m.wamid,
      at: m.at,
    }));
  }

  /** Accepted messages by wamid, for statuses posted on demand (one pass over the record). */
  acceptedByWamid(): Map<string, AcceptedMessage> {
    const out = new Map<string, AcceptedMessage>();
    for (const m of this.messageLog.toArray()) {
      out.set(m.wamid, {
        phoneId: m.phoneId,
        waId: m.to,
        wamid: m.wamid,
        version: m.version,
        bizOpaque: bizOpaqueOf(m.json),
        at: m.at,
      });
    }
    return out;
  }

  uploads(): SimUpload[] {
    return this.uploadLog.toArray();
  }

  reset(): void {
    this.messageLog.clear();
    this.readReceipts.clear();
    this.uploadLog.clear();
    this.media.clear();
    this.faults.clear();
    this.throughput?.clear();
    this.pairs?.clear();
    this.counts = { messageCalls: 0, mediaCalls: 0, accepted: 0, refused: 0 };
    this.webhooks.reset();
    this.windows.clear();
  }
}

/** The biz_opaque_callback_data of a recorded message, echoed in its statuses. */
export function bizOpaqueOf(json: string): string | undefined {
  if (!json.includes('biz_opaque_callback_data')) return undefined;
  const v: unknown = (JSON.parse(json) as { biz_opaque_callback_data?: unknown }).biz_opaque_callback_data;
  return typeof v === 'string' ? v : undefined;
}
