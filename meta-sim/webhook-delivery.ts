// Posting webhooks to the apps' callbacks as Meta does (docs/META.md §5): only HTTP 200 counts as
// delivered; anything else, or no answer, is retried on a schedule, then given up. Every delivery
// and each of its attempts is kept in a bounded log (GET /_sim/webhooks).
import { randomInt } from 'node:crypto';
import { Agent, request } from 'undici';
import { Ring } from './ring.js';
import { encodeWebhook } from './webhook-encoding.js';
import type {
  SimWebhookApp,
  SimWebhookAttempt,
  SimWebhookConfig,
  SimWebhookDelivery,
  SimVerifyResult,
  WebhookEncoding,
  WebhookKind,
} from './webhook-types.js';

/** One entry[] item of the envelope: a WABA and its changes (template changes also carry `time`). */
export interface WebhookEntry {
  id: string;
  time?: number;
  changes: ({ value: Record<string, unknown>; field: string } | { field: string; value: Record<string, unknown> })[];
}

type App = SimWebhookApp & { id: string };

interface DeliveryRecord {
  id: string;
  app: App;
  kind: WebhookKind;
  state: 'pending' | 'delivered' | 'failed';
  body: string;
  signature: string;
  encoding: WebhookEncoding;
  wamids: string[];
  statuses: string[];
  attempts: SimWebhookAttempt[];
  createdAt: number;
  generation: number;
}

/** Meta's crawler's User-Agent, which receivers sometimes log or filter on. */
const USER_AGENT = 'facebookexternalua';

export class WebhookDispatcher {
  private readonly apps = new Map<string, App>();
  private appNumber = 0;
  private deliveryNumber = 0;
  private readonly log: Ring<DeliveryRecord>;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Bumped by reset(): work scheduled before it is dropped when it comes due. */
  private generation = 0;
  private closed = false;
  private readonly agent = new Agent({ keepAliveTimeout: 2_000, connections: 32 });

  constructor(
    private readonly config: () => SimWebhookConfig,
    logLimit: number,
  ) {
    this.log = new Ring(logLimit);
  }

  get active(): boolean {
    return this.apps.size > 0;
  }

  addApp(app: SimWebhookApp): string {
    checkApp(app);
    const id = app.id ?? `app-${++this.appNumber}`;
    this.apps.set(id, { ...app, id, ...(app.wabas !== undefined ? { wabas: [...app.wabas] } : {}) });
    return id;
  }

  removeApps(): void {
    this.apps.clear();
  }

  appList(): App[] {
    return [...this.apps.values()].map((a) => ({ ...a }));
  }

  /** Runs fn after ms unless reset() or close() comes first. */
  later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const generation = this.generation;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (generation === this.generation && !this.closed) fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * Posts the entries to every app subscribed to at least one of their WABAs (each app sees only
   * its WABAs' entries). Resolves, with the delivery ids, once each delivery's first attempt has
   * been answered or has failed.
   */
  async dispatch(entries: WebhookEntry[], kind: WebhookKind, encoding: WebhookEncoding | undefined): Promise<string[]> {
    if (this.closed) return [];
    const firsts: Promise<void>[] = [];
    const ids: string[] = [];
    for (const app of this.apps.values()) {
      const mine = app.wabas === undefined ? entries : entries.filter((e) => app.wabas?.includes(e.id) === true);
      if (mine.length === 0) continue;
      const chosen = encoding ?? app.encoding ?? this.config().encoding;
      const { body, signature } = encodeWebhook(
        { object: 'whatsapp_business_account', entry: mine },
        app.appSecret,
        chosen,
      );
      const summary = summarize(mine, kind);
      const rec: DeliveryRecord = {
        id: `wh-${++this.deliveryNumber}`,
        app,
        kind,
        state: 'pending',
        body,
        signature,
        encoding: chosen,
        wamids: summary.wamids,
        statuses: summary.statuses,
        attempts: [],
        createdAt: Date.now(),
        generation: this.generation,
      };
      this.log.push(rec);
      ids.push(rec.id);
      firsts.push(this.attempt(rec));
    }
    await Promise.all(firsts);
    return ids;
  }

  private async attempt(rec: DeliveryRecord): Promise<void> {
    if (this.closed || rec.generation !== this.generation) return;
    const timeoutMs = this.config().timeoutMs;
    const at = Date.now();
    try {
      const res = await request(rec.app.callbackUrl, {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': rec.signature,
          'user-agent': USER_AGENT,
        },
        body: rec.body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body.dump();
      // A reset while the attempt was in flight: the delivery is forgotten, so is its outcome.
      if (rec.generation !== this.generation) return;
      rec.attempts.push({ at, status: res.statusCode, ms: Date.now() - at });
      if (res.statusCode === 200) {
        rec.state = 'delivered';
        return;
      }
    } catch (err) {
      if (this.closed || rec.generation !== this.generation) return;
      rec.attempts.push({ at, error: describe(err), ms: Date.now() - at });
    }
    this.retry(rec);
  }

  private retry(rec: DeliveryRecord): void {
    const schedule = this.config().retryScheduleMs;
    const wait = schedule[rec.attempts.length - 1];
    if (wait === undefined) {
      rec.state = 'failed';
      return;
    }
    this.later(wait, () => void this.attempt(rec));
  }

  /**
   * The GET Meta sends when a callback URL is saved (docs/META.md §5.1): verified only by a 200
   * whose body is exactly the challenge. No body, no signature.
   */
  async verify(target: { appId?: string; callbackUrl?: string; verifyToken: string }): Promise<SimVerifyResult> {
    let callbackUrl = target.callbackUrl;
    if (target.appId !== undefined) {
      const app = this.apps.get(target.appId);
      if (app === undefined) throw new TypeError(`no app has the id "${target.appId}"`);
      callbackUrl = app.callbackUrl;
    }
    if (callbackUrl === undefined) throw new TypeError('name an app (app_id) or a callback_url');
    const url = new URL(callbackUrl);
    const challenge = String(randomInt(100_000_000, 2_000_000_000));
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.challenge', challenge);
    url.searchParams.set('hub.verify_token', target.verifyToken);
    const timeoutMs = this.config().timeoutMs;
    try {
      const res = await request(url, {
        method: 'GET',
        dispatcher: this.agent,
        headers: { 'user-agent': USER_AGENT },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = await res.body.text();
      return {
        verified: res.statusCode === 200 && body === challenge,
        callbackUrl,
        challenge,
        status: res.statusCode,
        body,
      };
    } catch (err) {
      return { verified: false, callbackUrl, challenge, error: describe(err) };
    }
  }

  deliveries(): SimWebhookDelivery[] {
    return this.log.toArray().map((r) => ({
      id: r.id,
      appId: r.app.id,
      callbackUrl: r.app.callbackUrl,
      kind: r.kind,
      state: r.state,
      body: r.body,
      signature: r.signature,
      encoding: r.encoding,
      payload: JSON.parse(r.body) as unknown,
      wamids: [...r.wamids],
      statuses: [...r.statuses],
      attempts: r.attempts.map((a) => ({ ...a })),
      createdAt: r.createdAt,
    }));
  }

  /** Forgets the log and cancels every scheduled status and retry; apps stay. */
  reset(): void {
    this.generation += 1;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.log.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.agent.destroy();
  }
}

function checkApp(app: SimWebhookApp): void {
  let url: URL;
  try {
    url = new URL(app.callbackUrl);
  } catch {
    throw new TypeError(`callbackUrl is not a URL: "${app.callbackUrl}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('callbackUrl must be http(s)');
  if (typeof app.appSecret !== 'string' || app.appSecret === '') throw new TypeError('appSecret must be non-empty');
}

function summarize(entries: WebhookEntry[], kind: WebhookKind): { wamids: string[]; statuses: string[] } {
  const wamids: string[] = [];
  const statuses: string[] = [];
  for (const e of entries) {
    for (const c of e.changes) {
      const items = c.value[kind];
      if (!Array.isArray(items)) continue;
      for (const item of items as Record<string, unknown>[]) {
        if (typeof item['id'] === 'string') wamids.push(item['id']);
        if (kind === 'statuses' && typeof item['status'] === 'string') statuses.push(item['status']);
      }
    }
  }
  return { wamids, statuses };
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
