// `npm run bench:writes`: the send path's SQLite writes alone, at scale. Each round writes a batch
// of 25 pending rows and then marks them sent, as group commit does under load, after 100k rows are
// already in the table. Prints CPU per message (the checkpointer thread included), for the schema
// as migrated and, for comparison, without the index that finds a message by its Meta id
// (migration 003, for status webhooks), so the figure says what that index costs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { migrate, openDatabase, type Db } from '../src/db/database.js';
import { newId, nowIso } from '../src/db/ids.js';
import { sqliteSendWrites, type SendWrite } from '../src/conversations/writes.js';

const BATCH = 25;
const PREFILL_ROUNDS = Number(process.env.BENCH_PREFILL_ROUNDS ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2000);

async function measure(label: string, extra: (db: Db) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bench-writes-'));
  const db = openDatabase({ kind: 'sqlite', file: path.join(dir, 'bench.db') });
  try {
    await migrate(db);
    await extra(db);
    const now = nowIso();
    // Named columns: the table has grown since (meta_waba_id, meta_app_id, window_check, ...).
    await db.kysely
      .insertInto('organizations')
      .values({
        id: 'o',
        slug: 'o',
        name: 'o',
        whatsapp_provider_choice: 'meta',
        meta_phone_id: null,
        whatsapp_bearer_token: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await sql`insert into contacts (id, organization_id, whatsapp_number, created_at, updated_at) values ('c', 'o', '27123456789', ${now}, ${now})`.execute(
      db.kysely,
    );
    if (db.engine !== 'sqlite') throw new Error('bench:writes measures SQLite');
    const flush = sqliteSendWrites(db.sqlite);
    const content = JSON.stringify({
      phone_number: '+27123456789',
      message_type: 'text',
      text: 'Benchmark message from FlowIQ',
    });
    let n = 0;
    const round = async (): Promise<void> => {
      const ids = Array.from({ length: BATCH }, () => newId());
      await flush(
        ids.map((id): SendWrite => ({
          kind: 'pending',
          id,
          organizationId: 'o',
          contactId: 'c',
          messageType: 'text',
          content,
          mediaUrl: null,
          requestId: 'r',
          now: nowIso(),
        })),
      );
      // Meta's ids are opaque and effectively random, like these.
      await flush(
        ids.map((id): SendWrite => ({
          kind: 'sent',
          id,
          wamid: `wamid.${Math.random().toString(36).slice(2)}${n++}`,
          now: nowIso(),
        })),
      );
    };
    for (let i = 0; i < PREFILL_ROUNDS; i++) await round();
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (let i = 0; i < ROUNDS; i++) await round();
    const used = process.cpuUsage(cpu);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const messages = ROUNDS * BATCH;
    process.stdout.write(
      `${label.padEnd(44)} ${((used.user + used.system) / messages).toFixed(1).padStart(6)} µs CPU/message  ${(messages / seconds).toFixed(0).padStart(7)} messages/s\n`,
    );
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (let i = 0; i < 2; i++) {
  await measure('schema as migrated', async () => {});
  await measure('without the Meta id index (003)', async (db) => {
    await sql`drop index helpdesk_messages_org_wamid`.execute(db.kysely);
  });
}
