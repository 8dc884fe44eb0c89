// The /_sim control API: everything MetaSim's methods do, over HTTP, for another process.
import { describe, expect, it } from 'vitest';
import type { MetaSim, SimMessage, SimUpload } from '../../meta-sim/index.js';
import { graphError, message, postMessage, SAMPLE, upload, useTestSim } from './helpers.js';

let sim: MetaSim;
useTestSim((s) => (sim = s));

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const res = await fetch(sim.url + path, init);
  return { status: res.status, body: await res.json() };
}

describe('Meta simulator control API', () => {
  it('POST /_sim/phones adds a phone whose token then works', async () => {
    expect(await control('POST', '/_sim/phones', { phone_id: '700000000000007', token: 'http-token' })).toEqual({
      status: 200,
      body: { success: true },
    });
    const res = await postMessage(sim, message('text', { body: 'hi' }), {
      phoneId: '700000000000007',
      token: 'http-token',
    });
    expect(res.status).toBe(200);
  });

  it('POST /_sim/phones refuses a body without phone_id or token', async () => {
    const res = await control('POST', '/_sim/phones', { phone_id: '7' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: expect.any(String) });
  });

  it('POST /_sim/faults injects a fault; times null means forever; DELETE clears them', async () => {
    expect(
      (
        await control('POST', '/_sim/faults', {
          path: 'messages',
          times: null,
          action: { kind: 'graph_error', code: 131000 },
        })
      ).status,
    ).toBe(200);
    for (let i = 0; i < 3; i++)
      expect(graphError(await postMessage(sim, message('text', { body: 'x' }))).code).toBe(131000);
    expect(await control('DELETE', '/_sim/faults')).toEqual({ status: 200, body: { success: true } });
    expect((await postMessage(sim, message('text', { body: 'x' }))).status).toBe(200);
  });

  it('POST /_sim/faults refuses a malformed fault with 400', async () => {
    const res = await control('POST', '/_sim/faults', { action: { kind: 'explode' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: expect.stringContaining('kind') });
    const unknown = await control('POST', '/_sim/faults', { action: { kind: 'delay', ms: 1 }, when: 'now' });
    expect(unknown.status).toBe(400);
  });

  it('GET /_sim/messages, /_sim/uploads and /_sim/counts report what happened', async () => {
    const sent = await postMessage(sim, message('text', { body: 'recorded' }));
    await postMessage(sim, message('text', {}));
    const up = await upload(sim, { bytes: SAMPLE.jpeg, type: 'image/jpeg', filename: 'photo.jpg' });
    const messages = (await control('GET', '/_sim/messages')).body as SimMessage[];
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      to: '16505551234',
      type: 'text',
      payload: { text: { body: 'recorded' } },
      wamid: (sent.body as { messages: { id: string }[] }).messages[0]?.id,
    });
    const uploads = (await control('GET', '/_sim/uploads')).body as SimUpload[];
    expect(uploads).toEqual([
      expect.objectContaining({ id: (up.body as { id: string }).id, mimeType: 'image/jpeg', filename: 'photo.jpg' }),
    ]);
    expect((await control('GET', '/_sim/counts')).body).toEqual({
      messageCalls: 2,
      mediaCalls: 1,
      accepted: 2,
      refused: 1,
    });
  });

  it('POST /_sim/reset clears records, counts and faults (with or without a JSON content-type)', async () => {
    await postMessage(sim, message('text', { body: 'x' }));
    await control('POST', '/_sim/faults', { times: null, action: { kind: 'http_status', status: 500 } });
    const res = await fetch(`${sim.url}/_sim/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect((await control('GET', '/_sim/counts')).body).toEqual({
      messageCalls: 0,
      mediaCalls: 0,
      accepted: 0,
      refused: 0,
    });
    expect((await control('GET', '/_sim/messages')).body).toEqual([]);
    expect((await postMessage(sim, message('text', { body: 'x' }))).status).toBe(200);
    expect((await control('POST', '/_sim/reset')).status).toBe(200);
  });

  it("answers an unknown control path with Graph's unknown-path error", async () => {
    const res = await control('GET', '/_sim/nothing');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 100, message: 'Unknown path components: /_sim/nothing' } });
  });
});
