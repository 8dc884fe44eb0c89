// How the processor commits: on SQLite in short transactions with the event loop running between
// them; on PostgreSQL optimistically without a savepoint per item, falling back to savepoints
// when an item fails, so that item alone is recorded as not applied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { MAX_RECEIPT_ATTEMPTS, WebhookProcessor } from '../../src/inbound/processor.js';
import { ENGINES } from '../helpers/db.js';
import { startGateway, type TestGateway } from '../helpers/app.js';
import {
  APP_ID,
  envelope,
  outcomeOf,
  seedApp,
  seedWebhookTenant,
  status,
  sentMessage,
  type WebhookTenant,
} from './helpers.js';

let seq = 0;
const wamid = () => `wamid.batch${process.pid}x${++seq}`;

describe.each(ENGINES)('webhook processor batches (%s)', (engine) => {
  let gw: TestGateway;
  let t: WebhookTenant;
  beforeAll(async () => {
    gw = await startGateway(engine);
    await seedApp(gw);
    t = await seedWebhookTenant(gw);
    // The gateway's own processor is woken by each POST: these tests drive one of their own.
    await gw.ctx.inbound.idle();
  });
  afterAll(async () => gw.close());

  const processor = (opts: { itemsPerTransaction?: number } = {}) =>
    new WebhookProcessor({ db: gw.ctx.db, routing: gw.ctx.apps, log: pino({ level: 'silent' }), ...opts });

  /** Stores receipts without waking anyone: the route's receipts, straight into the table. */
  async function store(bodies: string[]): Promise<void> {
    for (const body of bodies) await gw.ctx.receipts.store(APP_ID, body);
  }

  it('commits a backlog in short transactions and lets the event loop run between them', async () => {
    const bodies: string[] = [];
    const wamids: string[] = [];
    for (let r = 0; r < 6; r++) {
      const statuses = [];
      for (let i = 0; i < 40; i++) {
        const w = wamid();
        wamids.push(w);
        await sentMessage(gw, t, w);
        statuses.push(status(w, 'delivered', 1_700_000_000 + i));
      }
      bodies.push(envelope(t.phoneNumberId, { statuses }));
    }
    await store(bodies);
    const p = processor({ itemsPerTransaction: 100 });
    let turns = 0;
    let counting = true;
    const tick = () => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    expect(await p.processBatch()).toBe(6);
    counting = false;
    // 240 statuses in groups of two receipts (80 items): the loop ran between the three transactions.
    if (engine === 'sqlite') expect(turns).toBeGreaterThanOrEqual(3);
    for (const body of bodies) expect((await outcomeOf(gw, body)).counts).toEqual({ status_applied: 40 });
  });

  it('records an item the database refuses on its own, and applies the others', async () => {
    const ids = [wamid(), wamid(), wamid()];
    const senders = ['27600000001', '27600000002', '27600000003'];
    const body = envelope(t.phoneNumberId, {
      // PostgreSQL text cannot hold NUL: the middle sender's profile name is refused there (a
      // new contact's name), and stored on SQLite.
      contacts: senders.map((wa_id, i) => ({ profile: { name: i === 1 ? 'nul \u0000 name' : `fine ${i}` }, wa_id })),
      messages: ids.map((id, i) => ({
        from: senders[i],
        id,
        timestamp: String(1_700_000_100 + i),
        type: 'text',
        text: { body: `hello ${i}` },
      })),
    });
    await store([body]);
    expect(await processor().processBatch()).toBe(1);
    const { counts } = await outcomeOf(gw, body);
    if (engine === 'postgres') expect(counts).toEqual({ message_stored: 2, error: 1 });
    else expect(counts).toEqual({ message_stored: 3 });
    const stored = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select('whatsapp_message_id')
      .where('whatsapp_message_id', 'in', ids)
      .execute();
    expect(stored).toHaveLength(engine === 'postgres' ? 2 : 3);
  });

  it('sets aside a receipt that always fails, after its attempts, and processes the others meanwhile', async () => {
    const poison = envelope('999000999', { statuses: [status(wamid(), 'read', 1_700_000_500)] });
    const w = wamid();
    await sentMessage(gw, t, w);
    const good = envelope(t.phoneNumberId, { statuses: [status(w, 'delivered', 1_700_000_501)] });
    await store([poison, good]);
    // A routing that fails, not for an item's own reason, on one receipt's phone number: a bug.
    const p = new WebhookProcessor({
      db: gw.ctx.db,
      log: pino({ level: 'silent' }),
      routing: {
        organizationForPhoneNumber: async (app, phone) => {
          if (phone === '999000999') throw new Error('routing bug');
          return gw.ctx.apps.organizationForPhoneNumber(app, phone);
        },
      },
    });
    const receipt = (body: string) =>
      gw.ctx.db.kysely.selectFrom('webhook_receipts').selectAll().where('body', '=', body).executeTakeFirstOrThrow();
    // Each run tries it at most once (on PostgreSQL a run whose claimers met it locked may not
    // try it at all); it is set aside once it has failed MAX_RECEIPT_ATTEMPTS times.
    let attempts = 0;
    for (let run = 0; run < 4 * MAX_RECEIPT_ATTEMPTS && attempts < MAX_RECEIPT_ATTEMPTS; run++) {
      p.wake();
      await p.idle();
      const bad = await receipt(poison);
      // The good receipt did not wait for the bad one: processed by the run that first failed it.
      // (A run the database could not serve, on a loaded machine, does neither.)
      if (bad.attempts >= 1) expect((await receipt(good)).state).toBe('processed');
      expect(bad.attempts - attempts).toBeLessThanOrEqual(1);
      attempts = bad.attempts;
      expect(bad).toMatchObject({
        state: attempts < MAX_RECEIPT_ATTEMPTS ? 'pending' : 'failed',
        last_error: attempts === 0 ? null : 'routing bug',
      });
    }
    expect(attempts).toBe(MAX_RECEIPT_ATTEMPTS);
  });
});
