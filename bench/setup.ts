// What every benchmark starts the same way: the Meta simulator with one number, and a gateway
// seeded with an organization, a key and the contact the load sends to.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/server/context.js';
import { freePort, startChild, startFlags, type Child } from './processes.js';

export const PHONE_ID = '106540352242922';
export const META_TOKEN = 'EAAG-bench-token-0123456789';
export const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
export const CONTACT = '+27123456789';
export const TEXT_BODY = JSON.stringify({
  phone_number: CONTACT,
  message_type: 'text',
  text: 'Benchmark message from FlowIQ',
});

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  child: Child;
}

export async function startSimulator(): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = await startChild(
    ['bin/flowiq.js', 'meta-sim', '--port', String(port), '--phone', `${PHONE_ID}:${META_TOKEN}`],
    {},
    /127\.0\.0\.1/,
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

export async function startForwarder(simUrl: string, nodeArgs: string[] = []): Promise<Target> {
  const port = await freePort();
  const child = await startChild(
    [...startFlags(), ...nodeArgs, '--import', 'tsx', 'bench/forwarder.ts'],
    { PORT: String(port), META_GRAPH_URL: simUrl, BENCH_PHONE_ID: PHONE_ID, BENCH_META_TOKEN: META_TOKEN },
    /listening/,
  );
  return {
    name: 'forwarder',
    url: `http://127.0.0.1:${port}/send-whatsapp`,
    headers: { 'content-type': 'application/json' },
    child,
  };
}

/** Creates the bench organization, its key and the contact; returns the key. */
export async function seed(databaseUrl: string, dataDir: string): Promise<string> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, DATA_DIR: dataDir, FLOWIQ_SECRET: SECRET });
  const ctx = await createContext(config, SECRET);
  const org = await ctx.organizations.create('bench', {
    name: 'Bench',
    provider: 'meta',
    metaPhoneId: PHONE_ID,
    metaToken: META_TOKEN,
  });
  const key = await ctx.auth.createKey({ orgSlug: 'bench' });
  await ctx.contacts.create(org.id, { phone_number: CONTACT });
  await ctx.close();
  return key.key;
}

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never became healthy`);
}

/** A seeded gateway in its own process; `nodeArgs` go to node before the script (profilers). */
export async function startGateway(
  name: string,
  databaseUrl: string,
  simUrl: string,
  nodeArgs: string[] = [],
): Promise<Target> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `flowiq-bench-${name}-`));
  const key = await seed(databaseUrl, dataDir);
  const port = await freePort();
  const env = {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    FLOWIQ_SECRET: SECRET,
    META_GRAPH_URL: simUrl,
    RATE_LIMIT_PER_KEY: '0',
    // The bench's customers never wrote, so every free-form send would be outside their 24-hour
    // window and refused before Meta; the sends measure the path a message inside it takes.
    WINDOW_CHECK: process.env.BENCH_WINDOW_CHECK ?? 'off',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  };
  const child = await startChild([...startFlags(), ...nodeArgs, 'bin/flowiq.js', 'serve'], env, null);
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url);
  return {
    name,
    url: `${url}/send-whatsapp?tenantId=bench`,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    child,
  };
}

/** The benches' load: text messages to the seeded contact, 50 connections unless told otherwise. */
export function load(
  target: { url: string; headers: Record<string, string> },
  opts: { duration?: number; amount?: number; connections?: number; timeout?: number },
): Promise<autocannon.Result> {
  return autocannon({
    url: target.url,
    method: 'POST',
    headers: target.headers,
    body: TEXT_BODY,
    connections: 50,
    ...opts,
  });
}

/** A fresh schema on the PostgreSQL at `base`, as a URL whose connections use it; dropped by drop(). */
export async function freshPgSchema(base: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `bench_${Date.now()}`;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`create schema ${schema}`);
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { url: u.toString(), drop: () => run(`drop schema if exists ${schema} cascade`) };
}
