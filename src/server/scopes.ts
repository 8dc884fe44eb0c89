// The app's scopes (Fastify encapsulation): each kind of caller gets its own hooks, parsers and
// limits, declared once for the scope instead of per route or by lists of URL prefixes.
//   tenant API:   API key (auth hook), per-key rate limit, JSON bodies, idempotency per route
//   public media: signed URLs only; no key, no rate limit
//   Meta webhooks: raw bodies (the signature is over the bytes), Meta's signature instead of a
//                  key, a 3 MB body limit, no rate limit (Meta's bursts must be absorbed, not refused)
//   inbox API:    /inbox/api/…, the browser's: session cookie instead of a key, other sites'
//                 requests refused, a CSRF token on every change (agents/hooks.ts); the same read
//                 routes as the tenant API's, for the signed-in agent's organization
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { sameOriginHook, sessionHook } from '../agents/hooks.js';
import { agentRoutes } from '../agents/routes.js';
import type { CurrentAgent } from '../agents/sessions.js';
import { authenticateHook } from '../auth/hook.js';
import { contactRoutes } from '../contacts/routes.js';
import { conversationRoutes } from '../conversations/routes.js';
import {
  callerOrganization,
  inboxRoutes,
  type InboxCaller,
  type InboxRoutesOptions,
} from '../conversations/inbox-routes.js';
import { answerRoutes } from '../inbox/answer-routes.js';
import { attachmentRoutes } from '../inbox/attachment-routes.js';
import { AnswerService } from '../inbox/answer-service.js';
import { AnswerStore } from '../inbox/answer-store.js';
import type { IdempotencyScope } from '../idempotency/store.js';
import { endpointRoutes } from '../events/routes.js';
import { registerRateLimit } from '../http/rate-limit.js';
import { idempotencyHooks } from '../idempotency/hook.js';
import { mediaRoutes } from '../media/routes.js';
import { messageRoutes } from '../messages/routes.js';
import { metaWebhookRoutes } from '../inbound/routes.js';
import { templateRoutes } from '../templates/routes.js';
import { liveRoutes } from '../live/routes.js';
import { inboxTemplateRoutes } from '../inbox/templates-routes.js';
import type { AppContext } from './context.js';

/** The read API's plugin options for one scope's caller: the same routes and schemas in both. */
function inboxRoutesFor(caller: InboxCaller, ctx: AppContext): InboxRoutesOptions {
  return {
    caller,
    db: ctx.db,
    signer: ctx.media.signer,
    meta: ctx.meta,
    organizations: ctx.organizationStore,
    decryptToken: (org) => ctx.organizations.decryptToken(org),
    live: ctx.live,
  };
}

export async function tenantApiScope(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // Before the body is read: a request with a bad key or tenant costs no parsing or validation.
  app.addHook('onRequest', authenticateHook(ctx.auth));
  // The limiter is keyed on the key the auth hook found, so it runs after it (preHandler).
  await registerRateLimit(app, { perSecond: ctx.config.rateLimitPerKey, redis: ctx.redis });
  const idempotency = idempotencyHooks({
    store: ctx.idempotency,
    waitMs: ctx.config.meta.timeoutMs + ctx.config.meta.retryBudgetMs,
  });
  await app.register(contactRoutes, { contacts: ctx.contacts, idempotency });
  await app.register(messageRoutes, { send: ctx.send, idempotency });
  await app.register(conversationRoutes, { db: ctx.db, signer: ctx.media.signer });
  await app.register(inboxRoutes, inboxRoutesFor('api-key', ctx));
  await app.register(endpointRoutes, { endpoints: ctx.endpoints, db: ctx.db });
  await app.register(templateRoutes, { templates: ctx.templates });
}

export async function publicMediaScope(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(mediaRoutes, { storage: ctx.media.storage, signer: ctx.media.signer });
}

/** The webhook scope's own limit (the API's is 1 MB): Meta's batches of up to 1,000 items fit. */
export const META_WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024;

export async function metaWebhookScope(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // Every body as the bytes received, whatever its content type: nothing is parsed before the
  // signature is checked.
  app.removeAllContentTypeParsers();
  // The limit on each route too, so that the 413's wording names this scope's limit, not the API's.
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= META_WEBHOOK_BODY_LIMIT;
  });
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: META_WEBHOOK_BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );
  await app.register(metaWebhookRoutes, { apps: ctx.apps, receipts: ctx.receipts, inbound: ctx.inbound });
}

export async function inboxApiScope(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(fastifyCookie);
  app.decorateRequest('agent', null as unknown as CurrentAgent); // set by the session hook before any handler reads it
  // Before the body is read: another site's request, or one without a session, costs no parsing.
  app.addHook('onRequest', sameOriginHook(ctx.config.publicUrl));
  app.addHook('onRequest', sessionHook(ctx.agents.sessions));
  app.addHook('onRoute', documentInboxSecurity);
  await app.register(agentRoutes, {
    agents: ctx.agents,
    publicUrl: ctx.config.publicUrl,
    sessionMaxSeconds: ctx.config.inbox.sessionMaxSeconds,
  });
  await app.register(inboxRoutes, inboxRoutesFor('agent', ctx));
  const answers = new AnswerService({ store: new AnswerStore(ctx.db), send: ctx.send, log: app.log, live: ctx.live });
  const organization = callerOrganization('agent', ctx.organizationStore);
  await app.register(answerRoutes, {
    answers,
    organization,
    idempotency: idempotencyHooks({
      store: ctx.idempotency,
      waitMs: ctx.config.meta.timeoutMs + ctx.config.meta.retryBudgetMs,
      ownerOf: agentKeyOwner,
    }),
  });
  await app.register(attachmentRoutes, {
    answers,
    organization,
    storage: ctx.media.storage,
    tmpDir: path.join(ctx.config.dataDir, 'tmp'),
  });
  await app.register(inboxTemplateRoutes, { templates: ctx.templates, organizations: ctx.organizationStore });
  await app.register(liveRoutes, {
    bus: ctx.live,
    sessions: ctx.agents.sessions,
    streamsPerAgent: ctx.config.live.streamsPerAgent,
    streamsMax: ctx.config.live.streamsMax,
    heartbeatSeconds: ctx.config.live.heartbeatSeconds,
  });
}

/**
 * An agent's Idempotency-Key is theirs alone, and per conversation: the scope names the route as
 * requested (with the conversation's id), and the agent, so two agents never share a key.
 */
function agentKeyOwner(request: FastifyRequest): Omit<IdempotencyScope, 'key'> {
  const path = request.url.split('?', 1)[0]!.toLowerCase();
  return {
    organizationId: request.agent.organizationId,
    scope: `${request.method} ${path} agent:${request.agent.agentId}`,
  };
}

/**
 * What the inbox scope's routes require, in OpenAPI: the session cookie, and the CSRF token on
 * anything but GET and HEAD; nothing (not the API's bearer key) on the public ones.
 */
function documentInboxSecurity(route: RouteOptions): void {
  if (route.schema === undefined) return;
  const methods = [route.method].flat();
  const security = route.config?.inboxPublic
    ? []
    : methods.every((m) => m === 'GET' || m === 'HEAD')
      ? [{ inboxSession: [] }]
      : [{ inboxSession: [], inboxCsrf: [] }];
  route.schema = { ...route.schema, security };
}
