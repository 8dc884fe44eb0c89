// The only reader of process.env. Parses, validates and freezes every setting once at start,
// and names the offending variable when one is wrong (README: Configuration).
import { isIP } from 'node:net';
import path from 'node:path';
import { checkHttpUrl } from './lib/http-url.js';

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string } // file is ':memory:' for an in-memory database
  | { kind: 'postgres'; url: string };

export type MediaStorageConfig =
  | { kind: 'fs'; dir: string }
  | {
      kind: 's3';
      bucket: string;
      endpoint: string | undefined;
      region: string;
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
      forcePathStyle: boolean;
    };

/**
 * TRUST_PROXY: whose X-Forwarded-For the gateway believes for a client's address (and
 * X-Forwarded-Proto / -Host). false: nobody's, the peer is the client. hops: that many proxies in
 * front, whatever their addresses. addresses: only peers at these addresses or CIDR ranges.
 */
export type TrustProxyConfig = false | { hops: number } | { addresses: readonly string[] };

export interface Config {
  nodeEnv: string;
  production: boolean;
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  database: DatabaseConfig;
  /** undefined until src/secret.ts resolves it (from env, or the generated file in dataDir). */
  secret: string | undefined;
  /** FLOWIQ_SECRET_PREVIOUS: during a rotation, still verifies media URLs and decrypts tokens. */
  previousSecret: string | undefined;
  logLevel: string;
  meta: {
    graphUrl: string;
    apiVersion: string;
    connectTimeoutMs: number;
    timeoutMs: number;
    retryBudgetMs: number;
  };
  media: {
    storage: MediaStorageConfig;
    urlTtlSeconds: number;
    allowPrivateNetworks: boolean;
    downloadTimeoutMs: number;
    connectTimeoutMs: number;
  };
  events: {
    /** Endpoint URLs may be plain http and point at loopback or private addresses (development only). */
    allowPrivateNetworks: boolean;
    /** One delivery's deadline: connect, send, and the receiver's answer. */
    timeoutMs: number;
    /**
     * How long a claim holds a delivery (EVENTS_LEASE_MS): a dead instance's claims are delivered
     * again once it passes. Longer than a delivery can take, so no live claim is ever taken over.
     */
    leaseMs: number;
    /** Deliveries in flight at once, from this instance (EVENTS_CONCURRENCY). */
    concurrency: number;
    /**
     * Deliveries in flight at once to one endpoint (EVENTS_PER_ENDPOINT): a conversation's events
     * go one at a time, so this is how many conversations an endpoint receives at once.
     */
    perEndpoint: number;
    /**
     * EVENTS_DISPATCH: `inline` delivers from the serving thread; `thread` from a worker thread
     * with its own database connection (events/dispatch-thread.ts). On SQLite the two connections'
     * writes then wait for each other, which measured slower while webhooks arrive. An in-memory
     * SQLite database is always inline (a thread cannot share it).
     */
    dispatch: 'thread' | 'inline';
    /** EVENTS_FIRST_RETRY_MS: the wait before a failed delivery's first retry; each next one doubles, up to an hour. */
    firstRetryMs: number;
  };
  /** How long processed webhook receipts (Meta's raw bodies) are kept, in seconds. */
  webhookRetentionSeconds: number;
  /** How long settled events (and their delivery log) are kept, in seconds. */
  eventsRetentionSeconds: number;
  /** How often every organization's template catalogue is synced from Meta (TEMPLATES_SYNC_INTERVAL). */
  templatesSyncIntervalSeconds: number;
  /**
   * WINDOW_CHECK: which organizations have free-form sends outside the 24-hour window refused
   * (conversations/window.ts): those that receive Meta's webhooks (a Meta app), all, or none.
   * An organization's own `window_check` overrides it.
   */
  windowCheck: 'webhooks' | 'always' | 'off';
  /**
   * SEND_CACHE_MS: how long a send reuses a template read from the catalogue and an open 24-hour
   * window (ms); 0 reads both for every send.
   */
  sendCacheMs: number;
  redisUrl: string | undefined;
  rateLimitPerKey: number;
  idempotencyTtlSeconds: number;
  pendingUnknownAfterSeconds: number;
  shutdownGraceMs: number;
  bodyLimitBytes: number;
  trustProxy: TrustProxyConfig;
  /** The inbox's agents (src/agents/, docs/INBOX.md). */
  inbox: {
    /** INBOX_SESSION_IDLE: a session unused this long ends (seconds). */
    sessionIdleSeconds: number;
    /** INBOX_SESSION_MAX: a session ends this long after sign-in, used or not (seconds). */
    sessionMaxSeconds: number;
    /** INBOX_PASSWORD_LINK_TTL: how long a set-password link works (seconds). */
    passwordLinkSeconds: number;
    /** INBOX_SIGNIN_FAILURES_PER_ACCOUNT / _PER_ADDRESS: failed sign-ins allowed per 15 minutes. */
    signInFailuresPerAccount: number;
    signInFailuresPerAddress: number;
  };
  /** The inbox's live updates (src/live/, docs/INBOX-API.md "Live updates"). */
  live: {
    /**
     * LIVE_BUS: how change hints reach every instance's streams. auto: Redis pub/sub when
     * REDIS_URL is set, else PostgreSQL LISTEN/NOTIFY on PostgreSQL, else in-process.
     */
    bus: 'auto' | 'memory' | 'redis' | 'postgres';
    /** LIVE_STREAMS_PER_AGENT: open streams one agent may hold on one instance. */
    streamsPerAgent: number;
    /** LIVE_STREAMS_MAX: open streams one instance holds at most. */
    streamsMax: number;
    /** LIVE_HEARTBEAT: how often an idle stream gets a comment, and its session is checked (seconds). */
    heartbeatSeconds: number;
  };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function optional(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = str(env, name, fallback);
  if (!(values as readonly string[]).includes(raw))
    throw new ConfigError(name, `must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** Durations like "30s", "5m", "24h", "365d", or plain seconds. */
export function parseDuration(raw: string): number | undefined {
  const m = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  if (!m) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

function duration(env: Env, name: string, fallbackSeconds: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallbackSeconds;
  const s = parseDuration(raw);
  if (s === undefined || s <= 0)
    throw new ConfigError(name, `must be a duration such as 30s, 5m, 24h or 365d, got "${raw}"`);
  return s;
}

function httpUrl(name: string, raw: string): string {
  const check = checkHttpUrl(raw);
  if (!check.ok)
    throw new ConfigError(
      name,
      check.problem === 'port'
        ? `must be an http(s) URL; port ${check.port} is out of range (0 to 65535)`
        : `must be an http(s) URL, got "${raw}"`,
    );
  return raw.replace(/\/+$/, '');
}

const TRUST_PROXY_FORMS =
  'false, a hop count such as 1, or proxy addresses and CIDR ranges such as 127.0.0.1,10.0.0.0/8';

function isAddressOrRange(value: string): boolean {
  const [address = '', bits, extra] = value.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
}

function trustProxy(env: Env): TrustProxyConfig {
  const raw = optional(env, 'TRUST_PROXY')?.trim();
  if (raw === undefined || /^(false|no|off|0)$/i.test(raw)) return false;
  // Trusting every peer would let any client that reaches the gateway directly choose its address.
  if (/^(true|yes|on)$/i.test(raw))
    throw new ConfigError('TRUST_PROXY', `must be ${TRUST_PROXY_FORMS}; "${raw}" would trust any client's header`);
  if (/^\d+$/.test(raw)) return { hops: int(env, 'TRUST_PROXY', 0, 1, 10) };
  const addresses = raw.split(',').map((a) => a.trim());
  if (!addresses.every(isAddressOrRange))
    throw new ConfigError('TRUST_PROXY', `must be ${TRUST_PROXY_FORMS}; got "${raw}"`);
  return { addresses };
}

export function parseDatabaseUrl(raw: string): DatabaseConfig {
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      const u = new URL(raw);
      if (!u.hostname && !u.searchParams.get('host')) throw new Error('no host');
    } catch {
      throw new ConfigError('DATABASE_URL', `is not a valid PostgreSQL URL`);
    }
    return { kind: 'postgres', url: raw };
  }
  if (raw.startsWith('sqlite:')) {
    const file = raw.slice('sqlite:'.length);
    if (file === '')
      throw new ConfigError('DATABASE_URL', 'sqlite: needs a path, e.g. sqlite:data/flowiq.db or sqlite::memory:');
    return { kind: 'sqlite', file: file === ':memory:' ? ':memory:' : path.resolve(file) };
  }
  throw new ConfigError(
    'DATABASE_URL',
    'must start with postgres://, postgresql:// or sqlite: (e.g. sqlite:data/flowiq.db)',
  );
}

function mediaStorage(env: Env, dataDir: string): MediaStorageConfig {
  const kind = str(env, 'MEDIA_STORAGE', 'fs');
  if (kind === 'fs') return { kind: 'fs', dir: path.resolve(str(env, 'MEDIA_DIR', path.join(dataDir, 'media'))) };
  if (kind !== 's3') throw new ConfigError('MEDIA_STORAGE', `must be fs or s3, got "${kind}"`);
  const bucket = optional(env, 'S3_BUCKET');
  if (!bucket) throw new ConfigError('S3_BUCKET', 'is required when MEDIA_STORAGE=s3');
  const endpoint = optional(env, 'S3_ENDPOINT');
  return {
    kind: 's3',
    bucket,
    endpoint: endpoint === undefined ? undefined : httpUrl('S3_ENDPOINT', endpoint),
    region: str(env, 'S3_REGION', 'us-east-1'),
    accessKeyId: optional(env, 'S3_ACCESS_KEY_ID'),
    secretAccessKey: optional(env, 'S3_SECRET_ACCESS_KEY'),
    forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', endpoint !== undefined),
  };
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const nodeEnv = str(env, 'NODE_ENV', 'development');
  const production = nodeEnv === 'production';
  const dataDir = path.resolve(str(env, 'DATA_DIR', 'data'));
  const host = str(env, 'HOST', production ? '0.0.0.0' : '127.0.0.1');
  const port = int(env, 'PORT', 3000, 0, 65535);
  const secret = optional(env, 'FLOWIQ_SECRET');
  if (secret !== undefined && secret.length < 32)
    throw new ConfigError('FLOWIQ_SECRET', 'must be at least 32 characters');
  if (production && secret === undefined)
    throw new ConfigError('FLOWIQ_SECRET', 'is required when NODE_ENV=production');
  // Signed media URLs live a year: defaulting them to a loopback address in production would hand
  // out a year of links nobody can open.
  if (production && optional(env, 'PUBLIC_URL') === undefined)
    throw new ConfigError(
      'PUBLIC_URL',
      'is required when NODE_ENV=production (signed media URLs are built from it and live for a year)',
    );
  const previousSecret = optional(env, 'FLOWIQ_SECRET_PREVIOUS');
  if (previousSecret !== undefined && previousSecret.length < 32)
    throw new ConfigError('FLOWIQ_SECRET_PREVIOUS', 'must be at least 32 characters');
  if (previousSecret !== undefined && secret === undefined)
    throw new ConfigError('FLOWIQ_SECRET_PREVIOUS', 'needs FLOWIQ_SECRET set to the new secret');
  const apiVersion = str(env, 'META_API_VERSION', 'v23.0');
  if (!/^v\d+\.\d+$/.test(apiVersion))
    throw new ConfigError('META_API_VERSION', `must look like v23.0, got "${apiVersion}"`);
  const logLevel = str(env, 'LOG_LEVEL', 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(
      'LOG_LEVEL',
      `must be one of fatal, error, warn, info, debug, trace, silent; got "${logLevel}"`,
    );
  }
  const eventsTimeoutMs = int(env, 'EVENTS_TIMEOUT_MS', 10_000, 100, 120_000);
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const config: Config = {
    nodeEnv,
    production,
    host,
    port,
    publicUrl: httpUrl('PUBLIC_URL', str(env, 'PUBLIC_URL', `http://${publicHost}:${port}`)),
    dataDir,
    database: parseDatabaseUrl(str(env, 'DATABASE_URL', `sqlite:${path.join(dataDir, 'flowiq.db')}`)),
    secret,
    previousSecret,
    logLevel,
    meta: {
      graphUrl: httpUrl('META_GRAPH_URL', str(env, 'META_GRAPH_URL', 'https://graph.facebook.com')),
      apiVersion,
      connectTimeoutMs: int(env, 'META_CONNECT_TIMEOUT_MS', 5_000, 1, 600_000),
      timeoutMs: int(env, 'META_TIMEOUT_MS', 30_000, 1, 600_000),
      retryBudgetMs: int(env, 'META_RETRY_BUDGET_MS', 10_000, 0, 600_000),
    },
    media: {
      storage: mediaStorage(env, dataDir),
      urlTtlSeconds: duration(env, 'MEDIA_URL_TTL', 365 * 86400),
      allowPrivateNetworks: bool(env, 'MEDIA_ALLOW_PRIVATE_NETWORKS', false),
      downloadTimeoutMs: int(env, 'MEDIA_DOWNLOAD_TIMEOUT_MS', 120_000, 1, 3_600_000),
      connectTimeoutMs: int(env, 'MEDIA_CONNECT_TIMEOUT_MS', 10_000, 1, 600_000),
    },
    events: {
      allowPrivateNetworks: bool(env, 'EVENTS_ALLOW_PRIVATE_NETWORKS', false),
      timeoutMs: eventsTimeoutMs,
      // At least a second beyond the POST's deadline, for the endpoint's read and the settlement.
      leaseMs: int(
        env,
        'EVENTS_LEASE_MS',
        Math.max(120_000, 2 * eventsTimeoutMs + 30_000),
        eventsTimeoutMs + 1000,
        86_400_000,
      ),
      // 128 in flight per endpoint: what delivers 2,000 events/s while 2,000 statuses/s arrive, with a
      // p99 delay of 50 ms (16: 1,698/s, p99 4.2 s; docs/PERFORMANCE.md). A conversation's events go
      // one at a time, so depth is what carries a busy endpoint.
      concurrency: int(env, 'EVENTS_CONCURRENCY', 512, 1, 4096),
      perEndpoint: int(env, 'EVENTS_PER_ENDPOINT', 128, 1, 1024),
      dispatch: oneOf(env, 'EVENTS_DISPATCH', ['thread', 'inline'] as const, 'inline'),
      firstRetryMs: int(env, 'EVENTS_FIRST_RETRY_MS', 5_000, 10, 3_600_000),
    },
    webhookRetentionSeconds: duration(env, 'WEBHOOK_RETENTION', 14 * 86_400),
    eventsRetentionSeconds: duration(env, 'EVENTS_RETENTION', 30 * 86_400),
    templatesSyncIntervalSeconds: duration(env, 'TEMPLATES_SYNC_INTERVAL', 3600),
    windowCheck: oneOf(env, 'WINDOW_CHECK', ['webhooks', 'always', 'off'] as const, 'webhooks'),
    sendCacheMs: int(env, 'SEND_CACHE_MS', 1000, 0, 60_000),
    redisUrl: optional(env, 'REDIS_URL'),
    rateLimitPerKey: int(env, 'RATE_LIMIT_PER_KEY', 1000, 0, 10_000_000),
    idempotencyTtlSeconds: duration(env, 'IDEMPOTENCY_TTL', 24 * 3600),
    pendingUnknownAfterSeconds: duration(env, 'PENDING_UNKNOWN_AFTER', 300),
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 100 * 1_048_576),
    trustProxy: trustProxy(env),
    inbox: {
      sessionIdleSeconds: duration(env, 'INBOX_SESSION_IDLE', 12 * 3600),
      sessionMaxSeconds: duration(env, 'INBOX_SESSION_MAX', 7 * 86_400),
      passwordLinkSeconds: duration(env, 'INBOX_PASSWORD_LINK_TTL', 72 * 3600),
      signInFailuresPerAccount: int(env, 'INBOX_SIGNIN_FAILURES_PER_ACCOUNT', 5, 1, 1_000_000),
      signInFailuresPerAddress: int(env, 'INBOX_SIGNIN_FAILURES_PER_ADDRESS', 50, 1, 1_000_000),
    },
    live: {
      bus: oneOf(env, 'LIVE_BUS', ['auto', 'memory', 'redis', 'postgres'] as const, 'auto'),
      streamsPerAgent: int(env, 'LIVE_STREAMS_PER_AGENT', 8, 1, 1000),
      streamsMax: int(env, 'LIVE_STREAMS_MAX', 2000, 1, 1_000_000),
      heartbeatSeconds: duration(env, 'LIVE_HEARTBEAT', 15),
    },
  };
  // Each sync reads every page of every organization's templates from Meta's rate-limited API.
  if (config.templatesSyncIntervalSeconds < 60)
    throw new ConfigError('TEMPLATES_SYNC_INTERVAL', `must be at least 60s, got "${env['TEMPLATES_SYNC_INTERVAL']}"`);
  if (config.live.bus === 'redis' && config.redisUrl === undefined)
    throw new ConfigError('LIVE_BUS', 'is redis, which needs REDIS_URL');
  if (config.live.bus === 'postgres' && config.database.kind !== 'postgres')
    throw new ConfigError('LIVE_BUS', 'is postgres, which needs a PostgreSQL DATABASE_URL');
  if (config.redisUrl !== undefined && !/^rediss?:\/\//.test(config.redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must start with redis:// or rediss://');
  }
  return Object.freeze(config);
}
