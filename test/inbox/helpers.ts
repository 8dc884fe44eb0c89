// Fixtures for the inbox scope's routes (/inbox/api/…): a signed-in agent of an organization,
// whose client keeps the session cookie and CSRF token as the page does, and calls the read API.
import type { LightMyRequestResponse } from 'fastify';
import type { TestGateway } from '../helpers/app.js';
import { PASSWORD, inboxClient, linkToken } from '../agents/helpers.js';

export type InboxClient = ReturnType<typeof inboxClient>;

let agentSeq = 0;

/** A new agent of the organization `slug`, with a password set and signed in. */
export async function signedInAgent(gw: TestGateway, slug: string): Promise<InboxClient & { agentId: string }> {
  const email = `agent${++agentSeq}-${process.pid}@example.com`;
  const created = await gw.ctx.agents.create({ orgSlug: slug, email });
  const client = inboxClient(gw.app);
  await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
  const res = await client.signIn(slug, email, PASSWORD);
  if (res.statusCode !== 200) throw new Error(`sign-in answered ${res.statusCode}: ${res.body}`);
  return Object.assign(client, { agentId: created.agent.id });
}

const qs = (query: Record<string, string>) => {
  const s = new URLSearchParams(query).toString();
  return s === '' ? '' : `?${s}`;
};

/** The read API as an agent calls it; `csrf: false` leaves the token out. */
export function agentApi(client: InboxClient) {
  const conv = (id: string) => `/inbox/api/conversations/${encodeURIComponent(id)}`;
  return {
    list: (query: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
      client.get(`/inbox/api/conversations${qs(query)}`),
    messages: (id: string, query: Record<string, string> = {}) => client.get(`${conv(id)}/messages${qs(query)}`),
    read: (id: string, query: Record<string, string> = {}, opts: { csrf?: boolean } = {}) =>
      client.post(
        `${conv(id)}/read${qs(query)}`,
        undefined,
        opts.csrf === false ? {} : { 'x-csrf-token': client.csrf },
      ),
  };
}

/** POST …/conversations/{id}/messages as the agent's page sends it (with the CSRF token unless told). */
export function answer(
  client: InboxClient,
  conversationId: string,
  body: unknown,
  opts: { csrf?: boolean; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  return client.post(`/inbox/api/conversations/${encodeURIComponent(conversationId)}/messages`, body, {
    ...(opts.csrf === false ? {} : { 'x-csrf-token': client.csrf }),
    ...opts.headers,
  });
}
