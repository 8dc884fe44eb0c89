// The 24-hour window from the inbound messages the simulator simulated: inside it (up to 24:00:00
// after the customer's last message) a free-form message is delivered; past it Meta accepts the
// send with a 200 and then posts a failed status with 131047. Templates are always delivered.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMetaSim, type MetaSimWithWebhooks } from '../../meta-sim/index.js';
import { message, PHONE_ID, postMessage, readResponse, TO, TOKEN } from './helpers.js';
import { NO_PARAMS, PROMO_IMAGE, SAMPLE_HANDLE, templateSend, WABA_ID } from './template-fixtures.js';
import {
  APP_SECRET,
  startReceiver,
  statusesOf,
  verifiesRaw,
  waitFor,
  type Payload,
  type Receiver,
} from './webhook-helpers.js';

const CUSTOMER = TO.slice(1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// A whole second, so that the inbound message's timestamp (seconds) is its exact moment.
const T = Date.UTC(2026, 4, 5, 9, 0, 0);
let sim: MetaSimWithWebhooks;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  sim = await startMetaSim({
    phones: { [PHONE_ID]: TOKEN },
    phoneInfo: { [PHONE_ID]: { wabaId: WABA_ID } },
    apps: [{ callbackUrl: receiver.url, appSecret: APP_SECRET }],
    webhookConfig: { statusDelays: { sent: 0, delivered: 5, read: 10 }, retryScheduleMs: [10] },
    templates: { [WABA_ID]: [NO_PARAMS, { ...NO_PARAMS, name: 'promo', category: 'MARKETING' }, PROMO_IMAGE] },
    window: 'enforce',
  });
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});
beforeEach(() => {
  sim.reset();
  sim.windows.setMode('enforce');
  sim.clock.set(T);
  receiver.received.length = 0;
});

async function send(payload: unknown): Promise<string> {
  const res = await postMessage(sim, payload);
  expect(res.status, res.text).toBe(200);
  return (res.body as { messages: { id: string }[] }).messages[0]!.id;
}

/** The statuses posted for a wamid, once its last expected one (read or failed) has arrived. */
async function statusesFor(wamid: string, last: 'read' | 'failed'): Promise<Payload[]> {
  return waitFor(() => {
    const all = receiver.received.flatMap((r) => statusesOf(r.json)).filter((s) => s.id === wamid);
    return all.some((s) => s.status === last) ? all : undefined;
  }, `${last} for ${wamid}`);
}

const freeForm = () => message('text', { body: 'Your order shipped' });

describe('the 24-hour window', () => {
  it('delivers a free-form message 23:59:59 after the customer’s last message', async () => {
    await sim.webhooks.inbound({ type: 'text', from: CUSTOMER, text: 'Hi' });
    sim.clock.set(T + DAY - 1000);
    const wamid = await send(freeForm());
    const statuses = await statusesFor(wamid, 'read');
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('fails a free-form message 24:00:01 after it: a 200, then a failed status with 131047', async () => {
    await sim.webhooks.inbound({ type: 'text', from: CUSTOMER, text: 'Hi' });
    sim.clock.set(T + DAY + 1000);
    const wamid = await send(freeForm());
    const statuses = await statusesFor(wamid, 'failed');
    expect(statuses.map((s) => s.status)).toEqual(['failed']);
    expect(statuses[0]!.errors).toEqual([
      {
        code: 131047,
        title: 'Re-engagement message',
        message: 'Re-engagement message',
        error_data: {
          details:
            'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
        },
        href: expect.stringContaining('error-codes'),
      },
    ]);
    expect(statuses[0]!.pricing).toBeUndefined();
    const r = receiver.received.find((x) => statusesOf(x.json).some((s) => s.id === wamid))!;
    expect(verifiesRaw(r)).toBe(true);
    // Meta accepted it: it is in the record like any other.
    expect(sim.messages().map((m) => m.wamid)).toContain(wamid);
  });

  it('fails a free-form message to a customer who never wrote', async () => {
    const wamid = await send(freeForm());
    expect((await statusesFor(wamid, 'failed'))[0]!.errors[0].code).toBe(131047);
  });

  it('delivers a template outside the window, billed by its category', async () => {
    await sim.webhooks.inbound({ type: 'text', from: CUSTOMER, text: 'Hi' });
    sim.clock.set(T + DAY + 1000);
    const wamid = await send(templateSend('promo', 'en_US'));
    const statuses = await statusesFor(wamid, 'read');
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    expect(statuses[0]!.pricing).toEqual({
      billable: true,
      pricing_model: 'PMP',
      type: 'regular',
      category: 'marketing',
    });
  });

  it('does not bill a utility template inside the window', async () => {
    await sim.webhooks.inbound({ type: 'text', from: CUSTOMER, text: 'Hi' });
    const wamid = await send(templateSend('hello_world', 'en_US'));
    const statuses = await statusesFor(wamid, 'read');
    expect(statuses[0]!.pricing).toEqual({
      billable: false,
      pricing_model: 'PMP',
      type: 'free_customer_service',
      category: 'utility',
    });
  });

  it('each new customer message moves the window; an older one does not move it back', async () => {
    await sim.webhooks.inbound({ type: 'text', from: CUSTOMER, text: 'Hi' });
    sim.clock.set(T + 20 * HOUR);
    await sim.webhooks.inbound({ type: 'text', from: CUSTOMER, text: 'Still there?' });
    await sim.webhooks.inbound({ type: 'text', from: CUSTOMER, text: 'late copy', timestamp: T / 1000 });
    sim.clock.set(T + 20 * HOUR + DAY - 1000);
    const wamid = await send(freeForm());
    expect((await statusesFor(wamid, 'read')).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    expect(sim.windows.lastInbound(PHONE_ID, CUSTOMER)).toBe(T + 20 * HOUR);
  });

  it('counts from an inbound message’s own timestamp when one is given', async () => {
    sim.clock.reset();
    const now = Math.floor(Date.now() / 1000);
    await sim.webhooks.inbound({ type: 'text', from: CUSTOMER, text: 'Hi', timestamp: now - 2 * 86_400 });
    const late = await send(freeForm());
    expect((await statusesFor(late, 'failed'))[0]!.errors[0].code).toBe(131047);
    await sim.webhooks.inbound({ type: 'text', from: CUSTOMER, text: 'Hi again', timestamp: now - 3600 });
    const inTime = await send(freeForm());
    expect((await statusesFor(inTime, 'read')).at(-1)!.status).toBe('read');
  });

  it('opens a window by POST /_sim/windows without posting a webhook, and closes it with at: null', async () => {
    const post = (body: unknown) =>
      fetch(`${sim.url}/_sim/windows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(readResponse);
    const opened = await post({ phone_id: PHONE_ID, wa_id: CUSTOMER, at: T - HOUR });
    expect(opened.status, opened.text).toBe(200);
    expect(opened.body).toMatchObject({
      mode: 'enforce',
      windows: [
        { phone_id: PHONE_ID, wa_id: CUSTOMER, last_inbound_at: T - HOUR, closes_at: T - HOUR + DAY, open: true },
      ],
    });
    expect(receiver.received).toHaveLength(0);
    const wamid = await send(freeForm());
    expect((await statusesFor(wamid, 'read')).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    await post({ wa_id: CUSTOMER, at: null });
    const closed = await send(freeForm());
    expect((await statusesFor(closed, 'failed'))[0]!.errors[0].code).toBe(131047);
    expect((await post({ wa_id: 'x' })).status).toBe(400);
  });

  it('delivers everything with the window off, and forgets windows on reset', async () => {
    sim.windows.open(PHONE_ID, CUSTOMER);
    sim.reset();
    expect(sim.windows.lastInbound(PHONE_ID, CUSTOMER)).toBeUndefined();
    sim.windows.setMode('off');
    const wamid = await send(freeForm());
    expect((await statusesFor(wamid, 'read')).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('fails the template’s own sample media sent by link with 131053, after a 200', async () => {
    const wamid = await send(
      templateSend('promo_image', 'en_US', [
        { type: 'header', parameters: [{ type: 'image', image: { link: SAMPLE_HANDLE } }] },
        { type: 'button', sub_type: 'copy_code', index: '0', parameters: [{ type: 'coupon_code', coupon_code: 'X1' }] },
      ]),
    );
    const statuses = await statusesFor(wamid, 'failed');
    expect(statuses.map((s) => s.status)).toEqual(['failed']);
    expect(statuses[0]!.errors[0]).toMatchObject({ code: 131053, title: 'Media upload error' });
    expect(statuses[0]!.errors[0].error_data.details).toContain('sample media');
  });
});

describe('the clock', () => {
  it('is frozen, moved and released through /_sim/clock', async () => {
    const post = (body: unknown) =>
      fetch(`${sim.url}/_sim/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(readResponse);
    expect((await post({ now: T })).body).toMatchObject({ now: T, frozen: true });
    expect((await post({ advance_ms: DAY })).body).toMatchObject({ now: T + DAY, frozen: true });
    const inbound = await sim.webhooks.inbound({ type: 'text', from: CUSTOMER, text: 'Hi' });
    expect((inbound.messages[0] as { timestamp: string }).timestamp).toBe(String((T + DAY) / 1000));
    const running = (await post({ now: null })).body as { frozen: boolean; now: number };
    expect(running.frozen).toBe(false);
    expect(Math.abs(running.now - (T + DAY))).toBeLessThan(60_000);
    expect((await post({ reset: true })).body).toMatchObject({ frozen: false });
    expect(Math.abs(sim.clock.now() - Date.now())).toBeLessThan(60_000);
    expect((await post({ now: 'soon' })).status).toBe(400);
  });
});

describe('the default', () => {
  it('is off in-process: a simulator started without the option delivers to customers who never wrote', async () => {
    const plain = await startMetaSim({
      phones: { [PHONE_ID]: TOKEN },
      apps: [{ callbackUrl: receiver.url, appSecret: APP_SECRET }],
      webhookConfig: { statusDelays: { sent: 0, delivered: 5, read: 10 } },
    });
    try {
      expect(plain.windows.mode()).toBe('off');
      const res = await postMessage(plain, freeForm());
      const wamid = (res.body as { messages: { id: string }[] }).messages[0]!.id;
      expect((await statusesFor(wamid, 'read')).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    } finally {
      await plain.close();
    }
  });
});
