// Everything a running gateway holds, built once from Config and passed explicitly (no module
// singletons), so a test can hand in a fresh SQLite, a simulator URL or a temp directory.
import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { Config } from '../config.js';
import { MetaAppService } from '../apps/service.js';
import { MetaAppStore } from '../apps/store.js';
import { WebhookProcessor } from '../inbound/processor.js';
import { InboundMediaFetcher, organizationCredentials } from '../inbound/media.js';
import { ReceiptStore } from '../inbound/receipts.js';
import { AgentService } from '../agents/service.js';
import { AgentSessions } from '../agents/sessions.js';
import { AgentStore } from '../agents/store.js';
import { AuthService } from '../auth/service.js';
import { ApiKeyStore } from '../auth/store.js';
import { ContactService } from '../contacts/service.js';
import { ContactStore } from '../contacts/store.js';
import { migrate, openDatabase, type Db, type OpenOptions } from '../db/database.js';
import { EndpointStore } from '../events/endpoint-store.js';
import { EndpointService } from '../events/endpoints.js';
import { dispatcherFor, type Dispatching } from '../events/dispatch-setup.js';
import { DispatchThread } from '../events/dispatch-thread.js';
import { Redis } from 'ioredis';
import { RedisIdempotencyStore } from '../idempotency/redis-store.js';
import { SqlIdempotencyStore } from '../idempotency/sql-store.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import { createMediaService, type MediaService } from '../media/service.js';
import { SendService } from '../messages/service.js';
import { OutcomeWriter } from '../messages/settle.js';
import { MessageStore } from '../conversations/store.js';
import { SendWindows } from '../conversations/window.js';
import { TemplateChecks } from '../messages/template-send.js';
import { MetaClient } from '../meta/client.js';
import { OrganizationService } from '../organizations/service.js';
import { OrganizationStore } from '../organizations/store.js';
import { TokenCipher } from '../organizations/token-cipher.js';
import { TemplateCatalogueService } from '../templates/catalogue.js';
import { TemplateStore } from '../templates/store.js';
import type { ChangeFeed } from '../live/bus.js';
import { createChangeBus } from '../live/create.js';

export interface AppContext {
  config: Readonly<Config>;
  secret: string;
  db: Db;
  organizations: OrganizationService;
  organizationStore: OrganizationStore;
  /** Meta apps: `flowiq app`, and the webhook route's lookups (appForWebhook, organizationForPhoneNumber). */
  apps: MetaAppService;
  /** Meta's webhooks: bodies committed on receipt, then processed in the background. */
  receipts: ReceiptStore;
  inbound: WebhookProcessor;
  /** Media customers sent: fetched from Meta and stored in the background (jobs/inbound-media.ts starts it). */
  inboundMedia: InboundMediaFetcher;
  auth: AuthService;
  /** The inbox's agents: `flowiq agent`, sign-in and sessions (src/agents/). */
  agents: AgentService;
  contacts: ContactService;
  /** The organizations' webhook endpoints: `flowiq endpoint`, /api/webhook-endpoints, and their signing secrets. */
  endpoints: EndpointService;
  /** Delivers committed events to the endpoints (jobs/events.ts starts it), here or in its own thread. */
  events: Dispatching;
  messages: MessageStore;
  outcomes: OutcomeWriter;
  meta: MetaClient;
  media: MediaService;
  send: SendService;
  /** Each organization's message templates from Meta (src/templates/; jobs/templates.ts syncs them). */
  templates: TemplateCatalogueService;
  redis: Redis | undefined;
  /** The inbox's live change hints: published after commits, streamed by src/live/routes.ts. */
  live: ChangeFeed;
  idempotency: IdempotencyStore;
  close(): Promise<void>;
}

export interface ContextOptions {
  db?: Db;
  dbOptions?: OpenOptions;
  migrate?: boolean;
  onBackgroundError?: (err: unknown) => void;
  /** Where background work logs; a pino logger at the configured level by default. */
  logger?: Logger;
  /** `flowiq demo` only: where media URLs are fetched from (its loopback samples for example.com). */
  rewriteMediaUrl?: (url: string) => string;
}

export async function createContext(
  config: Readonly<Config>,
  secret: string,
  opts: ContextOptions = {},
): Promise<AppContext> {
  const db = opts.db ?? openDatabase(config.database, opts.dbOptions);
  if (opts.migrate !== false) await migrate(db);
  const organizationStore = new OrganizationStore(db);
  const cipher = new TokenCipher(secret, config.previousSecret);
  const organizations = new OrganizationService(organizationStore, cipher);
  const apps = new MetaAppService(new MetaAppStore(db), cipher);
  const auth = new AuthService(new ApiKeyStore(db), organizationStore, opts.onBackgroundError);
  const agentStore = new AgentStore(db);
  const agents = new AgentService({
    store: agentStore,
    organizations: organizationStore,
    publicUrl: config.publicUrl,
    passwordLinkSeconds: config.inbox.passwordLinkSeconds,
    sessions: new AgentSessions({
      store: agentStore,
      organizations: organizationStore,
      idleSeconds: config.inbox.sessionIdleSeconds,
      maxSeconds: config.inbox.sessionMaxSeconds,
      failuresPerAccount: config.inbox.signInFailuresPerAccount,
      failuresPerAddress: config.inbox.signInFailuresPerAddress,
    }),
  });
  const contacts = new ContactService(new ContactStore(db));
  const endpoints = new EndpointService(new EndpointStore(db), cipher, {
    allowPrivateNetworks: config.events.allowPrivateNetworks,
  });
  const messages = new MessageStore(db);
  const meta = new MetaClient({
    graphUrl: config.meta.graphUrl,
    apiVersion: config.meta.apiVersion,
    connectTimeoutMs: config.meta.connectTimeoutMs,
    timeoutMs: config.meta.timeoutMs,
    retryBudgetMs: config.meta.retryBudgetMs,
  });
  const media = createMediaService({
    config: config.media,
    publicUrl: config.publicUrl,
    secret,
    previousSecret: config.previousSecret,
    tmpDir: path.join(config.dataDir, 'tmp'),
    rewriteUrl: opts.rewriteMediaUrl,
  });
  const log = opts.logger ?? pino({ level: config.logLevel });
  // Fail fast while Redis is down (one retry, 2 s connect timeout): callers answer 503 soon; the
  // offline queue stays on so commands issued before the first connect wait for it.
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: true,
        connectTimeout: 2000,
        lazyConnect: false,
      })
    : undefined;
  const live = createChangeBus({ config, db, redis, log });
  const outcomes = new OutcomeWriter(log);
  const receipts = new ReceiptStore(db);
  const inboundMedia = new InboundMediaFetcher({
    db,
    meta,
    credentials: organizationCredentials(organizationStore, organizations),
    storage: media.storage,
    tmpDir: path.join(config.dataDir, 'tmp'),
    log,
    downloadTimeoutMs: config.media.downloadTimeoutMs,
  });
  // A thread needs its own connection to the same database: not to an in-memory one, nor to one
  // handed in (a test's), whose options it cannot know.
  const threaded =
    config.events.dispatch === 'thread' &&
    opts.db === undefined &&
    !(config.database.kind === 'sqlite' && config.database.file === ':memory:');
  const events: Dispatching = threaded
    ? new DispatchThread({ config, secret, dbOptions: { ...opts.dbOptions, poolSize: 4 } }, log)
    : dispatcherFor(config, { db, cipher, signer: media.signer, log });
  const inbound = new WebhookProcessor({
    db,
    routing: apps,
    log,
    onMediaStored: () => inboundMedia.wake(),
    onCommitted: () => events.wake(),
    live,
  });
  const templates = new TemplateCatalogueService({
    store: new TemplateStore(db),
    meta,
    organizations: organizationStore,
    decryptToken: (org) => organizations.decryptToken(org),
    log,
  });
  const send = new SendService({
    contacts,
    messages,
    outcomes,
    meta,
    media,
    templates: new TemplateChecks(templates, config.sendCacheMs),
    windows: new SendWindows(db, config.windowCheck, config.sendCacheMs),
    decryptToken: (org) => organizations.decryptToken(org),
    live,
  });
  const idempotency: IdempotencyStore = redis
    ? new RedisIdempotencyStore(redis, config.idempotencyTtlSeconds)
    : new SqlIdempotencyStore(db, config.idempotencyTtlSeconds);
  return {
    config,
    secret,
    db,
    organizations,
    organizationStore,
    apps,
    receipts,
    inbound,
    inboundMedia,
    auth,
    agents,
    contacts,
    endpoints,
    events,
    messages,
    outcomes,
    meta,
    media,
    send,
    templates,
    redis,
    live,
    idempotency,
    close: async () => {
      await outcomes.stop();
      await inbound.idle();
      await inboundMedia.stop();
      await events.stop();
      await templates.idle();
      await live.close();
      redis?.disconnect();
      await meta.close();
      await media.close();
      await db.close();
    },
  };
}
