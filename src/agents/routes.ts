// The inbox's account routes under /inbox/api: set a password from a link, sign in, who am I,
// sign out. Registered in the inbox scope, whose hooks check origin, session and CSRF (hooks.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { CookieSerializeOptions } from '@fastify/cookie';
import { Type } from '@sinclair/typebox';
import { ErrorSchema } from '../http/schemas.js';
import { SESSION_COOKIE, SESSION_COOKIE_PATH } from './current.js';
import { AgentMe, SetPasswordBody, SignInBody } from './schema.js';
import type { AgentService } from './service.js';
import type { CurrentAgent } from './sessions.js';

export interface AgentRoutesOptions {
  agents: AgentService;
  publicUrl: string;
  sessionMaxSeconds: number;
}

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema };

function me(agent: CurrentAgent) {
  return {
    agent: {
      id: agent.agentId,
      organization_id: agent.organizationId,
      email: agent.email,
      name: agent.name,
      role: agent.role,
    },
    csrf_token: agent.csrfToken,
    session_expires_at: agent.expiresAt,
  };
}

export async function agentRoutes(fastify: FastifyInstance, opts: AgentRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const httpsOnly = opts.publicUrl.startsWith('https:');
  /**
   * HttpOnly: no script reads it. SameSite=Strict: no other site's page or link sends it; the inbox
   * is opened directly, and its page's own requests are same-site. Secure when the gateway is
   * reached over https: PUBLIC_URL says so behind a proxy (a forwarded header is believed only
   * from a proxy TRUST_PROXY trusts), request.protocol when it serves TLS itself or that proxy
   * says so. Path=/inbox: the page and its API only.
   */
  const cookie = (request: FastifyRequest): CookieSerializeOptions => ({
    httpOnly: true,
    sameSite: 'strict',
    secure: httpsOnly || request.protocol === 'https',
    path: SESSION_COOKIE_PATH,
  });

  /**
   * Before the cookie was narrowed to /inbox it was set at Path=/: a browser may still hold one
   * from then, which sign-out would not reach. Both routes remove it.
   */
  const clearLegacyCookie = (request: FastifyRequest, reply: FastifyReply): void => {
    reply.clearCookie(SESSION_COOKIE, { ...cookie(request), path: '/' });
  };

  app.post(
    '/inbox/api/set-password',
    {
      config: { inboxPublic: true },
      schema: {
        tags: ['inbox'],
        summary: "Set an agent's password with the one-time link's token",
        body: SetPasswordBody,
        response: { 200: Type.Object({ success: Type.Literal(true) }), ...errors },
      },
    },
    async (request) => {
      await opts.agents.setPassword(request.body.token, request.body.password);
      return { success: true as const };
    },
  );

  app.post(
    '/inbox/api/sign-in',
    {
      config: { inboxPublic: true },
      schema: {
        tags: ['inbox'],
        summary: 'Sign an agent in: sets the session cookie',
        body: SignInBody,
        response: { 200: AgentMe, ...errors },
      },
    },
    async (request, reply) => {
      const signedIn = await opts.agents.sessions.signIn({ ...request.body, address: request.ip });
      reply.setCookie(SESSION_COOKIE, signedIn.token, { ...cookie(request), maxAge: opts.sessionMaxSeconds });
      clearLegacyCookie(request, reply);
      return me(signedIn.agent);
    },
  );

  app.get(
    '/inbox/api/me',
    {
      schema: {
        tags: ['inbox'],
        summary: 'The signed-in agent and the CSRF token of the session',
        response: { 200: AgentMe, ...errors },
      },
    },
    async (request) => me(request.agent),
  );

  app.post(
    '/inbox/api/sign-out',
    {
      schema: { tags: ['inbox'], summary: 'End the session', response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      await opts.agents.sessions.signOut(request.agent.sessionId);
      reply.clearCookie(SESSION_COOKIE, cookie(request));
      clearLegacyCookie(request, reply);
      return reply.code(204).send(null);
    },
  );
}
