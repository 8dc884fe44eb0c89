// The retention pass: what is old and settled goes, work not done stays whatever its age.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired } from '../../src/jobs/retention.js';
import { ENGINES } from '../helpers/db.js';
import { startGateway, type TestGateway } from '../helpers/app.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-03T12:00:00Z');
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();

describe.each(ENGINES)('retention purge (%s)', (engine) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(engine);
  });
  afterAll(async () => gw.close());
  const k = () => gw.ctx.db.kysely;

  it('deletes processed receipts and settled events past their retention, and nothing else', async () => {
    const receipt = (id: string, state: 'processed' | 'pending' | 'failed', days: number) => ({
      id,
      meta_app_id: '1',
      received_at: ago(days),
      body: '{}',
      state,
      attempts: 0,
      processed_at: null,
      outcome: null,
      last_error: null,
    });
    await k()
      .insertInto('webhook_receipts')
      .values([
        receipt('r-old', 'processed', 20),
        receipt('r-new', 'processed', 2),
        receipt('r-pending-old', 'pending', 20),
        receipt('r-failed-old', 'failed', 20),
      ])
      .execute();
    const statusRow = (id: string, days: number, applied: boolean) => ({
      id,
      organization_id: 'o',
      whatsapp_message_id: `wamid.${id}`,
      status: 'read',
      occurred_at: ago(days),
      received_at: ago(days),
      recipient_id: null,
      errors: null,
      conversation: null,
      pricing: null,
      receipt_id: 'r',
      applied_at: applied ? ago(days) : null,
    });
    await k()
      .insertInto('message_statuses')
      .values([
        statusRow('s-waiting-old', 20, false),
        statusRow('s-waiting-new', 2, false),
        statusRow('s-applied-old', 40, true),
      ])
      .execute();
    const event = (id: string, days: number) => ({
      id,
      organization_id: 'o',
      type: 'message.status',
      conversation_id: null,
      order_key: null,
      order_seq: null,
      payload: '{}',
      created_at: ago(days),
    });
    await k()
      .insertInto('events')
      .values([event('e-done-old', 40), event('e-due-old', 40), event('e-done-new', 3)])
      .execute();
    const delivery = (eventId: string, state: 'delivered' | 'pending' | 'dead') => ({
      event_id: eventId,
      endpoint_id: 'ep',
      order_key: null,
      order_seq: null,
      state,
      next_at: ago(1),
      lease_until: null,
      last_status: null,
      last_error: null,
      created_at: ago(1),
      delivered_at: null,
    });
    await k()
      .insertInto('event_deliveries')
      .values([delivery('e-done-old', 'delivered'), delivery('e-due-old', 'pending'), delivery('e-done-new', 'dead')])
      .execute();
    await k()
      .insertInto('event_attempts')
      .values({
        id: 'a1',
        event_id: 'e-done-old',
        endpoint_id: 'ep',
        attempted_at: ago(40),
        status_code: 200,
        error: null,
        duration_ms: 3,
      })
      .execute();

    const counts = await purgeExpired({
      db: gw.ctx.db,
      receiptsSeconds: 14 * 86_400,
      eventsSeconds: 30 * 86_400,
      now: () => NOW,
    });
    expect(counts).toEqual({ receipts: 1, statuses: 1, events: 1 });
    const ids = async (table: 'webhook_receipts' | 'message_statuses' | 'events') =>
      (await k().selectFrom(table).select('id').execute()).map((r) => r.id).sort();
    expect(await ids('webhook_receipts')).toEqual(['r-failed-old', 'r-new', 'r-pending-old']);
    expect(await ids('message_statuses')).toEqual(['s-applied-old', 's-waiting-new']);
    expect(await ids('events')).toEqual(['e-done-new', 'e-due-old']);
    expect(
      (await k().selectFrom('event_deliveries').select('event_id').execute()).map((r) => r.event_id).sort(),
    ).toEqual(['e-done-new', 'e-due-old']);
    expect(await k().selectFrom('event_attempts').selectAll().execute()).toEqual([]);
    // A second pass finds nothing more.
    expect(
      await purgeExpired({ db: gw.ctx.db, receiptsSeconds: 14 * 86_400, eventsSeconds: 30 * 86_400, now: () => NOW }),
    ).toEqual({
      receipts: 0,
      statuses: 0,
      events: 0,
    });
  });
});
