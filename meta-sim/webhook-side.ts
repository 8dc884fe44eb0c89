// The webhook half of the simulator's state: apps and configuration, the phone directory (WABA
// ids), the status poster, the delivery log and inbound media. SimState owns one.
import { DownloadUrls, InboundMediaStore } from './inbound-media.js';
import { PhoneDirectory } from './phone-info.js';
import { WebhookDispatcher } from './webhook-delivery.js';
import { parseApp, parseConfig } from './webhook-parse.js';
import { StatusPoster } from './webhook-statuses.js';
import type { MetaSimWebhookOptions, SimWebhookConfig } from './webhook-types.js';

export const DEFAULT_WEBHOOK_CONFIG: SimWebhookConfig = {
  statusDelays: { sent: 0, delivered: 500, read: 1500 },
  // Meta retries "with decreasing frequency" for days (docs/META.md §5); a simulator run is shorter.
  retryScheduleMs: [1_000, 5_000, 30_000, 120_000, 600_000],
  timeoutMs: 10_000,
  encoding: 'escaped',
  mediaUrlTtlMs: 5 * 60_000,
  statusContacts: false,
};

const DEFAULT_LOG_LIMIT = 10_000;

export class WebhookSide {
  readonly phones = new PhoneDirectory();
  readonly dispatcher: WebhookDispatcher;
  readonly statuses: StatusPoster;
  readonly media = new InboundMediaStore();
  readonly urls = new DownloadUrls();
  private current: SimWebhookConfig;

  constructor(opts: MetaSimWebhookOptions, logLimit = DEFAULT_LOG_LIMIT) {
    this.current = parseConfig(opts.webhookConfig ?? {}, DEFAULT_WEBHOOK_CONFIG);
    this.dispatcher = new WebhookDispatcher(() => this.current, logLimit);
    this.statuses = new StatusPoster(this.dispatcher, this.phones, () => this.current);
    for (const [phoneId, info] of Object.entries(opts.phoneInfo ?? {})) this.phones.set(phoneId, info);
    for (const app of opts.apps ?? []) this.dispatcher.addApp(parseApp(app));
  }

  config(): SimWebhookConfig {
    return {
      ...this.current,
      statusDelays: { ...this.current.statusDelays },
      retryScheduleMs: [...this.current.retryScheduleMs],
    };
  }

  configure(partial: unknown): void {
    this.current = parseConfig(partial, this.current);
  }

  /** Log, scheduled statuses and retries, status faults and inbound media cleared; apps, configuration and WABA ids kept. */
  reset(): void {
    this.dispatcher.reset();
    this.statuses.faults.clear();
    this.media.clear();
    this.urls.clear();
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
