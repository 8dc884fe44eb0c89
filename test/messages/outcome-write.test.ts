import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { ENGINES } from '../helpers/db.js';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';

// Meta has accepted (or refused) the message, and then the database refuses the row's outcome: a
// lock held past the busy timeout, a PostgreSQL restart. The client must get Meta's answer, which
// is final for its Idempotency-Key, and the row must get the outcome once the database is back.
// A trigger makes the database refuse exactly that write, on both engines.

async function refuseOutcome(db: Db, status: 'sent' | 'failed'): Promise<void> {
  if (db.engine === 'sqlite') {
    await sql
      .raw(
        `create trigger refuse_outcome before update on helpdesk_messages when new.status = '${status}' begin select raise(abort, 'outcome refused by the test'); end`,
      )
      .execute(db.kysely);
  } else {
    await sql
      .raw(
        `create or replace function refuse_outcome() returns trigger language plpgsql as $$ begin raise exception 'outcome refused by the test'; end $$`,
      )
      .execute(db.kysely);
    await sql
      .raw(
        `create trigger refuse_outcome before update on helpdesk_messages for each row when (new.status = '${status}') execute function refuse_outcome()`,
      )
      .execute(db.kysely);
  }
}

async function allowOutcome(db: Db): Promise<void> {
  await sql
    .raw(
      db.engine === 'sqlite'
        ? 'drop trigger if exists refuse_outcome'
        : 'drop trigger if exists refuse_outcome on helpdesk_messages',
    )
    .execute(db.kysely);
}

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 25_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const TEXT = { phone_number: '+27123456789', message_type: 'text', text: 'Your order has shipped' };

describe.each(ENGINES)('the outcome write fails after Meta answered, on %s', (engine) => {
  let gw: SimGateway;
  beforeAll(async () => {
    gw = await startSimGateway(engine);
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim.reset());
  afterEach(async () => allowOutcome(gw.ctx.db));

  const rowOf = (requestId: string) =>
    gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .selectAll()
      .where('request_id', '=', requestId)
      .executeTakeFirstOrThrow();

  it("answers Meta's acceptance once, a retry with the same key sends nothing, and the row gets the wamid", async () => {
    await refuseOutcome(gw.ctx.db, 'sent');
    const key = `order-${Math.random()}`;
    const first = await gw.send(TEXT, { 'idempotency-key': key });
    expect(first.statusCode, first.body).toBe(200);
    const wamid = first.json().data.message_id as string;
    expect(wamid).toBe(gw.sim.messages()[0]!.wamid);
    expect((await rowOf(first.headers['x-request-id'] as string)).status).toBe('pending');

    const retry = await gw.send(TEXT, { 'idempotency-key': key });
    expect(retry.statusCode).toBe(200);
    expect(retry.json().data.message_id).toBe(wamid);
    expect(gw.sim.counts().accepted).toBe(1);

    await allowOutcome(gw.ctx.db);
    const row = await eventually(
      () => rowOf(first.headers['x-request-id'] as string),
      (r) => r.status === 'sent',
    );
    expect(row).toMatchObject({ status: 'sent', whatsapp_message_id: wamid });
    expect(gw.ctx.outcomes.backlog).toBe(0);
  });

  it("answers Meta's refusal, not a retryable 503, and the row gets the failure", async () => {
    await refuseOutcome(gw.ctx.db, 'failed');
    gw.sim.injectFault({ path: 'messages', action: { kind: 'graph_error', code: 131026, httpStatus: 400 } });
    const res = await gw.send(TEXT, { 'idempotency-key': `refused-${Math.random()}` });
    expect(res.statusCode, res.body).toBe(502);
    expect(res.json()).toMatchObject({ error: 'Meta API error', meta_error: { code: 131026 } });
    await allowOutcome(gw.ctx.db);
    const row = await eventually(
      () => rowOf(res.headers['x-request-id'] as string),
      (r) => r.status === 'failed',
    );
    expect(row).toMatchObject({ status: 'failed', error_code: '131026' });
  });
});
