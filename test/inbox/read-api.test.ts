// The read API in the inbox scope (/inbox/api/conversations…), on each engine: a signed-in agent
// reads their own organization's conversations and marks them read; another organization's agent
// gets 404 by id and finds nothing by list or search; no session is 401 in the document's shape;
// a POST without the CSRF token is refused; and the tenant API under /api does not take a session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { T0, api, inbound, startInbox, threadOf, type InboxFixture } from '../conversations/inbox-helpers.js';
import { PASSWORD, inboxClient, linkToken } from '../agents/helpers.js';
import { agentApi, signedInAgent } from './helpers.js';

let numberSeq = 0;
const number = () => `2783${String(process.pid % 1000).padStart(3, '0')}${String(++numberSeq).padStart(4, '0')}`;

describe.each(ENGINES)('the read API for signed-in agents (%s)', (engine) => {
  let f: InboxFixture;
  beforeAll(async () => {
    f = await startInbox(engine);
  });
  afterAll(async () => f.close());

  async function conversationOfOwnOrg() {
    const t = await f.tenant();
    const n = number();
    await inbound(f.gw, t, { from: n, at: T0 + 1, body: 'where is parcel 7781?', name: 'Lindiwe' });
    const th = await threadOf(f.gw, t, n);
    return { t, n, th, agent: await signedInAgent(f.gw, t.slug) };
  }

  it('lists, pages and marks read its own organization’s conversations, as the API key sees them', async () => {
    const { t, th, agent } = await conversationOfOwnOrg();
    const list = await agentApi(agent).list();
    expect(list.statusCode, list.body).toBe(200);
    // The same answer as the tenant API's, for the same organization.
    expect(list.json()).toEqual((await api(f.gw, t).list()).json());
    expect(list.json().data.map((c: { id: string }) => c.id)).toEqual([th.id]);
    expect((await agentApi(agent).list({ q: 'parcel 7781' })).json().data).toHaveLength(1);

    const page = await agentApi(agent).messages(th.id);
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json().data.map((m: { direction: string }) => m.direction)).toEqual(['inbound']);

    const read = await agentApi(agent).read(th.id);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().data).toMatchObject({ unread_count: 0, receipt: 'sent' });
    expect(f.sim.readReceipts().filter((r) => r.phoneId === t.phoneNumberId)).toHaveLength(1);
    expect((await agentApi(agent).list()).json().data[0].unread_count).toBe(0);
  });

  it('shows another organization’s agent nothing: 404 by id, empty list and search', async () => {
    const { t, th } = await conversationOfOwnOrg();
    const other = await f.tenant();
    const stranger = await signedInAgent(f.gw, other.slug);
    expect((await agentApi(stranger).list()).json().data).toEqual([]);
    expect((await agentApi(stranger).list({ q: 'parcel' })).json().data).toEqual([]);
    for (const res of [await agentApi(stranger).messages(th.id), await agentApi(stranger).read(th.id)]) {
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json()).toMatchObject({ error: 'Not found', request_id: expect.any(String) });
    }
    // Nothing was marked: the owner's conversation is still unread.
    expect((await api(f.gw, t).list()).json().data[0].unread_count).toBe(1);
    expect(f.sim.readReceipts().filter((r) => r.phoneId === t.phoneNumberId)).toEqual([]);
  });

  it('answers 401 Not signed in without a session, in the document’s shape', async () => {
    const { th, agent } = await conversationOfOwnOrg();
    for (const url of ['/inbox/api/conversations', `/inbox/api/conversations/${th.id}/messages`]) {
      const res = await agent.get(url, {});
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({
        error: 'Not signed in',
        message: expect.any(String),
        request_id: expect.any(String),
      });
    }
    const res = await f.gw.app.inject({ method: 'POST', url: `/inbox/api/conversations/${th.id}/read` });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'Not signed in' });
  });

  it('refuses POST …/read without the CSRF token, and the conversation stays unread', async () => {
    const { t, th, agent } = await conversationOfOwnOrg();
    const res = await agentApi(agent).read(th.id, {}, { csrf: false });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'CSRF check failed', request_id: expect.any(String) });
    expect((await api(f.gw, t).list()).json().data[0].unread_count).toBe(1);
    expect(f.sim.readReceipts().filter((r) => r.phoneId === t.phoneNumberId)).toEqual([]);
  });

  it('sets the session cookie at Path=/inbox; sign-in and sign-out remove one set at Path=/ before', async () => {
    const t = await f.tenant();
    const created = await f.gw.ctx.agents.create({ orgSlug: t.slug, email: `path-${process.pid}@example.com` });
    const client = inboxClient(f.gw.app);
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    const session = (res: { cookies: { name: string; path?: string; value: string }[] }) =>
      res.cookies.filter((c) => c.name === 'flowiq_session').map((c) => [c.path, c.value === '' ? 'cleared' : 'set']);
    const signIn = await client.signIn(t.slug, `path-${process.pid}@example.com`, PASSWORD);
    expect(session(signIn)).toEqual([
      ['/inbox', 'set'],
      ['/', 'cleared'],
    ]);
    const out = await client.post('/inbox/api/sign-out', undefined, { 'x-csrf-token': client.csrf });
    expect(out.statusCode).toBe(204);
    expect(session(out)).toEqual([
      ['/inbox', 'cleared'],
      ['/', 'cleared'],
    ]);
  });

  it('does not take a session on the tenant API under /api: only keys', async () => {
    const { t, agent } = await conversationOfOwnOrg();
    const res = await agent.get(`/api/conversations?tenantId=${t.slug}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: expect.any(String), request_id: expect.any(String) });
  });
});
