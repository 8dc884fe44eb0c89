// Fixtures for the live feed: gateways that listen on loopback (a stream cannot be inject()ed),
// one or two instances over one database, a signed-in agent's cookie, and a small SSE client.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/server/app.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { createContext } from '../../src/server/context.js';
import { TEST_SECRET, testConfig, type TestGateway } from '../helpers/app.js';
import { freshDb, type EngineName } from '../helpers/db.js';
import { PASSWORD, inboxClient, linkToken } from '../agents/helpers.js';
import { seedApp, seedWebhookTenant, type WebhookTenant } from '../inbound/helpers.js';

export interface LiveGateway extends TestGateway {
  url: string;
}

/** No Meta call of these tests leaves loopback: a closed port answers at once. */
const BASE_ENV = { META_GRAPH_URL: 'http://127.0.0.1:9', META_RETRY_BUDGET_MS: '0', RATE_LIMIT_PER_KEY: '0' };

async function listening(db: Db, env: Record<string, string>, owns: () => Promise<void>): Promise<LiveGateway> {
  const config = testConfig({ ...BASE_ENV, ...env });
  const ctx = await createContext(config, TEST_SECRET, { db, migrate: false });
  const app = await buildApp(ctx, { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    ctx,
    config,
    dataDir: config.dataDir,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await ctx.close();
      await owns();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `count` instances over one fresh database (SQLite: one file, a connection each; PostgreSQL: one
 * schema, a pool each), as gateways scaled out run. The first seeds the Meta app.
 */
export async function startInstances(
  engine: EngineName,
  count: number,
  env: Record<string, string> = {},
): Promise<LiveGateway[]> {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'flowiq-live-'));
  const file = path.join(dir, 'flowiq.db');
  const fresh = await freshDb(engine, engine === 'sqlite' ? { file } : {});
  const open = (): Db =>
    engine === 'sqlite'
      ? openDatabase({ kind: 'sqlite', file })
      : openDatabase(
          { kind: 'postgres', url: process.env.TEST_DATABASE_URL! },
          { searchPath: fresh.searchPath!, poolSize: 5 },
        );
  const gateways: LiveGateway[] = [];
  // The first instance keeps the fresh database (and drops it, last); the others open their own.
  gateways.push(
    await listening(fresh.db, env, async () => {
      // ctx.close() has closed the connection; PostgreSQL's schema is dropped here (a second
      // close of a pool is harmless, of a SQLite checkpointer it is not).
      if (engine === 'postgres') await fresh.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }),
  );
  for (let i = 1; i < count; i++) gateways.push(await listening(open(), env, async () => undefined));
  await seedApp(gateways[0]!);
  return gateways;
}

export async function closeAll(gateways: LiveGateway[]): Promise<void> {
  // The first owns the database: it goes last.
  for (const gw of [...gateways].reverse()) await gw.close();
}

/** A new organization on the Meta app, and the cookie of a signed-in agent of it. */
export async function agentOf(gw: LiveGateway): Promise<{ tenant: WebhookTenant; cookie: string }> {
  const tenant = await seedWebhookTenant(gw);
  const email = `agent-${tenant.slug}@example.com`;
  const created = await gw.ctx.agents.create({ orgSlug: tenant.slug, email, role: 'agent' });
  const client = inboxClient(gw.app);
  await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
  const res = await client.signIn(tenant.slug, email, PASSWORD);
  if (res.statusCode !== 200) throw new Error(`sign-in answered ${res.statusCode}: ${res.body}`);
  const value = res.cookies.find((c) => c.name === 'flowiq_session')!.value;
  return { tenant, cookie: `flowiq_session=${value}` };
}

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
}

export interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as received so far. */
  raw(): string;
  events: SseEvent[];
  /** The first event (from `from` on) that matches, waiting for it until the deadline. */
  next(match: (e: SseEvent) => boolean, opts?: { from?: number; ms?: number }): Promise<SseEvent>;
  /** Resolves once the body so far matches (a comment, which is no event), within the deadline. */
  comment(match: RegExp, ms?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

function parseEvent(block: string): SseEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? undefined : { event, id, data: data.join('\n') };
}

/** GET the stream; resolves with the response's head, then collects its events. */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/inbox/api/stream`, { headers: { accept: 'text/event-stream', ...headers } });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      let pending = '';
      const events: SseEvent[] = [];
      const waiters = new Set<() => void>();
      const ended = new Promise<void>((done) => res.on('close', done));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        pending += chunk;
        let at: number;
        while ((at = pending.indexOf('\n\n')) >= 0) {
          const e = parseEvent(pending.slice(0, at));
          pending = pending.slice(at + 2);
          if (e) events.push(e);
        }
        for (const w of waiters) w();
      });
      res.on('error', () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        raw: () => body,
        events,
        ended,
        close: () => req.destroy(),
        comment: (match, ms = 15_000) =>
          new Promise<void>((found, fail) => {
            const check = () => {
              if (!match.test(body)) return;
              waiters.delete(check);
              clearTimeout(timer);
              found();
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no ${String(match)} within ${ms} ms; got ${JSON.stringify(body)}`));
            }, ms);
            waiters.add(check);
            check();
          }),
        next: (match, opts = {}) =>
          new Promise<SseEvent>((found, fail) => {
            const check = () => {
              const e = events.slice(opts.from ?? 0).find(match);
              if (!e) return false;
              waiters.delete(check);
              clearTimeout(timer);
              found(e);
              return true;
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no matching event within ${opts.ms ?? 15_000} ms; got ${JSON.stringify(events)}`));
            }, opts.ms ?? 15_000);
            waiters.add(check);
            check();
          }),
      });
    });
  });
}

/** The hints a stream carried. */
export function changesOf(client: SseClient): Record<string, unknown>[] {
  return client.events.filter((e) => e.event === 'change').map((e) => JSON.parse(e.data) as Record<string, unknown>);
}
