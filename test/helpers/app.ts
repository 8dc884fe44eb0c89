// Builds a gateway on a fresh database with one call, plus fixtures: an organization, a key and a contact.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createContext, type AppContext } from '../../src/server/context.js';
import { createPgSchema, freshDb, type EngineName } from './db.js';

import { TEST_SECRET } from './constants.js';

export { TEST_SECRET };

export interface TestGateway {
  app: FastifyInstance;
  ctx: AppContext;
  config: Readonly<Config>;
  dataDir: string;
  close(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}): Readonly<Config> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-test-'));
  return loadConfig({ DATA_DIR: dataDir, FLOWIQ_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', ...env });
}

/**
 * `sqliteFile`: a database file in the data directory instead of memory, as `flowiq serve` runs it.
 * `ownDatabase`: the gateway opens (and migrates) that database itself from its DATABASE_URL, as
 * `flowiq serve` does, rather than being handed one: what a second connection (the event dispatch
 * thread's) needs.
 */
export async function startGateway(
  engine: EngineName,
  env: Record<string, string> = {},
  logger?: Parameters<typeof buildApp>[1],
  opts: { sqliteFile?: boolean; ownDatabase?: boolean } = {},
): Promise<TestGateway> {
  let config = testConfig(env);
  let ctx: AppContext;
  let cleanup: () => Promise<void>;
  if (opts.ownDatabase) {
    const pg = engine === 'postgres' ? await createPgSchema() : undefined;
    const databaseUrl = pg ? process.env.TEST_DATABASE_URL! : `sqlite:${path.join(config.dataDir, 'flowiq.db')}`;
    config = testConfig({ DATA_DIR: config.dataDir, DATABASE_URL: databaseUrl, ...env });
    ctx = await createContext(config, TEST_SECRET, pg ? { dbOptions: { searchPath: pg.schema } } : {});
    cleanup = async () => pg?.drop();
  } else {
    const fresh = await freshDb(engine, opts.sqliteFile ? { file: path.join(config.dataDir, 'flowiq.db') } : {});
    ctx = await createContext(config, TEST_SECRET, { db: fresh.db, migrate: false });
    cleanup = () => fresh.cleanup();
  }
  const app = await buildApp(ctx, logger ?? { logger: false });
  await app.ready();
  return {
    app,
    ctx,
    config,
    dataDir: config.dataDir,
    close: async () => {
      await app.close();
      await cleanup();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

export interface Tenant {
  slug: string;
  name: string;
  organizationId: string;
  key: string;
  keyId: string;
  phone: string;
  contactId: string;
}

let seq = 0;

export async function seedTenant(
  ctx: AppContext,
  opts: { provider?: string; phoneId?: string | null; token?: string | null; phone?: string } = {},
): Promise<Tenant> {
  seq++;
  const slug = `acme-${process.pid}-${seq}`;
  const name = `Acme ${seq}`;
  const org = await ctx.organizations.create(slug, {
    name,
    provider: opts.provider ?? 'meta',
    ...(opts.phoneId === null ? {} : { metaPhoneId: opts.phoneId ?? '1234567890' }),
    ...(opts.token === null ? {} : { metaToken: opts.token ?? 'EAAG-test-token-abcdef' }),
  });
  const key = await ctx.auth.createKey({ orgSlug: slug });
  const contact = await ctx.contacts.create(org.id, {
    phone_number: opts.phone ?? '+27123456789',
    name: 'Test Contact',
  });
  return {
    slug,
    name,
    organizationId: org.id,
    key: key.key,
    keyId: key.id,
    // Made from a phone number just above, so it has one.
    phone: contact.whatsapp_number!,
    contactId: contact.id,
  };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
