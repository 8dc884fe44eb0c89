// POST /send-whatsapp (also /api/send-whatsapp): HTTP only. Checks 1–4 run in onRequest, before
// the body is parsed; Fastify validates the body against the schema (5); the service does the rest.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Tenant } from '../auth/service.js';
import type { IdempotencyHooks } from '../idempotency/hook.js';
import { IdempotencyHeader } from '../idempotency/schema.js';
import { ErrorSchema, TenantQuery } from '../http/schemas.js';
import { SEND_BODY_WORDING, SendWhatsAppBody, SendWhatsAppSuccess } from './schema.js';
import { assertMetaConfigured, type SendOutcome, type SendService } from './service.js';

/** Registered in the tenant API scope, which authenticates and rate-limits (server/scopes.ts). */
export interface MessageRoutesOptions {
  idempotency: IdempotencyHooks;
  send: SendService;
}

// Checks 3–4 (provider, Meta credentials) right after 1–2, in the auth hook, before the body is read.
const metaConfigured = (tenant: Tenant): void => assertMetaConfigured(tenant.organization);

/**
 * The success body as JSON text, with Meta's answer spliced in as it arrived (the client gets
 * Meta's bytes unchanged; cost: docs/PERFORMANCE.md). The 200 schema below still documents it.
 */
export function successJson(o: SendOutcome): string {
  return `{"success":true,"message":"Message sent successfully","data":{"message_id":${JSON.stringify(o.message_id)},"recipient":${JSON.stringify(o.recipient)},"message_type":${JSON.stringify(o.message_type)},"organization":${JSON.stringify(o.organization)},"kind":"${o.kind}"${o.kind === 'free_form' ? `,"window_ends_at":${o.windowEndsAt === null ? 'null' : `"${o.windowEndsAt}"`}` : ''},"meta_response":${o.metaResponseText}}}`;
}

export async function messageRoutes(fastify: FastifyInstance, opts: MessageRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const routeOptions = {
    config: { bodyWording: SEND_BODY_WORDING, tenantCheck: metaConfigured },
    schema: {
      tags: ['messages'],
      summary: 'Send a WhatsApp message to an existing contact',
      description:
        "Sends text, media, location, contacts, interactive (buttons, lists) and reaction messages through Meta's WhatsApp Cloud API.",
      querystring: TenantQuery,
      headers: IdempotencyHeader,
      body: SendWhatsAppBody,
      response: {
        200: SendWhatsAppSuccess,
        400: ErrorSchema,
        401: ErrorSchema,
        404: ErrorSchema,
        409: ErrorSchema,
        413: ErrorSchema,
        422: ErrorSchema,
        429: ErrorSchema,
        500: ErrorSchema,
        502: ErrorSchema,
        503: ErrorSchema,
        504: ErrorSchema,
      },
    },
    preHandler: opts.idempotency.preHandler,
    onSend: opts.idempotency.onSend,
  } as const;
  for (const [url, hide] of [
    ['/send-whatsapp', false],
    ['/api/send-whatsapp', true],
  ] as const)
    app.post(url, { ...routeOptions, schema: { ...routeOptions.schema, hide } }, async (request, reply) => {
      // Made only when a media download needs it (a text send pays for no controller): aborts the
      // download when the client hangs up before the answer, instead of fetching on for nobody.
      const hangUp = (): AbortSignal => {
        const controller = new AbortController();
        reply.raw.once('close', () => {
          if (!reply.raw.writableEnded)
            controller.abort(new DOMException('the client closed the connection', 'AbortError'));
        });
        return controller.signal;
      };
      const outcome = await opts.send.send(request.tenant.organization, request.body, request.id, hangUp);
      return reply
        .code(200)
        .header('content-type', 'application/json; charset=utf-8')
        .send(successJson(outcome) as unknown as SendWhatsAppSuccess); // its JSON text, sent as it is
    });
}
