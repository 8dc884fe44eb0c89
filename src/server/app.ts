// buildApp(ctx) → a Fastify instance with plugins and routes. It never listens: serve.ts does,
// and tests use inject() or listen on an ephemeral loopback port.
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { eventWebhooks } from '../events/openapi.js';
import type { Logger } from 'pino';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Tenant } from '../auth/service.js';
import type { TrustProxyConfig } from '../config.js';
import type { AppContext } from './context.js';
import { ServiceUnavailable } from '../errors.js';
import {
  clientErrorHandler,
  frameworkErrorHandler,
  parseJsonBody,
  registerErrorHandling,
} from '../http/error-handler.js';
import { healthRoutes } from '../http/health.js';
import { redactUrl } from '../http/redact-url.js';
import { useLazyRequestLoggers } from '../http/request-logger.js';
import { registerSecurityHeaders } from '../http/security-headers.js';
import { inboxPageRoutes } from '../inbox/page-routes.js';
import { ajvOptions } from '../http/ajv.js';
import { openApiTransform } from '../http/keywords/index.js';
import { inboxApiScope, metaWebhookScope, publicMediaScope, tenantApiScope } from './scopes.js';

export interface BuildAppOptions {
  /** A pino logger config, `false` for silence, or a stream for tests that read the logs. */
  logger?: FastifyServerOptions['logger'];
}

// Secrets never reach the logs: pino removes these paths before a line is written.
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  '*.authorization',
  '*.token',
  '*.metaToken',
  '*.whatsapp_bearer_token',
  '*.key',
  '*.secret',
];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return { level, redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } };
}

/**
 * TRUST_PROXY as Fastify's option. Fastify ignores a bare hop count (it cannot check who the peer
 * is), so hops become a function: setting them states that only the proxies can reach the gateway.
 */
function trustProxyOption(trust: TrustProxyConfig): FastifyServerOptions['trustProxy'] {
  if (trust === false) return false;
  if ('hops' in trust) return (_address: string, hop: number) => hop < trust.hops;
  return [...trust.addresses];
}

export async function buildApp(ctx: AppContext, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? loggerOptions(ctx.config.logLevel),
    bodyLimit: ctx.config.bodyLimitBytes,
    ajv: ajvOptions,
    requestIdHeader: 'x-request-id',
    // Whose X-Forwarded-For gives request.ip (per-address limits), X-Forwarded-Proto and -Host.
    trustProxy: trustProxyOption(ctx.config.trustProxy),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Fastify refuses __proto__ / constructor.prototype keys in JSON bodies with an error we translate.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // While closing, new requests get our 503 (the hook below), not Fastify's own body.
    return503OnClosing: false,
    // Errors raised before any route or hook runs, in our shape rather than Fastify's.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // One access line per request (onResponse below) instead of Fastify's two (docs/PERFORMANCE.md).
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
  });
  useLazyRequestLoggers(app);
  // Declared up front so every request object has the same shape from its construction: a
  // property added later by a hook would change the object's hidden class on each request.
  app.decorateRequest('tenant', null as unknown as Tenant); // set by the auth hook before any handler reads it
  app.decorateRequest('idempotency', null);
  registerErrorHandling(app);
  // Our JSON parser: it says which key it refuses where Fastify's says only "not valid JSON".
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  // While shutting down, answers close their connection: a keep-alive socket that was busy when
  // SIGTERM came would otherwise hold the server open after its last response.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Requests that arrive on a kept-alive connection during shutdown: retry elsewhere.
  app.addHook('onRequest', (_request, _reply, done) => {
    if (closing) return done(new ServiceUnavailable('The server is shutting down; retry the request', 1));
    done();
  });
  // The level is fixed at start: above info the line would never be written, so the hook is
  // left out rather than run for nothing on every request.
  const log = app.log as Partial<Pick<Logger, 'isLevelEnabled'>>;
  if (log.isLevelEnabled?.('info')) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        {
          method: request.method,
          url: redactUrl(request.url),
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
      done();
    });
  }
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // The headers that matter for a JSON API and signed media links (OWASP's REST guidance): no
  // content may run or be framed, no MIME sniffing, HTTPS only, no referrer. helmet's other
  // defaults protect HTML pages (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, ...) and cost
  // ~3k instructions each per response, measured; Cross-Origin-Resource-Policy: same-origin would
  // also stop a helpdesk on another origin from showing a signed image. /docs sets its own CSP.
  registerSecurityHeaders(app, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: { action: 'deny' },
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'FlowIQ Gateway',
        version: '0.1.0',
        description: "FlowIQ's POST /send-whatsapp over Meta's WhatsApp Cloud API",
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer fiq_…' },
          // The inbox scope's (server/scopes.ts): an agent's session cookie, and its CSRF token on changes.
          inboxSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'flowiq_session',
            description: 'An agent’s session: POST /inbox/api/sign-in sets it (docs/INBOX.md)',
          },
          inboxCsrf: {
            type: 'apiKey',
            in: 'header',
            name: 'x-csrf-token',
            description:
              'The session’s CSRF token (sign-in’s answer, GET /inbox/api/me), on every state-changing request',
          },
        },
      },
      security: [{ bearerAuth: [] }],
      webhooks: eventWebhooks(),
    },
    transform: openApiTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { db: ctx.db, redis: ctx.redis, storage: ctx.media.storage });
  await app.register(tenantApiScope, ctx);
  await app.register(publicMediaScope, ctx);
  await app.register(metaWebhookScope, ctx);
  await app.register(inboxApiScope, ctx);
  await app.register(inboxPageRoutes, { publicUrl: ctx.config.publicUrl });
  return app;
}
