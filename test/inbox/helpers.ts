// Fixtures for the inbox scope's routes (/inbox/api/…): a signed-in agent of an organization,
// whose client keeps the session cookie and CSRF token as the page does, and calls the read API.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { TestGateway } from '../helpers/app.js';
import { PASSWORD, inboxClient, linkToken } from '../agents/helpers.js';

export type InboxClient = ReturnType<typeof inboxClient>;
export type SignedInAgent = InboxClient & { agentId: string; /** The session's Cookie header. */ cookie: string };

let agentSeq = 0;

/** A new agent of the organization `slug`, with a password set and signed in. */
export async function signedInAgent(gw: TestGateway, slug: string): Promise<SignedInAgent> {
  const email = `agent${++agentSeq}-${process.pid}@example.com`;
  const created = await gw.ctx.agents.create({ orgSlug: slug, email });
  const client = inboxClient(gw.app);
  await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
  const res = await client.signIn(slug, email, PASSWORD);
  if (res.statusCode !== 200) throw new Error(`sign-in answered ${res.statusCode}: ${res.body}`);
  const session = res.cookies.find((c) => c.name === 'flowiq_session')!.value;
  return Object.assign(client, { agentId: created.agent.id, cookie: `flowiq_session=${session}` });
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

export type FormPart = { name: string; value: string } | { name: string; filename: string; type: string; data: Buffer };

/** A multipart/form-data body as a browser's FormData sends it. */
export function formData(parts: FormPart[]): { body: Buffer; contentType: string } {
  const boundary = `----flowiqTest${Date.now().toString(16)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const head =
      'data' in p
        ? `Content-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type}\r\n`
        : `Content-Disposition: form-data; name="${p.name}"\r\n`;
    chunks.push(
      Buffer.from(`--${boundary}\r\n${head}\r\n`),
      'data' in p ? p.data : Buffer.from(p.value),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POST …/conversations/{id}/attachments with these parts, as the agent's page sends it. */
export function attach(
  client: SignedInAgent,
  app: FastifyInstance,
  conversationId: string,
  parts: FormPart[],
  opts: { csrf?: string } = {},
) {
  const { body, contentType } = formData(parts);
  return app.inject({
    method: 'POST',
    url: `/inbox/api/conversations/${encodeURIComponent(conversationId)}/attachments`,
    headers: { cookie: client.cookie, 'x-csrf-token': opts.csrf ?? client.csrf, 'content-type': contentType },
    payload: body,
  });
}
