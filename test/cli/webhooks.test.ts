// `flowiq webhooks list|retry`: receipts set aside as failed are listed with their error (never
// their bodies) and made pending again; bad input exits 2 with the reason.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/db/database.js';
import { runCli as run } from '../helpers/cli.js';
import { TEST_SECRET } from '../helpers/constants.js';
import { createPgSchema, ENGINES } from '../helpers/db.js';

describe.each(ENGINES)('flowiq webhooks on %s', (engine) => {
  let dir: string;
  let dropSchema: (() => Promise<void>) | undefined;
  let databaseUrl: string;
  const saved = { ...process.env };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-cli-webhooks-'));
    if (engine === 'sqlite') databaseUrl = `sqlite:${path.join(dir, 'cli.db')}`;
    else {
      const s = await createPgSchema();
      dropSchema = s.drop;
      const u = new URL(process.env.TEST_DATABASE_URL!);
      u.searchParams.set('options', `-c search_path=${s.schema}`);
      databaseUrl = u.toString();
    }
    Object.assign(process.env, {
      DATABASE_URL: databaseUrl,
      DATA_DIR: dir,
      FLOWIQ_SECRET: TEST_SECRET,
      LOG_LEVEL: 'silent',
    });
    const db = openDatabase(
      engine === 'sqlite' ? { kind: 'sqlite', file: databaseUrl.slice(7) } : { kind: 'postgres', url: databaseUrl },
    );
    try {
      await migrate(db);
      const receipt = (id: string, state: 'failed' | 'processed', body: string) => ({
        id,
        meta_app_id: '1001',
        received_at: new Date().toISOString(),
        body,
        state,
        attempts: state === 'failed' ? 5 : 0,
        processed_at: null,
        outcome: null,
        last_error: state === 'failed' ? 'routing bug' : null,
      });
      await db.kysely
        .insertInto('webhook_receipts')
        .values([receipt('r-failed', 'failed', '{"secret customer text":1}'), receipt('r-done', 'processed', '{}')])
        .execute();
    } finally {
      await db.close();
    }
  });
  afterEach(async () => {
    process.env = { ...saved };
    await dropSchema?.();
    dropSchema = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists failed receipts with their error, never their bodies, and retries one', async () => {
    const listed = await run('webhooks', 'list');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('r-failed');
    expect(listed.out).toContain('routing bug');
    expect(listed.out).not.toContain('r-done');
    expect(listed.out).not.toContain('secret customer text');
    const json = JSON.parse((await run('webhooks', 'list', '--json')).out) as { receipts: { id: string }[] };
    expect(json.receipts.map((r) => r.id)).toEqual(['r-failed']);

    expect((await run('webhooks', 'retry', '--id', 'r-failed')).code).toBe(0);
    const pending = JSON.parse((await run('webhooks', 'list', '--state', 'pending', '--json')).out) as {
      receipts: { id: string; attempts: number; last_error: string | null }[];
    };
    expect(pending.receipts).toEqual([expect.objectContaining({ id: 'r-failed', attempts: 0, last_error: null })]);
    expect((await run('webhooks', 'list')).out).toContain('No failed webhook receipts.');
  });

  it.each([
    [['webhooks', 'list', '--state', 'lost'], '--state must be one of'],
    [['webhooks', 'list', '--limit', '0'], '--limit must be'],
    [['webhooks', 'retry', '--id', 'nope'], 'no webhook receipt with id "nope"'],
    [['webhooks', 'retry'], 'id'],
    [['webhooks', 'purge'], 'usage: flowiq webhooks'],
  ])('refuses %j with exit 2', async (argv, message) => {
    const res = await run(...argv);
    expect(res.code).toBe(2);
    expect(res.err).toContain(message);
  });
});
