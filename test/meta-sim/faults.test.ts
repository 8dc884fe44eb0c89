// Injected faults: each kind does what the gateway's retry and recovery code must survive.
import { describe, expect, it } from 'vitest';
import type { MetaSim } from '../../meta-sim/index.js';
import { graphError, message, postMessage, SAMPLE, upload, useTestSim } from './helpers.js';

let sim: MetaSim;
useTestSim((s) => (sim = s));

const hello = (to = '+16505551234') => message('text', { body: 'hello' }, { to });

/** Resolves to the error a fetch failed with (it must fail). */
async function failure(p: Promise<unknown>): Promise<Error & { cause?: { code?: string } }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { cause?: { code?: string } };
  }
  throw new Error('expected the call to fail');
}

describe('Meta simulator faults', () => {
  it("graph_error answers Graph's envelope with the code, default message and status, then stops", async () => {
    sim.injectFault({ action: { kind: 'graph_error', code: 131000 } });
    const hit = await postMessage(sim, hello());
    expect(hit.status).toBe(500);
    expect(graphError(hit)).toMatchObject({ code: 131000, message: '(#131000) Something went wrong' });
    expect((await postMessage(sim, hello())).status).toBe(200);
    expect(sim.counts()).toMatchObject({ messageCalls: 2, accepted: 1, refused: 1 });
  });

  it('graph_error carries the status, message, subcode and is_transient it was given', async () => {
    sim.injectFault({
      action: {
        kind: 'graph_error',
        code: 4,
        httpStatus: 429,
        message: 'Application request limit reached',
        isTransient: true,
        subcode: 2446079,
      },
    });
    const res = await postMessage(sim, hello());
    expect(res.status).toBe(429);
    expect((res.body as { error: unknown }).error).toMatchObject({
      code: 4,
      message: 'Application request limit reached',
      error_subcode: 2446079,
      is_transient: true,
      type: 'OAuthException',
    });
  });

  it("graph_error 130429 answers 400, as Meta's table has it", async () => {
    sim.injectFault({ path: 'messages', action: { kind: 'graph_error', code: 130429 } });
    const res = await postMessage(sim, hello());
    expect(res.status).toBe(400);
    expect(graphError(res)).toMatchObject({ code: 130429, message: '(#130429) Rate limit hit' });
  });

  it('http_status answers the raw status and body, as a proxy in front of Graph would', async () => {
    sim.injectFault({ action: { kind: 'http_status', status: 502, body: '<html>Bad Gateway</html>' } });
    const res = await postMessage(sim, hello());
    expect(res.status).toBe(502);
    expect(res.text).toBe('<html>Bad Gateway</html>');
    expect(sim.messages()).toHaveLength(0);
  });

  it('delay answers normally, after a later undelayed call has been answered', async () => {
    sim.injectFault({ to: '+16505550001', action: { kind: 'delay', ms: 400 } });
    const order: string[] = [];
    const delayed = postMessage(sim, hello('+16505550001')).then((r) => {
      order.push('delayed');
      return r;
    });
    const prompt = postMessage(sim, hello('+16505550002')).then((r) => {
      order.push('prompt');
      return r;
    });
    const [d, p] = await Promise.all([delayed, prompt]);
    expect(d.status).toBe(200);
    expect(p.status).toBe(200);
    expect(order).toEqual(['prompt', 'delayed']);
    expect(sim.messages()).toHaveLength(2);
  });

  it('drop before resets the connection without processing the message', async () => {
    sim.injectFault({ action: { kind: 'drop', when: 'before' } });
    const err = await failure(postMessage(sim, hello()));
    expect(err).toBeInstanceOf(TypeError);
    expect(sim.messages()).toHaveLength(0);
    expect(sim.counts()).toMatchObject({ messageCalls: 1, accepted: 0 });
  });

  it('drop after accepts and records the message, then resets the connection with no answer', async () => {
    sim.injectFault({ action: { kind: 'drop', when: 'after' } });
    const err = await failure(postMessage(sim, hello()));
    expect(err).toBeInstanceOf(TypeError);
    const recorded = sim.messages();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ to: '16505551234', type: 'text', wamid: expect.stringMatching(/^wamid\./) });
    expect(sim.counts()).toMatchObject({ messageCalls: 1, accepted: 1 });
    // The connection is gone, the simulator is not: the retry goes through.
    expect((await postMessage(sim, hello())).status).toBe(200);
  });

  it('skip lets the first matching calls through', async () => {
    sim.injectFault({ skip: 2, action: { kind: 'graph_error', code: 131016 } });
    expect((await postMessage(sim, hello())).status).toBe(200);
    expect((await postMessage(sim, hello())).status).toBe(200);
    expect(graphError(await postMessage(sim, hello())).code).toBe(131016);
    expect((await postMessage(sim, hello())).status).toBe(200);
  });

  it('to only hits messages to that recipient', async () => {
    sim.injectFault({ to: '27123456789', times: Infinity, action: { kind: 'graph_error', code: 131026 } });
    expect((await postMessage(sim, hello('+16505551234'))).status).toBe(200);
    expect(graphError(await postMessage(sim, hello('+27123456789'))).code).toBe(131026);
    expect(graphError(await postMessage(sim, hello('27123456789'))).code).toBe(131026);
  });

  it('times Infinity keeps hitting until the faults are cleared', async () => {
    sim.injectFault({ times: Infinity, action: { kind: 'graph_error', code: 131057 } });
    for (let i = 0; i < 5; i++) expect(graphError(await postMessage(sim, hello())).code).toBe(131057);
    sim.clearFaults();
    expect((await postMessage(sim, hello())).status).toBe(200);
  });

  it('times counts the calls hit', async () => {
    sim.injectFault({ times: 2, action: { kind: 'http_status', status: 503 } });
    expect((await postMessage(sim, hello())).status).toBe(503);
    expect((await postMessage(sim, hello())).status).toBe(503);
    expect((await postMessage(sim, hello())).status).toBe(200);
  });

  it('probability 0 never hits', async () => {
    sim.injectFault({ probability: 0, times: Infinity, action: { kind: 'graph_error', code: 131000 } });
    for (let i = 0; i < 5; i++) expect((await postMessage(sim, hello())).status).toBe(200);
  });

  it('faults apply in the order injected, one per call', async () => {
    sim.injectFault({ action: { kind: 'graph_error', code: 131000 } });
    sim.injectFault({ action: { kind: 'graph_error', code: 131016 } });
    expect(graphError(await postMessage(sim, hello())).code).toBe(131000);
    expect(graphError(await postMessage(sim, hello())).code).toBe(131016);
    expect((await postMessage(sim, hello())).status).toBe(200);
  });

  it('a media fault does not hit messages, and hits uploads', async () => {
    sim.injectFault({ path: 'media', action: { kind: 'graph_error', code: 131053 } });
    expect((await postMessage(sim, hello())).status).toBe(200);
    const res = await upload(sim, { bytes: SAMPLE.png, type: 'image/png' });
    expect(graphError(res).code).toBe(131053);
    expect(sim.uploads()).toHaveLength(0);
  });

  it('drop after on an upload records the upload, then resets the connection', async () => {
    sim.injectFault({ path: 'media', action: { kind: 'drop', when: 'after' } });
    await failure(upload(sim, { bytes: SAMPLE.png, type: 'image/png' }));
    expect(sim.uploads()).toHaveLength(1);
  });

  it('drop before on an upload records nothing', async () => {
    sim.injectFault({ path: 'media', action: { kind: 'drop', when: 'before' } });
    await failure(upload(sim, { bytes: SAMPLE.png, type: 'image/png' }));
    expect(sim.uploads()).toHaveLength(0);
    expect(sim.counts().mediaCalls).toBe(1);
  });

  it('refuses a malformed fault', () => {
    expect(() => sim.injectFault({ action: { kind: 'drop', when: 'later' } } as never)).toThrow(/when/);
    expect(() => sim.injectFault({ probability: 2, action: { kind: 'delay', ms: 1 } })).toThrow(/probability/);
  });

  it('reset clears records, counts and faults but keeps phones', async () => {
    sim.injectFault({ times: Infinity, action: { kind: 'graph_error', code: 131000 } });
    await postMessage(sim, hello());
    sim.reset();
    expect(sim.counts()).toEqual({ messageCalls: 0, mediaCalls: 0, accepted: 0, refused: 0 });
    expect((await postMessage(sim, hello())).status).toBe(200);
    expect(sim.messages()).toHaveLength(1);
  });
});
