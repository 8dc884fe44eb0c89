// POST /send-whatsapp (also /api/send-whatsapp): HTTP only. Checks 1–4 run in onRequest, before
// the body is parsed; Fastify validates the body against the schema (5); the service does the rest.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateHook } from '../auth/hook.js';
import type { IdempotencyHooks } from '../idempotency/hook.js';
import { IdempotencyHeader } from '../idempotency/schema.js';
import type { AuthService } from '../auth/service.js';
import { ErrorSchema, TenantQuery } from '../http/schemas.js';
import { SEND_BODY_WORDING, SendWhatsAppBody, SendWhatsAppSuccess, type SendRequest } from './schema.js';
import { assertMetaConfigured, type SendOutcome, type SendService } from './service.js';

export interface MessageRoutesOptions {
  idempotency: IdempotencyHooks;
  auth: AuthService;
  send: SendService;
}

/**
 * The success body as JSON text, with Meta's answer spliced in as it arrived rather than parsed
 * and serialised again: that second serialisation was ~2% of the send path's instructions
 * (callgrind), and the client gets Meta's bytes unchanged. The API contract's shape is the 200 schema
 * below, which still documents the route; Fastify sends a JSON string as it is.
 */
export function successJson(o: SendOutcome): string {
  return `{"success":true,"message":"Message sent successfully","data":{"message_id":${JSON.stringify(o.message_id)},"recipient":${JSON.stringify(o.recipient)},"message_type":${JSON.stringify(o.message_type)},"organization":${JSON.stringify(o.organization)},"meta_response":${o.metaResponseText}}}`;
}

export async function messageRoutes(app: FastifyInstance, opts: MessageRoutesOptions): Promise<void> {
  // Checks 3–4 (provider, Meta credentials) right after 1–2, before the body is read.
  const authenticate = authenticateHook(opts.auth, (tenant) => assertMetaConfigured(tenant.organization));
  const routeOptions = {
    config: { bodyWording: SEND_BODY_WORDING },
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
    onRequest: authenticate,
    preHandler: opts.idempotency.preHandler,
    onSend: opts.idempotency.onSend,
  };
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
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
    const outcome = await opts.send.send(request.tenant.organization, request.body as SendRequest, request.id, hangUp);
    return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(successJson(outcome));
  };
  app.post('/send-whatsapp', routeOptions, handler);
  app.post('/api/send-whatsapp', { ...routeOptions, schema: { ...routeOptions.schema, hide: true } }, handler);
}
