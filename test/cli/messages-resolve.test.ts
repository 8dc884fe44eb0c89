import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { runCli } from '../helpers/cli.js';
import { TEST_SECRET } from '../helpers/constants.js';

// `flowiq messages resolve`: an operator settles a row the gateway could not (Meta's answer lost).
describe('flowiq messages resolve', () => {
  let dir: string;
  let file: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-resolve-'));
    file = path.join(dir, 'db.sqlite');
    Object.assign(process.env, {
      DATABASE_URL: `sqlite:${file}`,
      DATA_DIR: dir,
      FLOWIQ_SECRET: TEST_SECRET,
      LOG_LEVEL: 'silent',
    });
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = runCli;

  async function rows(): Promise<
    { id: string; status: string; whatsapp_message_id: string | null; error_message: string | null }[]
  > {
    const db = openDatabase({ kind: 'sqlite', file });
    try {
      return await db.kysely
        .selectFrom('helpdesk_messages')
        .select(['id', 'status', 'whatsapp_message_id', 'error_message'])
        .orderBy('id')
        .execute();
    } finally {
      await db.close();
    }
  }

  it('settles unknown rows as sent with their wamid or as failed, and refuses what is settled or malformed', async () => {
    expect((await run('migrate')).code).toBe(0);
    const db = openDatabase({ kind: 'sqlite', file });
    const now = new Date().toISOString();
    await db.kysely
      .insertInto('organizations')
      .values({
        id: 'o1',
        slug: 'acme',
        name: 'Acme',
        whatsapp_provider_choice: 'meta',
        meta_phone_id: null,
        whatsapp_bearer_token: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await db.kysely
      .insertInto('contacts')
      .values({
        id: 'c1',
        organization_id: 'o1',
        whatsapp_number: '27123456789',
        name: null,
        email: null,
        custom_fields: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await db.kysely
      .insertInto('customer_sessions')
      .values({
        id: 's1',
        organization_id: 'o1',
        contact_id: 'c1',
        status: 'open',
        message_count: 2,
        last_message_at: now,
        created_at: now,
        updated_at: now,
      })
      .execute();
    for (const id of ['m1', 'm2']) {
      await db.kysely
        .insertInto('helpdesk_messages')
        .values({
          id,
          organization_id: 'o1',
          contact_id: 'c1',
          session_id: 's1',
          direction: 'outbound',
          message_type: 'text',
          content: '{}',
          media_url: null,
          whatsapp_message_id: null,
          status: 'unknown',
          error_code: 'no_answer',
          error_message: 'timeout',
          error_details: null,
          request_id: null,
          created_at: now,
          updated_at: now,
        } as never)
        .execute();
    }
    await db.close();

    expect((await run('messages', 'resolve', '--id', 'm1', '--sent')).code).toBe(2);
    expect((await run('messages', 'resolve', '--id', 'm1', '--sent', '--failed')).code).toBe(2);
    expect(
      (
        await run(
          'messages',
          'resolve',
          '--id',
          'm1',
          '--sent',
          '--wamid',
          'wamid.HBgLMjcxMjM0NTY3ODkVAgARGBI=',
          '--json',
        )
      ).code,
    ).toBe(0);
    expect((await run('messages', 'resolve', '--id', 'm2', '--failed', '--reason', 'customer never got it')).code).toBe(
      0,
    );
    const again = await run('messages', 'resolve', '--id', 'm1', '--failed');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/no pending or unknown message has id m1/);
    expect(await rows()).toEqual([
      { id: 'm1', status: 'sent', whatsapp_message_id: 'wamid.HBgLMjcxMjM0NTY3ODkVAgARGBI=', error_message: null },
      { id: 'm2', status: 'failed', whatsapp_message_id: null, error_message: 'customer never got it' },
    ]);
  });
});
