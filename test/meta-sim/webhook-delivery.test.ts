// Delivering webhooks: signatures in each encoding, retries until a 200 (and only a 200), giving
// up, several apps and WABAs, the delivery log and the control API that configures it.
import { afterEach, describe, expect, it } from 'vitest';
import { startMetaSim, type MetaSimAllOptions, type MetaSimWithWebhooks } from '../../meta-sim/index.js';
import { message, PHONE_ID, postMessage, TOKEN } from './helpers.js';
import {
  APP_SECRET,
  startReceiver,
  statusesOf,
  verifiesEscaped,
  verifiesRaw,
  waitFor,
  waitForCount,
  VERIFY_TOKEN,
  type Receiver,
} from './webhook-helpers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  open.push(r);
  return r;
}

/** Statuses off unless a test turns them on: the tests here post inbound messages. */
async function simFor(r: Receiver | undefined, opts: MetaSimAllOptions = {}): Promise<MetaSimWithWebhooks> {
  const sim = await startMetaSim({
    phones: { [PHONE_ID]: TOKEN },
    ...(r !== undefined ? { apps: [{ callbackUrl: r.url, appSecret: APP_SECRET }] } : {}),
    webhookConfig: { statusDelays: { sent: null, delivered: null, read: null }, retryScheduleMs: [15, 30] },
    ...opts,
  });
  open.push(sim);
  return sim;
}

const NON_ASCII = 'J\u2019ai mang\u00e9 des p\u00e2tes \u{1F600} \u00e4\u00f6\u00e5 a/b';

describe('signatures', () => {
  it('escaped (default): the body is the escaped form and the signature covers its bytes', async () => {
    const r = await receiver();
    const sim = await simFor(r);
    await sim.webhooks.inbound({ type: 'text', text: { body: NON_ASCII }, name: 'Zoë' });
    const [got] = await waitForCount(r, 1, 'inbound webhook');
    expect(got!.text).toContain('mang\\u00e9 des p\\u00e2tes \\ud83d\\ude00 \\u00e4\\u00f6\\u00e5 a\\/b');
    expect(got!.text).toContain('Zo\\u00eb');
    expect([...got!.raw].every((b) => b < 0x80)).toBe(true);
    expect(verifiesRaw(got!)).toBe(true);
    expect(verifiesRaw(got!, 'another-secret')).toBe(false);
    expect(got!.json.entry[0].changes[0].value.messages[0].text.body).toBe(NON_ASCII);
    expect(got!.headers['user-agent']).toBe('facebookexternalua');
  });

  it('utf8-escaped-signature: raw UTF-8 body, signed over the escaped form', async () => {
    const r = await receiver();
    const sim = await simFor(r, { webhookConfig: { encoding: 'utf8-escaped-signature', retryScheduleMs: [] } });
    await sim.webhooks.inbound({ type: 'text', text: { body: NON_ASCII } });
    const [got] = await waitForCount(r, 1, 'inbound webhook');
    expect(got!.raw.includes(Buffer.from('mangé', 'utf8'))).toBe(true);
    expect(verifiesRaw(got!)).toBe(false);
    expect(verifiesEscaped(got!)).toBe(true);
    expect(got!.json.entry[0].changes[0].value.messages[0].text.body).toBe(NON_ASCII);
  });

  it('utf8: raw UTF-8 body signed over its own bytes; an app may choose its encoding', async () => {
    const r = await receiver();
    const sim = await simFor(undefined);
    sim.webhooks.addApp({ callbackUrl: r.url, appSecret: 'utf8-secret', encoding: 'utf8' });
    await sim.webhooks.inbound({ type: 'text', text: { body: NON_ASCII } });
    const [got] = await waitForCount(r, 1, 'inbound webhook');
    expect(got!.text).toContain('mangé des pâtes 😀 äöå a/b');
    expect(verifiesRaw(got!, 'utf8-secret')).toBe(true);
    expect(sim.webhooks.deliveries()[0]!.encoding).toBe('utf8');
  });

  it('an ASCII payload verifies the same way in every encoding', async () => {
    const r = await receiver();
    const sim = await simFor(r, { webhookConfig: { encoding: 'utf8-escaped-signature' } });
    await sim.webhooks.inbound({ type: 'text', text: { body: 'plain' }, user_id: null });
    const [got] = await waitForCount(r, 1, 'inbound webhook');
    expect(verifiesRaw(got!)).toBe(true);
    expect(verifiesEscaped(got!)).toBe(true);
  });
});

describe('retries', () => {
  it('retries a non-200 on the schedule and stops at the first 200', async () => {
    const r = await receiver();
    r.answers.push(500, 201);
    const sim = await simFor(r, { webhookConfig: { retryScheduleMs: [20, 40, 40, 40] } });
    const { deliveries } = await sim.webhooks.inbound({ type: 'text' });
    await waitFor(() => sim.webhooks.deliveries()[0]?.state === 'delivered', 'delivered');
    const d = sim.webhooks.deliveries()[0]!;
    expect(d.id).toBe(deliveries[0]);
    expect(d.attempts.map((a) => a.status)).toEqual([500, 201, 200]);
    expect(r.received.map((x) => x.answered)).toEqual([500, 201, 200]);
    // The same bytes and signature each time, and the waits between attempts follow the schedule.
    expect(new Set(r.received.map((x) => x.text)).size).toBe(1);
    expect(r.received.every((x) => verifiesRaw(x))).toBe(true);
    expect(r.received[1]!.at - r.received[0]!.at).toBeGreaterThanOrEqual(20 - 5);
    expect(r.received[2]!.at - r.received[1]!.at).toBeGreaterThanOrEqual(40 - 5);
    // Nothing more comes once delivered: a second webhook is the next request the receiver sees.
    await sim.webhooks.inbound({ type: 'text' });
    await waitForCount(r, 4, 'the next webhook');
    expect(r.received[3]!.json.entry[0].changes[0].value.messages[0].id).not.toBe(
      r.received[2]!.json.entry[0].changes[0].value.messages[0].id,
    );
  });

  it('gives up after the schedule runs out', async () => {
    const r = await receiver();
    r.answers.push(503, 503, 503, 503);
    const sim = await simFor(r, { webhookConfig: { retryScheduleMs: [5, 5] } });
    await sim.webhooks.inbound({ type: 'text' });
    await waitFor(() => sim.webhooks.deliveries()[0]?.state === 'failed', 'gave up');
    expect(sim.webhooks.deliveries()[0]!.attempts.map((a) => a.status)).toEqual([503, 503, 503]);
    expect(r.received).toHaveLength(3);
  });

  it('counts an unreachable callback as a failed attempt', async () => {
    const r = await startReceiver();
    const url = r.url;
    await r.close();
    const sim = await simFor(undefined, { apps: [{ callbackUrl: url, appSecret: APP_SECRET }] });
    sim.webhooks.configure({ retryScheduleMs: [5] });
    await sim.webhooks.inbound({ type: 'text' });
    await waitFor(() => sim.webhooks.deliveries()[0]?.state === 'failed', 'gave up');
    const attempts = sim.webhooks.deliveries()[0]!.attempts;
    expect(attempts).toHaveLength(2);
    expect(attempts[0]!.status).toBeUndefined();
    expect(attempts[0]!.error).toMatch(/ECONNREFUSED/);
  });

  it('retries status webhooks too, and reset cancels what is scheduled', async () => {
    const r = await receiver();
    r.answers.push(500);
    const sim = await simFor(r, {
      webhookConfig: { statusDelays: { sent: 0, delivered: 5000, read: null }, retryScheduleMs: [10, 5000] },
    });
    expect((await postMessage(sim, message('text', { body: 'hi' }))).status).toBe(200);
    await waitFor(() => sim.webhooks.deliveries()[0]?.state === 'delivered', 'sent delivered on retry');
    expect(sim.webhooks.deliveries()[0]!.attempts.map((a) => a.status)).toEqual([500, 200]);
    sim.reset();
    expect(sim.webhooks.deliveries()).toEqual([]);
  });
});

describe('apps, WABAs and the control API', () => {
  it('sends each phone’s webhooks to the apps subscribed to its WABA', async () => {
    const a = await receiver();
    const b = await receiver();
    const all = await receiver();
    const sim = await simFor(undefined, {
      phones: { '111': 'token-1', '222': 'token-2' },
      phoneInfo: { '111': { wabaId: '900000000000001' }, '222': { wabaId: '900000000000002' } },
      apps: [
        { id: 'a', callbackUrl: a.url, appSecret: 'secret-a', wabas: ['900000000000001'] },
        { id: 'b', callbackUrl: b.url, appSecret: 'secret-b', wabas: ['900000000000002'] },
        { id: 'all', callbackUrl: all.url, appSecret: 'secret-all' },
      ],
    });
    await sim.webhooks.inbound({ phone_id: '111', type: 'text' });
    await sim.webhooks.inbound({ phone_id: '222', type: 'text' });
    await waitForCount(all, 2, 'both webhooks at the catch-all app');
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
    expect(a.received[0]!.json.entry[0].id).toBe('900000000000001');
    expect(b.received[0]!.json.entry[0].id).toBe('900000000000002');
    expect(verifiesRaw(a.received[0]!, 'secret-a')).toBe(true);
    expect(verifiesRaw(b.received[0]!, 'secret-b')).toBe(true);
    expect(all.received.every((x) => verifiesRaw(x, 'secret-all'))).toBe(true);
    expect(new Set(sim.webhooks.deliveries().map((d) => d.appId))).toEqual(new Set(['a', 'b', 'all']));
  });

  it('derives a WABA id and display number from the phone id when none is configured, the same in every run', async () => {
    const one = await simFor(undefined);
    const two = await simFor(undefined);
    const info = one.webhooks.phoneInfo(PHONE_ID);
    expect(info.wabaId).toMatch(/^1\d{14}$/);
    expect(info.displayPhoneNumber).toMatch(/^1555\d{7}$/);
    expect(two.webhooks.phoneInfo(PHONE_ID)).toEqual(info);
    expect(one.webhooks.phoneInfo('other')).not.toEqual(info);
  });

  it('is configured over HTTP: apps, phones with a WABA, config, and the log', async () => {
    const r = await receiver();
    const sim = await simFor(undefined);
    const post = (path: string, body: unknown): Promise<Response> =>
      fetch(`${sim.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/_sim/apps', { callback_url: 'ftp://x', app_secret: 's' })).status).toBe(400);
    const added = await post('/_sim/apps', { callback_url: r.url, app_secret: APP_SECRET });
    expect(await added.json()).toEqual({ success: true, id: 'app-1' });
    expect(
      (
        await post('/_sim/phones', {
          phone_id: '333',
          token: 't3',
          waba_id: '123456789012345',
          display_phone_number: '15551234567',
        })
      ).status,
    ).toBe(200);
    const config = await post('/_sim/webhook-config', {
      status_delays: { sent: 0, delivered: 5, read: null },
      retry_schedule_ms: [5],
    });
    expect(await config.json()).toMatchObject({
      statusDelays: { sent: 0, delivered: 5, read: null },
      retryScheduleMs: [5],
    });
    expect((await post('/_sim/webhook-config', { status_delays: { sent: -1 } })).status).toBe(400);
    const sent = await postMessage(sim, message('text', { body: 'hi' }), { phoneId: '333', token: 't3' });
    expect(sent.status).toBe(200);
    await waitFor(
      () => sim.webhooks.deliveries().filter((d) => d.state === 'delivered').length === 2,
      'sent and delivered',
    );
    const log = (await (await fetch(`${sim.url}/_sim/webhooks?kind=statuses&state=delivered`)).json()) as {
      id: string;
      statuses: string[];
      payload: { entry: { id: string; changes: { value: { metadata: unknown } }[] }[] };
      attempts: { status: number }[];
    }[];
    expect(log.map((d) => d.statuses)).toEqual([['sent'], ['delivered']]);
    expect(log[0]!.payload.entry[0]!.id).toBe('123456789012345');
    expect(log[0]!.payload.entry[0]!.changes[0]!.value.metadata).toEqual({
      display_phone_number: '15551234567',
      phone_number_id: '333',
    });
    expect(log[0]!.attempts[0]!.status).toBe(200);
    const after = (await (await fetch(`${sim.url}/_sim/webhooks?after=${log[0]!.id}`)).json()) as unknown[];
    expect(after).toHaveLength(1);
    expect(statusesOf(r.received[1]!.json)[0].status).toBe('delivered');
    expect((await fetch(`${sim.url}/_sim/apps`, { method: 'DELETE' })).status).toBe(200);
    expect(await (await fetch(`${sim.url}/_sim/apps`)).json()).toEqual([]);
  });

  it('runs Meta’s verification handshake against an app’s callback', async () => {
    const r = await receiver();
    const sim = await simFor(r);
    const ok = await sim.webhooks.verify({ appId: 'app-1', verifyToken: VERIFY_TOKEN });
    expect(ok).toMatchObject({ verified: true, status: 200, callbackUrl: r.url });
    expect(ok.body).toBe(ok.challenge);
    expect(ok.challenge).toMatch(/^\d+$/);
    const wrong = await fetch(`${sim.url}/_sim/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ callback_url: r.url, verify_token: 'wrong' }),
    });
    expect(await wrong.json()).toMatchObject({ verified: false, status: 403 });
    const noApp = await fetch(`${sim.url}/_sim/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'nope', verify_token: 'x' }),
    });
    expect(noApp.status).toBe(400);
    // The handshake is no webhook: nothing in the log, nothing recorded as a POST.
    expect(sim.webhooks.deliveries()).toEqual([]);
    expect(r.received).toEqual([]);
  });

  it('posts nothing and keeps no log when no app is configured', async () => {
    const sim = await simFor(undefined, { webhookConfig: {} });
    expect((await postMessage(sim, message('text', { body: 'hi' }))).status).toBe(200);
    const res = await sim.webhooks.inbound({ type: 'text' });
    expect(res.deliveries).toEqual([]);
    expect(sim.webhooks.deliveries()).toEqual([]);
  });
});
