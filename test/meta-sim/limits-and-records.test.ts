// Throughput (130429) and pair (131056) limits, the latency option, and the bounded record.
// The clock is frozen with fake Date only (timers stay real), so windows never roll mid-test.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MetaSim } from '../../meta-sim/index.js';
import { graphError, message, postMessage, startTestSim } from './helpers.js';

let sim: MetaSim | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await sim?.close();
  sim = undefined;
});

const hello = (to = '+16505551234') => message('text', { body: 'hello' }, { to });

describe('Meta simulator rate limits', () => {
  it('refuses messages past the throughput per phone and second with 130429', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00.100Z'));
    sim = await startTestSim({ throughputPerSecond: 3 });
    for (let i = 0; i < 3; i++) expect((await postMessage(sim, hello(`+1650555000${i}`))).status).toBe(200);
    const over = await postMessage(sim, hello('+16505550009'));
    expect(over.status).toBe(400);
    expect(graphError(over)).toMatchObject({ code: 130429, message: '(#130429) Rate limit hit' });
    vi.setSystemTime(new Date('2026-01-01T00:00:01.100Z'));
    expect((await postMessage(sim, hello('+16505550009'))).status).toBe(200);
  });

  it('refuses the 46th message to one user within the burst with 131056, and refills one per 6 s', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    sim = await startTestSim({ pairLimit: true });
    for (let i = 0; i < 45; i++) expect((await postMessage(sim, hello())).status).toBe(200);
    const over = await postMessage(sim, hello());
    expect(graphError(over)).toMatchObject({ code: 131056 });
    // Another user is not affected.
    expect((await postMessage(sim, hello('+27123456789'))).status).toBe(200);
    vi.setSystemTime(new Date('2026-01-01T00:00:06Z'));
    expect((await postMessage(sim, hello())).status).toBe(200);
    expect(graphError(await postMessage(sim, hello())).code).toBe(131056);
  });

  it('has no rate limits unless asked', async () => {
    sim = await startTestSim();
    const answers = await Promise.all(Array.from({ length: 60 }, () => postMessage(sim as MetaSim, hello())));
    expect(answers.every((a) => a.status === 200)).toBe(true);
  });
});

describe('Meta simulator records', () => {
  it('keeps only the newest recordLimit messages', async () => {
    sim = await startTestSim({ recordLimit: 3 });
    for (let i = 0; i < 5; i++) await postMessage(sim, message('text', { body: `m${i}` }));
    expect(sim.messages().map((m) => (m.payload as { text: { body: string } }).text.body)).toEqual(['m2', 'm3', 'm4']);
    expect(sim.counts().accepted).toBe(5);
  });

  it('answers normally with latency configured', async () => {
    sim = await startTestSim({ latencyMs: 20 });
    expect((await postMessage(sim, hello())).status).toBe(200);
  });

  it('adds phones at run time', async () => {
    sim = await startTestSim();
    sim.addPhone('555000000000001', 'late-token');
    const res = await postMessage(sim, hello(), { phoneId: '555000000000001', token: 'late-token' });
    expect(res.status).toBe(200);
    expect(sim.messages()[0]?.phoneId).toBe('555000000000001');
  });
});
