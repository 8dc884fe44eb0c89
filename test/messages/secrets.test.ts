import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../src/server/app.js';
import { startMetaSim, type MetaSim } from '../../meta-sim/index.js';
import { seedTenant, startGateway, TEST_SECRET, type TestGateway } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import { META_TOKEN, PHONE_ID, startSimGateway, type SimGateway } from '../helpers/sim.js';
import { sample, serveBytes, startSource, type SourceServer } from '../media/helpers.js';

describe('secrets never appear in logs, responses or the database', () => {
  const lines: string[] = [];
  let gw: TestGateway;
  let sim: MetaSim;
  beforeAll(async () => {
    sim = await startMetaSim({ phones: { [PHONE_ID]: META_TOKEN } });
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    gw = await startGateway(
      'sqlite',
      { META_GRAPH_URL: sim.url, META_RETRY_BUDGET_MS: '300' },
      { logger: { ...(loggerOptions('trace') as object), stream } },
    );
  });
  afterAll(async () => {
    await gw.close();
    await sim.close();
  });

  it('keeps the Meta token, API keys and FLOWIQ_SECRET out of every log line and response', async () => {
    const good = await seedTenant(gw.ctx, { phoneId: PHONE_ID, token: META_TOKEN });
    const wrongToken = 'EAAG-a-wrong-token-that-meta-refuses';
    const bad = await seedTenant(gw.ctx, { phoneId: PHONE_ID, token: wrongToken });
    const responses: string[] = [];
    const send = async (key: string, slug: string, body: unknown) => {
      const res = await gw.app.inject({
        method: 'POST',
        url: `/send-whatsapp?tenantId=${slug}`,
        headers: { authorization: `Bearer ${key}`, 'x-api-key': key },
        payload: body as object,
      });
      responses.push(res.body, JSON.stringify(res.headers));
    };
    await send(good.key, good.slug, { phone_number: '+27123456789', message_type: 'text', text: 'ok' });
    await send(bad.key, bad.slug, {
      phone_number: '+27123456789',
      message_type: 'text',
      text: 'meta refuses the token',
    });
    await send(good.key, bad.slug, { phone_number: '+27123456789', message_type: 'text', text: 'wrong org' });
    await send(good.key, good.slug, { phone_number: '+27123456789', message_type: 'bogus' });
    sim.injectFault({ path: 'messages', action: { kind: 'http_status', status: 500, body: 'boom' }, times: 5 });
    await send(good.key, good.slug, { phone_number: '+27123456789', message_type: 'text', text: 'server error' });
    const db = await Promise.all(
      ['organizations', 'api_keys', 'helpdesk_messages'].map((t) =>
        sql.raw(`select * from ${t}`).execute(gw.ctx.db.kysely),
      ),
    );
    const everything = [lines.join(''), responses.join('\n'), JSON.stringify(db.map((r) => r.rows))].join('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const secret of [META_TOKEN, wrongToken, good.key, bad.key, TEST_SECRET]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('writes one access line per request, with its id, status and time', async () => {
    const t = await seedTenant(gw.ctx, { phoneId: PHONE_ID, token: META_TOKEN });
    const before = lines.length;
    const res = await gw.app.inject({
      method: 'POST',
      url: `/send-whatsapp?tenantId=${t.slug}`,
      headers: { authorization: `Bearer ${t.key}`, 'x-request-id': 'access-line-1' },
      payload: { phone_number: '+27123456789', message_type: 'bogus' },
    });
    expect(res.statusCode).toBe(400);
    const mine = lines
      .slice(before)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.reqId === 'access-line-1');
    const access = mine.filter((l) => l.msg === 'request completed');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      level: 30,
      method: 'POST',
      url: `/send-whatsapp?tenantId=${t.slug}`,
      statusCode: 400,
      ms: expect.any(Number),
    });
    expect(mine.some((l) => l.msg === 'incoming request')).toBe(false);
  });
});

// A signed media URL is a credential for a year: the database keeps the storage key, and the
// signature is made when a URL is answered (GET /api/messages/{id}), never stored.
describe.each(ENGINES)('no signed media URL in the database after sends with media (%s)', (engine) => {
  let gw: SimGateway;
  let source: SourceServer;
  beforeAll(async () => {
    source = await startSource();
    gw = await startSimGateway(engine, { MEDIA_ALLOW_PRIVATE_NETWORKS: 'true' });
  });
  afterAll(async () => {
    await gw.close();
    await source.close();
  });

  it('stores keys only: no sig= or exp= in any table, and no signature the gateway would make', async () => {
    source.route('/a.jpg', serveBytes(Buffer.concat([sample('.jpg'), Buffer.from(`a-${engine}`)])));
    source.route('/b.pdf', serveBytes(Buffer.concat([sample('.pdf'), Buffer.from(`b-${engine}`)])));
    source.route('/c.png', serveBytes(Buffer.concat([sample('.png'), Buffer.from(`c-${engine}`)])));
    const bodies = [
      { message_type: 'image', media_url: `${source.url}/a.jpg`, caption: 'a' },
      { message_type: 'document', media_url: `${source.url}/b.pdf`, filename: 'b.pdf' },
      {
        message_type: 'interactive',
        interactive: {
          type: 'button',
          body: 'Pick one',
          header_media: { type: 'image', url: `${source.url}/c.png` },
          buttons: [{ id: 'y', title: 'Yes' }],
        },
      },
    ];
    for (const [i, body] of bodies.entries()) {
      const res = await gw.send({ phone_number: '+27123456789', ...body }, { 'idempotency-key': `media-${i}` });
      expect(res.statusCode, res.body).toBe(200);
    }
    const rows = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select('media_url')
      .where('organization_id', '=', gw.tenant.organizationId)
      .execute();
    expect(rows).toHaveLength(3);
    const tables = [
      'organizations',
      'meta_apps',
      'api_keys',
      'contacts',
      'customer_sessions',
      'helpdesk_messages',
      'idempotency_keys',
      'webhook_receipts',
      'message_statuses',
    ];
    const dump = JSON.stringify(
      await Promise.all(tables.map(async (t) => (await sql.raw(`select * from ${t}`).execute(gw.ctx.db.kysely)).rows)),
    );
    expect(dump).not.toMatch(/sig=|exp=/);
    for (const { media_url } of rows) {
      expect(media_url).toMatch(/^org\/[0-9a-f-]{36}\/[0-9a-f]{64}$/);
      // What the signer makes for this key today (the signature changes only with exp's second).
      const sig = new URL(gw.ctx.media.signer.url(media_url!)).searchParams.get('sig')!;
      expect(dump).not.toContain(sig);
    }
  });
});
