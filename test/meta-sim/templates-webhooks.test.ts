// Template changes made through the control API reach the WABA's apps as Meta posts them:
// message_template_status_update, message_template_quality_update and template_category_update,
// with the WABA as entry id, signed and retried like every other webhook.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMetaSim, type MetaSimWithWebhooks } from '../../meta-sim/index.js';
import { graphError, PHONE_ID, postMessage, readResponse, TOKEN } from './helpers.js';
import { NO_PARAMS, templateSend, WABA_ID } from './template-fixtures.js';
import { APP_SECRET, startReceiver, verifiesRaw, waitFor, waitForCount, type Receiver } from './webhook-helpers.js';

let sim: MetaSimWithWebhooks;
let receiver: Receiver;
let other: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  other = await startReceiver();
  sim = await startMetaSim({
    phones: { [PHONE_ID]: TOKEN },
    phoneInfo: { [PHONE_ID]: { wabaId: WABA_ID } },
    apps: [
      { callbackUrl: receiver.url, appSecret: APP_SECRET, wabas: [WABA_ID] },
      { callbackUrl: other.url, appSecret: 'other-secret', wabas: ['109999999999999'] },
    ],
    webhookConfig: { statusDelays: { sent: null, delivered: null, read: null }, retryScheduleMs: [10, 10] },
  });
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
  await other.close();
});
beforeEach(() => {
  sim.reset();
  sim.templates.clear();
  for (const r of [receiver, other]) {
    r.received.length = 0;
    r.answers.length = 0;
  }
});

async function patch(id: string, body: unknown): Promise<{ status: number; body: unknown }> {
  return readResponse(
    await fetch(`${sim.url}/_sim/templates/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

describe('template webhooks', () => {
  it('posts message_template_status_update when the status changes, signed, with the WABA as entry id', async () => {
    const t = sim.addTemplate(WABA_ID, NO_PARAMS);
    const before = Math.floor(Date.now() / 1000);
    const res = await patch(t.id, { status: 'PAUSED' });
    expect(res.status).toBe(200);
    expect((res.body as { template: { status: string }; deliveries: string[] }).template.status).toBe('PAUSED');
    const [r] = await waitForCount(receiver, 1, 'template webhook');
    expect(verifiesRaw(r!)).toBe(true);
    expect(r!.headers['user-agent']).toBe('facebookexternalua');
    const body = r!.json;
    expect(body.object).toBe('whatsapp_business_account');
    expect(body.entry).toHaveLength(1);
    const entry = body.entry[0];
    expect(entry.id).toBe(WABA_ID);
    expect(entry.time).toBeGreaterThanOrEqual(before);
    expect(entry.changes).toHaveLength(1);
    expect(entry.changes[0].field).toBe('message_template_status_update');
    expect(entry.changes[0].value).toMatchObject({
      event: 'PAUSED',
      message_template_id: Number(t.id),
      message_template_name: 'hello_world',
      message_template_language: 'en_US',
      reason: 'NONE',
      message_template_category: 'UTILITY',
    });
    expect(entry.changes[0].value.other_info.title).toBe('FIRST_PAUSE');
    // The change is in force: a send of it is refused as paused.
    expect(graphError(await postMessage(sim, templateSend('hello_world', 'en_US'))).code).toBe(132015);
    expect(other.received).toHaveLength(0);
    expect(sim.webhooks.deliveries().map((d) => d.kind)).toEqual(['templates']);
  });

  it('gives a rejection its reason, and a disabled template its disable date', async () => {
    const t = sim.addTemplate(WABA_ID, { ...NO_PARAMS, status: 'PENDING' });
    await sim.setTemplateStatus(t.id, 'REJECTED', 'INCORRECT_CATEGORY');
    await sim.setTemplateStatus(t.id, 'DISABLED');
    const got = await waitForCount(receiver, 2, 'status webhooks');
    expect(got[0]!.json.entry[0].changes[0].value).toMatchObject({ event: 'REJECTED', reason: 'INCORRECT_CATEGORY' });
    expect(got[1]!.json.entry[0].changes[0].value.event).toBe('DISABLED');
    expect(got[1]!.json.entry[0].changes[0].value.disable_info.disable_date).toEqual(expect.any(Number));
    expect(sim.templates.list()[0]!.rejected_reason).toBe('INCORRECT_CATEGORY');
  });

  it('posts message_template_quality_update with the previous and new scores', async () => {
    const t = sim.addTemplate(WABA_ID, { ...NO_PARAMS, quality_score: 'GREEN' });
    await patch(t.id, { quality_score: 'YELLOW' });
    const [r] = await waitForCount(receiver, 1, 'quality webhook');
    expect(verifiesRaw(r!)).toBe(true);
    const change = r!.json.entry[0].changes[0];
    expect(change.field).toBe('message_template_quality_update');
    expect(change.value).toEqual({
      previous_quality_score: 'GREEN',
      new_quality_score: 'YELLOW',
      message_template_id: Number(t.id),
      message_template_name: 'hello_world',
      message_template_language: 'en_US',
    });
  });

  it('posts template_category_update with the previous and new categories', async () => {
    const t = sim.addTemplate(WABA_ID, NO_PARAMS);
    await patch(t.id, { category: 'MARKETING' });
    const [r] = await waitForCount(receiver, 1, 'category webhook');
    const change = r!.json.entry[0].changes[0];
    expect(Object.keys(change)).toEqual(['field', 'value']);
    expect(change.field).toBe('template_category_update');
    expect(change.value).toEqual({
      message_template_id: Number(t.id),
      message_template_name: 'hello_world',
      message_template_language: 'en_US',
      previous_category: 'UTILITY',
      new_category: 'MARKETING',
    });
  });

  it('posts one webhook per changed field, and none for a field set to its value', async () => {
    const t = sim.addTemplate(WABA_ID, NO_PARAMS);
    const res = await sim.templates.update(t.id, { status: 'APPROVED', quality_score: 'RED', category: 'MARKETING' });
    expect(res.deliveries).toHaveLength(2);
    const got = await waitForCount(receiver, 2, 'webhooks');
    expect(got.map((r) => r.json.entry[0].changes[0].field)).toEqual([
      'message_template_quality_update',
      'template_category_update',
    ]);
  });

  it('retries a template webhook that was not answered 200, with the same bytes', async () => {
    const t = sim.addTemplate(WABA_ID, NO_PARAMS);
    receiver.answers.push(500);
    await sim.setTemplateStatus(t.id, 'PAUSED');
    const got = await waitForCount(receiver, 2, 'attempts');
    expect(got[1]!.text).toBe(got[0]!.text);
    await waitFor(() => sim.webhooks.deliveries()[0]?.state === 'delivered', 'delivered');
  });

  it('refuses an unknown id or a change Meta has no field for', async () => {
    const t = sim.addTemplate(WABA_ID, NO_PARAMS);
    expect((await patch('1234', { status: 'PAUSED' })).status).toBe(400);
    expect((await patch(t.id, { status: 'SLEEPING' })).status).toBe(400);
    expect((await patch(t.id, { colour: 'red' })).status).toBe(400);
    expect((await patch(t.id, {})).status).toBe(400);
    expect(receiver.received).toHaveLength(0);
  });
});
