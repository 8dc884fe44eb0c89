// A change committed on one instance reaches a stream open on another that shares the database:
// over PostgreSQL's LISTEN/NOTIFY (PostgreSQL without Redis) and over Redis pub/sub (REDIS_URL).
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES, type EngineName } from '../helpers/db.js';
import { inbound, nowS, threadOf } from '../conversations/inbox-helpers.js';
import {
  agentOf,
  changesOf,
  closeAll,
  openStream,
  startInstances,
  type LiveGateway,
  type SseClient,
} from './helpers.js';

const BUSES: { name: string; engine: EngineName; env: Record<string, string>; kind: string }[] = [
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: 'postgres LISTEN/NOTIFY', engine: 'postgres' as const, env: {}, kind: 'postgres' }]
    : []),
  ...(process.env.TEST_REDIS_URL
    ? ENGINES.map((engine) => ({
        name: `redis pub/sub on ${engine}`,
        engine,
        env: { REDIS_URL: process.env.TEST_REDIS_URL! },
        kind: 'redis',
      }))
    : []),
];

describe.skipIf(BUSES.length === 0).each(BUSES)('live changes across instances: $name', ({ engine, env, kind }) => {
  let gws: LiveGateway[] = [];
  const streams: SseClient[] = [];
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await closeAll(gws);
    gws = [];
  });

  it("reaches a stream on the other instance, for that organization's agents only", async () => {
    gws = await startInstances(engine, 2, env);
    const [writer, reader] = gws as [LiveGateway, LiveGateway];
    expect(reader.ctx.live.kind).toBe(kind);
    const mine = await agentOf(writer);
    const theirs = await agentOf(writer);
    const open = async (cookie: string) => {
      const s = await openStream(reader.url, { cookie });
      streams.push(s);
      await s.next((e) => e.event === 'ready');
      return s;
    };
    const mineStream = await open(mine.cookie);
    const theirStream = await open(theirs.cookie);

    await inbound(writer, theirs.tenant, { from: '27830000001', at: nowS(), body: 'theirs' });
    await theirStream.next((e) => e.event === 'change');
    await inbound(writer, mine.tenant, { from: '27830000002', at: nowS(), body: 'mine' });
    const hint = await mineStream.next((e) => e.event === 'change');
    const thread = await threadOf(writer, mine.tenant, '27830000002');
    expect(JSON.parse(hint.data)).toMatchObject({
      organization_id: mine.tenant.organizationId,
      conversation_id: thread.id,
      kind: 'message',
    });
    expect(changesOf(mineStream).map((c) => c['organization_id'])).toEqual([mine.tenant.organizationId]);
  });
});
