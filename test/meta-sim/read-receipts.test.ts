// The simulator's read receipts: POST /{phone}/messages with status read (and a typing indicator),
// checked as Graph does, recorded apart from messages, and answered {"success":true}.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMetaSim, type MetaSimReadReceipts, type MetaSimWithWebhooks } from '../../meta-sim/index.js';
import { PHONE_ID, TOKEN, postMessage } from './helpers.js';

const WAMID = 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdDRTY5RDlBNUE0QUU5RkQ4OQA=';

describe('meta-sim read receipts', () => {
  let sim: MetaSimWithWebhooks & MetaSimReadReceipts;
  beforeAll(async () => {
    sim = await startMetaSim({ phones: { [PHONE_ID]: TOKEN } });
  });
  afterAll(async () => sim.close());
  beforeEach(() => sim.reset());

  it('accepts a read receipt, with and without the typing indicator, and records it apart from messages', async () => {
    const plain = await postMessage(sim, { messaging_product: 'whatsapp', status: 'read', message_id: WAMID });
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual({ success: true });
    const typing = await postMessage(sim, {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: WAMID,
      typing_indicator: { type: 'text' },
    });
    expect(typing.status).toBe(200);
    expect(sim.readReceipts()).toEqual([
      { phoneId: PHONE_ID, messageId: WAMID, typing: false, at: expect.any(Number) },
      { phoneId: PHONE_ID, messageId: WAMID, typing: true, at: expect.any(Number) },
    ]);
    expect(sim.messages()).toEqual([]);
    sim.reset();
    expect(sim.readReceipts()).toEqual([]);
  });

  it.each([
    [{ messaging_product: 'whatsapp', status: 'read' }, 131008, 'message_id'],
    [{ messaging_product: 'whatsapp', status: 'delivered', message_id: WAMID }, 100, 'status'],
    [{ messaging_product: 'whatsapp', status: 'read', message_id: 'not-a-wamid' }, 131009, 'message_id'],
    [
      { messaging_product: 'whatsapp', status: 'read', message_id: WAMID, typing_indicator: { type: 'audio' } },
      100,
      'typing_indicator',
    ],
    [{ messaging_product: 'whatsapp', status: 'read', message_id: WAMID, extra: 1 }, 100, 'extra'],
  ])('refuses %j as Graph does', async (body, code, named) => {
    const res = await postMessage(sim, body);
    expect(res.status).toBe(400);
    const error = (res.body as { error: { code: number; error_data: { details: string } } }).error;
    expect(error.code).toBe(code);
    expect(error.error_data.details).toContain(named);
    expect(sim.readReceipts()).toEqual([]);
  });

  it('asks for the phone’s token, as for a message', async () => {
    const res = await postMessage(
      sim,
      { messaging_product: 'whatsapp', status: 'read', message_id: WAMID },
      { token: 'EAAJB-wrong' },
    );
    expect(res.status).toBe(401);
    expect(sim.readReceipts()).toEqual([]);
  });
});
