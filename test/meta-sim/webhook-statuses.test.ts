// Status webhooks for accepted messages: Meta's envelope and fields, the configured delays, and each
// status fault (duplicates, reversed order, skipped delivered, failed, before the answer, batch).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMetaSim, type MetaSimWithWebhooks } from '../../meta-sim/index.js';
import { message, PHONE_ID, postMessage, TOKEN } from './helpers.js';
import {
  APP_SECRET,
  startReceiver,
  statusesOf,
  verifiesRaw,
  waitFor,
  waitForCount,
  type Receiver,
} from './webhook-helpers.js';

const WABA_ID = '102290129340398';
const DISPLAY = '15550783881';
let sim: MetaSimWithWebhooks;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  sim = await startMetaSim({
    phones: { [PHONE_ID]: TOKEN },
    phoneInfo: { [PHONE_ID]: { wabaId: WABA_ID, displayPhoneNumber: DISPLAY } },
    apps: [{ callbackUrl: receiver.url, appSecret: APP_SECRET }],
    webhookConfig: { statusDelays: { sent: 0, delivered: 60, read: 120 }, retryScheduleMs: [10, 10] },
  });
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});
beforeEach(() => {
  sim.reset();
  receiver.release();
  receiver.received.length = 0;
  receiver.answers.length = 0;
});

async function send(extra: Record<string, unknown> = {}, version = 'v23.0'): Promise<{ wamid: string; at: number }> {
  const at = Date.now();
  const res = await postMessage(sim, message('text', { body: 'hi' }, extra), { version });
  expect(res.status).toBe(200);
  return { wamid: (res.body as { messages: { id: string }[] }).messages[0]!.id, at };
}

describe('status webhooks after a send', () => {
  it('posts sent, delivered and read, signed, in Meta’s envelope, after the configured delays', async () => {
    const { wamid, at } = await send({ biz_opaque_callback_data: 'order-42' });
    const got = await waitForCount(receiver, 3, 'status webhooks');
    expect(got.map((r) => r.json.entry[0].changes[0].value.statuses[0].status)).toEqual(['sent', 'delivered', 'read']);
    // Each arrives no earlier than its delay after the send was made.
    expect(got[1]!.at - at).toBeGreaterThanOrEqual(60 - 5);
    expect(got[2]!.at - at).toBeGreaterThanOrEqual(120 - 5);
    for (const r of got) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(verifiesRaw(r)).toBe(true);
      expect(Object.keys(r.json)).toEqual(['object', 'entry']);
      expect(r.json.object).toBe('whatsapp_business_account');
      expect(r.json.entry).toHaveLength(1);
      expect(r.json.entry[0].id).toBe(WABA_ID);
      const change = r.json.entry[0].changes[0];
      expect(change.field).toBe('messages');
      expect(change.value.messaging_product).toBe('whatsapp');
      expect(change.value.metadata).toEqual({ display_phone_number: DISPLAY, phone_number_id: PHONE_ID });
      const s = change.value.statuses[0];
      expect(s.id).toBe(wamid);
      expect(s.recipient_id).toBe('16505551234');
      expect(s.timestamp).toMatch(/^\d{10}$/);
      expect(s.biz_opaque_callback_data).toBe('order-42');
      expect(s.errors).toBeUndefined();
    }
    const [sent, delivered, read] = got.map((r) => r.json.entry[0].changes[0].value.statuses[0]);
    // Pricing on sent and one of delivered/read; the conversation (v23) likewise, expiry on sent only.
    expect(sent.pricing).toEqual({
      billable: false,
      pricing_model: 'PMP',
      type: 'free_customer_service',
      category: 'service',
    });
    expect(delivered.pricing).toEqual(sent.pricing);
    expect(read.pricing).toBeUndefined();
    expect(sent.conversation.id).toMatch(/^[0-9a-f]{32}$/);
    expect(sent.conversation.expiration_timestamp).toMatch(/^\d{10}$/);
    expect(sent.conversation.origin).toEqual({ type: 'service' });
    expect(delivered.conversation).toEqual({ id: sent.conversation.id, origin: { type: 'service' } });
    expect(read.conversation).toBeUndefined();
    await waitFor(() => sim.webhooks.deliveries().every((d) => d.state === 'delivered'), 'delivered log');
    expect(sim.webhooks.deliveries().map((d) => d.statuses)).toEqual([['sent'], ['delivered'], ['read']]);
  });

  it('leaves the conversation out from v24.0 on', async () => {
    await send({}, 'v24.0');
    const got = await waitForCount(receiver, 3, 'status webhooks');
    for (const r of got) expect(statusesOf(r.json)[0].conversation).toBeUndefined();
    expect(statusesOf(got[0]!.json)[0].pricing).toBeDefined();
  });

  it('posts nothing for a refused message', async () => {
    const res = await postMessage(sim, message('text', { body: '' }));
    expect(res.status).toBe(400);
    await send();
    await waitForCount(receiver, 3, 'status webhooks of the accepted message');
    expect(receiver.received).toHaveLength(3);
  });

  it('follows delay changes; null leaves a status out', async () => {
    sim.webhooks.configure({ statusDelays: { sent: 0, delivered: null, read: 20 } });
    try {
      await send();
      const got = await waitForCount(receiver, 2, 'status webhooks');
      expect(got.map((r) => statusesOf(r.json)[0].status)).toEqual(['sent', 'read']);
      // Without a delivered, read carries the pricing.
      expect(statusesOf(got[1]!.json)[0].pricing).toBeDefined();
    } finally {
      sim.webhooks.configure({ statusDelays: { sent: 0, delivered: 60, read: 120 } });
    }
  });
});

describe('status faults', () => {
  it('duplicate: every status posted again', async () => {
    sim.webhooks.injectStatusFault({ duplicate: 1 });
    await send();
    const got = await waitForCount(receiver, 6, 'duplicated statuses');
    const kinds = got.map((r) => statusesOf(r.json)[0].status);
    expect(kinds.sort()).toEqual(['delivered', 'delivered', 'read', 'read', 'sent', 'sent']);
  });

  it('reverse: read first, then delivered, then sent; timestamps keep the true order', async () => {
    sim.webhooks.injectStatusFault({ reverse: true });
    await send();
    const got = await waitForCount(receiver, 3, 'reversed statuses');
    expect(got.map((r) => statusesOf(r.json)[0].status)).toEqual(['read', 'delivered', 'sent']);
    const ts = got.map((r) => Number(statusesOf(r.json)[0].timestamp));
    expect(ts[0]).toBeGreaterThanOrEqual(ts[2]!);
  });

  it('skipDelivered: sent then read', async () => {
    sim.webhooks.injectStatusFault({ skipDelivered: true });
    await send();
    const got = await waitForCount(receiver, 2, 'statuses');
    await waitFor(() => sim.webhooks.deliveries().length === 2 && true, 'two deliveries');
    expect(got.map((r) => statusesOf(r.json)[0].status)).toEqual(['sent', 'read']);
  });

  it('failed with a chosen code: sent, then failed with errors[]', async () => {
    sim.webhooks.injectStatusFault({
      failed: { code: 131047, details: 'Message failed to send because more than 24 hours have passed.' },
    });
    const { wamid } = await send();
    const got = await waitForCount(receiver, 2, 'statuses');
    const [sent, failed] = got.map((r) => statusesOf(r.json)[0]);
    expect(sent.status).toBe('sent');
    expect(failed.status).toBe('failed');
    expect(failed.id).toBe(wamid);
    expect(failed.pricing).toBeUndefined();
    expect(failed.errors).toEqual([
      {
        code: 131047,
        title: 'Re-engagement message',
        message: 'Re-engagement message',
        error_data: { details: 'Message failed to send because more than 24 hours have passed.' },
        href: expect.stringMatching(/^https:\/\/developers\.facebook\.com\//),
      },
    ]);
  });

  it('failed with after none: the only status', async () => {
    sim.webhooks.injectStatusFault({ failed: { code: 131026, after: 'none' } });
    await send();
    const [only] = await waitForCount(receiver, 1, 'failed status');
    expect(statusesOf(only!.json)[0].status).toBe('failed');
    expect(statusesOf(only!.json)[0].errors[0].title).toBe('Message undeliverable');
    await waitFor(() => sim.webhooks.deliveries()[0]?.state === 'delivered', 'delivery');
    expect(sim.webhooks.deliveries()).toHaveLength(1);
  });

  it('beforeAnswer: the send is answered only once the sent status has been answered', async () => {
    sim.webhooks.injectStatusFault({ beforeAnswer: true });
    receiver.hold = true;
    let answered = false;
    const sending = send().then((r) => {
      answered = true;
      return r;
    });
    await waitFor(() => receiver.received.length === 1, 'the sent status, held by the receiver');
    expect(answered).toBe(false);
    receiver.release();
    const { wamid } = await sending;
    expect(statusesOf(receiver.received[0]!.json)[0]).toMatchObject({ id: wamid, status: 'sent' });
  });

  it('without beforeAnswer the send is answered while the receiver still holds the status', async () => {
    receiver.hold = true;
    try {
      const { wamid } = await send();
      // Answered although the sent status (due at 0 ms) may be sitting unanswered at the receiver.
      await waitFor(() => receiver.received.length === 1, 'the sent status');
      expect(statusesOf(receiver.received[0]!.json)[0].id).toBe(wamid);
    } finally {
      receiver.release();
    }
    await waitForCount(receiver, 3, 'statuses');
  });

  it('batch: the three statuses in one webhook', async () => {
    sim.webhooks.injectStatusFault({ batch: true });
    await send();
    const [one] = await waitForCount(receiver, 1, 'batched statuses');
    expect(statusesOf(one!.json).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    expect(verifiesRaw(one!)).toBe(true);
  });

  it('none, to and times: only the matching message is bent, once', async () => {
    sim.webhooks.injectStatusFault({ none: true, to: '+16505551234' });
    await send({ to: '+27123456789' });
    await send();
    await send();
    const got = await waitForCount(receiver, 6, 'statuses of the other messages');
    const recipients = new Set(got.map((r) => statusesOf(r.json)[0].recipient_id));
    expect(recipients).toEqual(new Set(['27123456789', '16505551234']));
    const byRecipient = got.filter((r) => statusesOf(r.json)[0].recipient_id === '16505551234');
    expect(byRecipient).toHaveLength(3);
  });

  it('can be injected over HTTP, and refuses unknown fields', async () => {
    const bad = await fetch(`${sim.url}/_sim/status-faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ bogus: true }),
    });
    expect(bad.status).toBe(400);
    const ok = await fetch(`${sim.url}/_sim/status-faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ skip_delivered: true, failed: { code: 131049 } }),
    });
    expect(ok.status).toBe(200);
    await send();
    const got = await waitForCount(receiver, 2, 'statuses');
    expect(got.map((r) => statusesOf(r.json)[0].status)).toEqual(['sent', 'failed']);
    expect(statusesOf(got[1]!.json)[0].errors[0].code).toBe(131049);
  });
});

describe('business-scoped user ids on statuses', () => {
  it('statusContacts adds recipient_user_id and a contacts[] without profile', async () => {
    sim.webhooks.configure({ statusContacts: true, statusDelays: { sent: 0, delivered: null, read: null } });
    try {
      await send();
      const [got] = await waitForCount(receiver, 1, 'sent');
      const value = got!.json.entry[0].changes[0].value;
      expect(Object.keys(value)).toEqual(['messaging_product', 'metadata', 'contacts', 'statuses']);
      expect(value.contacts).toEqual([{ wa_id: '16505551234', user_id: expect.stringMatching(/^US\.\d{20}$/) }]);
      expect(value.statuses[0].recipient_user_id).toBe(value.contacts[0].user_id);
    } finally {
      sim.webhooks.configure({ statusContacts: false, statusDelays: { sent: 0, delivered: 60, read: 120 } });
    }
  });
});

describe('statuses on demand', () => {
  it('posts up to 1000 statuses in one webhook, and refuses 1001', async () => {
    sim.webhooks.configure({ statusDelays: { sent: null, delivered: null, read: null } });
    try {
      const wamids: string[] = [];
      for (let i = 0; i < 10; i++) wamids.push((await send()).wamid);
      const statuses = [];
      for (let i = 0; i < 1000; i++) statuses.push({ wamid: wamids[i % 10]!, status: i < 500 ? 'delivered' : 'read' });
      const res = await fetch(`${sim.url}/_sim/statuses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ statuses }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { deliveries: string[] }).deliveries).toHaveLength(1);
      expect(receiver.received).toHaveLength(1);
      const items = statusesOf(receiver.received[0]!.json);
      expect(items).toHaveLength(1000);
      expect(items[999]).toMatchObject({ id: wamids[9], status: 'read', recipient_id: '16505551234' });
      const tooMany = await fetch(`${sim.url}/_sim/statuses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ statuses: [...statuses, statuses[0]] }),
      });
      expect(tooMany.status).toBe(400);
      const unknown = await fetch(`${sim.url}/_sim/statuses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ statuses: [{ wamid: 'wamid.nope', status: 'read' }] }),
      });
      expect(unknown.status).toBe(400);
    } finally {
      sim.webhooks.configure({ statusDelays: { sent: 0, delivered: 60, read: 120 } });
    }
  });

  it('emits failed and unknown statuses as given', async () => {
    sim.webhooks.configure({ statusDelays: { sent: null, delivered: null, read: null } });
    try {
      const { wamid } = await send();
      await sim.webhooks.emitStatuses([
        { wamid, status: 'played', timestamp: 1_700_000_000 },
        { wamid, status: 'failed', error: { code: 131053, details: 'bad media' } },
      ]);
      const items = statusesOf(receiver.received[0]!.json);
      expect(items[0]).toEqual({ id: wamid, status: 'played', timestamp: '1700000000', recipient_id: '16505551234' });
      expect(items[1].errors[0]).toMatchObject({
        code: 131053,
        title: 'Media upload error',
        error_data: { details: 'bad media' },
      });
    } finally {
      sim.webhooks.configure({ statusDelays: { sent: 0, delivered: 60, read: 120 } });
    }
  });
});
