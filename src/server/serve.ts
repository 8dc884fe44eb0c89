// Process entry for `flowiq serve`: load config, build the app, start background jobs, listen, shut down in order.
import { buildApp, loggerOptions } from './app.js';
import { undecryptableStoredSecrets } from '../apps/stored-secrets.js';
import { ConfigError, type Config } from '../config.js';
import { createContext } from './context.js';
import { startJobs } from '../jobs/scheduler.js';
import { idempotencyPurge, stalePendingSweep } from '../jobs/sweeps.js';
import { inboundProcessing } from '../jobs/inbound.js';
import { inboundMediaFetching } from '../jobs/inbound-media.js';
import { eventDispatching } from '../jobs/events.js';
import { retentionPurge } from '../jobs/retention.js';
import { templateSyncing } from '../jobs/templates.js';
import { resolveSecret } from '../secret.js';
import { keepTickShapes } from '../tick-shapes.js';

export interface ServeOptions {
  /** `flowiq demo` only: where media URLs are fetched from. */
  rewriteMediaUrl?: (url: string) => string;
}

export async function serve(config: Readonly<Config>, opts: ServeOptions = {}): Promise<() => Promise<void>> {
  keepTickShapes();
  const resolved = resolveSecret(config.secret, config.dataDir);
  const ctx = await createContext(
    config,
    resolved.secret,
    opts.rewriteMediaUrl ? { rewriteMediaUrl: opts.rewriteMediaUrl } : {},
  );
  // A changed FLOWIQ_SECRET would otherwise surface as a 500 on every send (or every webhook):
  // refuse to start instead.
  const undecryptable = await undecryptableStoredSecrets(ctx);
  if (undecryptable !== undefined) {
    await ctx.close();
    throw new ConfigError(
      'FLOWIQ_SECRET',
      `cannot decrypt ${undecryptable}: it is not the secret they were encrypted with. Restore the previous FLOWIQ_SECRET, or set FLOWIQ_SECRET_PREVIOUS to it and run \`flowiq secret reencrypt\`.`,
    );
  }
  const app = await buildApp(ctx, { logger: loggerOptions(config.logLevel) });
  if (resolved.generatedAt) {
    app.log.warn(
      { file: resolved.generatedAt },
      'FLOWIQ_SECRET not set: generated one into the data directory (mode 0600). Set FLOWIQ_SECRET in production.',
    );
  }
  app.log.info({ database: ctx.db.engine }, 'database ready');
  const jobs = await startJobs([
    stalePendingSweep({
      messages: ctx.messages,
      olderThanSeconds: config.pendingUnknownAfterSeconds,
      intervalMs: 60_000,
      log: app.log,
    }),
    idempotencyPurge({ store: ctx.idempotency, intervalMs: 3_600_000, log: app.log }),
    inboundProcessing({ processor: ctx.inbound, intervalMs: 1_000, log: app.log }),
    // After the processor: stopped first, so no media fetch outlives the writes that wake it.
    inboundMediaFetching({ fetcher: ctx.inboundMedia, intervalMs: 5_000 }),
    eventDispatching({ dispatcher: ctx.events, intervalMs: 500 }),
    retentionPurge({
      db: ctx.db,
      receiptsSeconds: config.webhookRetentionSeconds,
      eventsSeconds: config.eventsRetentionSeconds,
      intervalMs: 3_600_000,
      log: app.log,
    }),
    templateSyncing({
      catalogue: ctx.templates,
      organizations: ctx.organizationStore,
      intervalMs: config.templatesSyncIntervalSeconds * 1000,
      log: app.log,
    }),
  ]);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    // A busy port: let go of everything, or the timers and connections keep the process alive.
    await jobs.stop();
    await app.close();
    await ctx.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      app.log.info('shutting down: no new requests, waiting for in-flight ones');
      const timer = setTimeout(() => {
        app.log.error('shutdown grace period over; exiting with requests still in flight');
        process.exit(1);
      }, config.shutdownGraceMs + 1000);
      // Order: background work, then requests (in flight ones finish), then what both use.
      await jobs.stop();
      await app.close();
      await ctx.close();
      clearTimeout(timer);
    })();
    return closing;
  };
  return close;
}
