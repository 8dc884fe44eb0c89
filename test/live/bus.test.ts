// The change bus on its own: coalescing, per-organization fan-out, a transport that fails, and
// PostgreSQL's NOTIFY limit (hints split into payloads under 8,000 bytes).
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChangeFeed, inProcessTransport, type ChangeListener, type ChangeTransport } from '../../src/live/bus.js';
import { chunkChanges, decodeChanges, type Change } from '../../src/live/change.js';
import { postgresTransport } from '../../src/live/pg-bus.js';

const hint = (org: string, n: number, kind: Change['kind'] = 'status'): Change => ({
  organization_id: org,
  conversation_id: `conv-${n % 7}`,
  kind,
  message_id: `msg-${n}`,
});

/** A listener that records what it gets, and resolves `until` once it has `n` hints. */
function recorder() {
  const got: Change[] = [];
  let resyncs = 0;
  const waiters: { n: number; done: () => void }[] = [];
  const listener: ChangeListener = {
    changes: (cs) => {
      got.push(...cs);
      for (const w of waiters.splice(0))
        if (got.length >= w.n) w.done();
        else waiters.push(w);
    },
    resync: () => resyncs++,
  };
  return {
    got,
    listener,
    resyncs: () => resyncs,
    until: (n: number) => new Promise<void>((done) => (got.length >= n ? done() : waiters.push({ n, done }))),
  };
}

const quiet = { warn: vi.fn() };

describe('the change bus', () => {
  it("sends a turn's hints as one message, equal hints once, to their organization's listeners only", async () => {
    const sent: string[] = [];
    const inner = inProcessTransport();
    const transport: ChangeTransport = { ...inner, send: (p) => (sent.push(p), inner.send(p)) };
    const feed = new ChangeFeed(transport, quiet);
    await feed.ready();
    const a = recorder();
    const b = recorder();
    feed.subscribe('org-a', a.listener);
    const stopB = feed.subscribe('org-b', b.listener);
    feed.publish([hint('org-a', 1), hint('org-b', 2)]);
    feed.publish([hint('org-a', 1), hint('org-a', 3)]);
    await a.until(2);
    await b.until(1);
    expect(sent).toHaveLength(1);
    expect(a.got.map((c) => c.message_id)).toEqual(['msg-1', 'msg-3']);
    expect(b.got.map((c) => c.organization_id)).toEqual(['org-b']);
    stopB();
    feed.publish([hint('org-b', 4), hint('org-a', 5)]);
    await a.until(3);
    expect(b.got).toHaveLength(1);
    await feed.close();
  });

  it('never throws nor waits when its transport fails, and logs once per interval', async () => {
    const warn = vi.fn();
    const failing: ChangeTransport = {
      kind: 'redis',
      maxBytes: 1000,
      send: () => Promise.reject(new Error('connection refused')),
      listen: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const feed = new ChangeFeed(failing, { warn });
    expect(() => feed.publish([hint('org', 1)])).not.toThrow();
    await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1));
    feed.publish([hint('org', 2)]);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(warn).toHaveBeenCalledTimes(1);
    await feed.close();
  });

  it('tells every listener to read again when its transport may have missed messages', async () => {
    let lost = (): void => undefined;
    const transport: ChangeTransport = {
      ...inProcessTransport(),
      listen: (_deliver, onLost) => {
        lost = onLost;
        return Promise.resolve();
      },
    };
    const feed = new ChangeFeed(transport, quiet);
    const a = recorder();
    feed.subscribe('org-a', a.listener);
    lost();
    expect(a.resyncs()).toBe(1);
    await feed.close();
  });

  it('splits hints into messages under the limit, and drops what is not a hint', () => {
    const many = Array.from({ length: 500 }, (_, i) => hint('0196f1e2-aaaa-7bbb-8ccc-0123456789ab', i));
    const parts = chunkChanges(many, 7_900);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThan(7_900);
    expect(parts.flatMap(decodeChanges)).toEqual(many);
    expect(decodeChanges('not json')).toEqual([]);
    expect(decodeChanges('{"organization_id":"x"}')).toEqual([]);
    expect(
      decodeChanges(
        JSON.stringify([
          { organization_id: 'o', conversation_id: 'c', kind: 'read', extra: '<script>' },
          { organization_id: 'o', conversation_id: 'c', kind: 'delete' },
          { organization_id: 1, conversation_id: 'c', kind: 'read' },
        ]),
      ),
    ).toEqual([{ organization_id: 'o', conversation_id: 'c', kind: 'read' }]);
  });
});

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))('the change bus over PostgreSQL LISTEN/NOTIFY', () => {
  const pools: pg.Pool[] = [];
  afterEach(async () => {
    for (const p of pools.splice(0)) await p.end();
  });

  it("carries a turn's hundreds of hints from one instance to another, in payloads NOTIFY takes", async () => {
    const pool = () => {
      const p = new pg.Pool({ connectionString: process.env.TEST_DATABASE_URL, max: 2 });
      pools.push(p);
      return p;
    };
    const channel = `flowiq_live_test_${process.pid}`;
    const writer = new ChangeFeed(postgresTransport(pool(), channel), quiet);
    const reader = new ChangeFeed(postgresTransport(pool(), channel), quiet);
    await Promise.all([writer.ready(), reader.ready()]);
    const r = recorder();
    reader.subscribe('org-pg', r.listener);
    const many = Array.from({ length: 400 }, (_, i) => hint('org-pg', i));
    writer.publish(many);
    await r.until(many.length);
    expect(r.got).toEqual(many);
    await writer.close();
    await reader.close();
  });
});
