// GET and POST /webhooks/meta/{app}: the handshake, the signature, the body limit, durable first.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { startGateway, type TestGateway } from '../helpers/app.js';
import { APP_ID, VERIFY_TOKEN, envelope, post, receipts, seedApp, seedWebhookTenant, sign, status } from './helpers.js';

describe.each(ENGINES)('Meta webhook route (%s)', (engine) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(engine);
    await seedApp(gw);
  });
  afterAll(async () => gw.close());

  const verify = (query: string, app = APP_ID) =>
    gw.app.inject({ method: 'GET', url: `/webhooks/meta/${app}?${query}` });

  it('answers the subscription handshake with hub.challenge as text/plain', async () => {
    const res = await verify(`hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe('1158201444');
  });

  it.each([
    ['a wrong verify token', `hub.mode=subscribe&hub.verify_token=nope-nope&hub.challenge=1`, APP_ID],
    ['another mode', `hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`, APP_ID],
    ['no challenge', `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}`, APP_ID],
    ['an unknown app', `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`, '999'],
    [
      'a token given twice',
      `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.verify_token=x&hub.challenge=1`,
      APP_ID,
    ],
  ])('refuses the handshake with 403 for %s', async (_what, query, app) => {
    const res = await verify(query, app);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'Forbidden' });
  });

  it('refuses a POST without a signature, or with a wrong one, with 401 and stores nothing', async () => {
    const t = await seedWebhookTenant(gw);
    const body = envelope(t.phoneNumberId, { statuses: [status('wamid.A', 'delivered', 1_700_000_000)] });
    const before = (await receipts(gw)).length;
    for (const signature of [null, sign(body, 'another-secret'), 'sha256=00', 'md5=abc', sign(body + ' ')]) {
      const res = await post(gw, body, signature);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: 'Invalid signature' });
    }
    expect((await receipts(gw)).length).toBe(before);
  });

  it('refuses a body signed for one app on another app’s URL', async () => {
    await gw.ctx.apps.create('2002', { appSecret: 'the-other-apps-secret', verifyToken: VERIFY_TOKEN });
    const body = envelope('1', { statuses: [] });
    const res = await post(gw, body, sign(body), '2002');
    expect(res.statusCode).toBe(401);
  });

  it('answers 404 for a POST to an app that is not configured', async () => {
    const body = envelope('1', { statuses: [] });
    const res = await post(gw, body, sign(body), '31337');
    expect(res.statusCode).toBe(404);
  });

  it('refuses a body over 3 MB with 413 and stores nothing', async () => {
    const before = (await receipts(gw)).length;
    const body = JSON.stringify({ object: 'whatsapp_business_account', pad: 'x'.repeat(3 * 1024 * 1024) });
    const res = await post(gw, body);
    expect(res.statusCode).toBe(413);
    expect((await receipts(gw)).length).toBe(before);
  });

  it('takes a body of 2 MB, over the API’s own 1 MB limit', async () => {
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [], pad: 'x'.repeat(2 * 1024 * 1024) });
    const res = await post(gw, body);
    expect(res.statusCode).toBe(200);
  });

  it('commits the body before answering 200, whatever its content type', async () => {
    const body = envelope('123', { statuses: [] });
    const res = await gw.app.inject({
      method: 'POST',
      url: `/webhooks/meta/${APP_ID}`,
      headers: { 'content-type': 'text/plain', 'x-hub-signature-256': sign(body) },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    const stored = (await receipts(gw)).find((r) => r.body === body);
    expect(stored).toBeDefined();
    expect(stored!.meta_app_id).toBe(APP_ID);
  });

  it('accepts a signature over Meta’s escaped-unicode form of a non-ASCII body', async () => {
    const t = await seedWebhookTenant(gw);
    const body = envelope(t.phoneNumberId, {
      contacts: [{ profile: { name: 'Zoë 😀' }, wa_id: '27111222333' }],
      messages: [
        { from: '27111222333', id: 'wamid.esc', timestamp: '1700000000', type: 'text', text: { body: 'olá 😀' } },
      ],
    });
    const escaped = body.replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
    const res = await post(gw, body, sign(escaped));
    expect(res.statusCode).toBe(200);
  });
});

describe('Meta webhook handshake in the access log', () => {
  it('logs the request with its verify token redacted', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const gw = await startGateway('sqlite', { LOG_LEVEL: 'info' }, { logger: { level: 'info', stream } });
    try {
      await seedApp(gw);
      const res = await gw.app.inject({
        method: 'GET',
        url: `/webhooks/meta/${APP_ID}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=77`,
      });
      expect(res.statusCode).toBe(200);
      const access = lines.filter((l) => l.includes('request completed'));
      expect(access.join('')).toContain('hub.verify_token=[redacted]&hub.challenge=77');
      expect(lines.join('')).not.toContain(VERIFY_TOKEN);
    } finally {
      await gw.close();
    }
  });
});
