// POST /inbox/api/conversations/{id}/messages: an agent answers in a conversation. HTTP only: the
// inbox scope has checked the session and the CSRF token; the body is the send route's without
// phone_number (answer-schema.ts); the answer is the send route's, in its shapes.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { threadId, type CallerOrganization } from '../conversations/inbox-routes.js';
import { ConversationParams } from '../conversations/inbox-schema.js';
import { ErrorSchema } from '../http/schemas.js';
import type { IdempotencyHooks } from '../idempotency/hook.js';
import { IdempotencyHeader } from '../idempotency/schema.js';
import { successJson } from '../messages/routes.js';
import { SendWhatsAppSuccess } from '../messages/schema.js';
import { assertMetaConfigured, type SendOutcome } from '../messages/service.js';
import { ANSWER_BODY_WORDING, AnswerBody } from './answer-schema.js';
import type { AnswerService } from './answer-service.js';

export interface AnswerRoutesOptions {
  answers: AnswerService;
  organization: CallerOrganization;
  idempotency: IdempotencyHooks;
}

/** The send route's answers, plus the inbox scope's 403 (CSRF). */
export const SEND_ERRORS = Object.fromEntries(
  [400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503, 504].map((s) => [s, ErrorSchema]),
);

/** The send route's success body, as its JSON text (Meta's answer spliced in as it arrived). */
export function sendOutcome(reply: FastifyReply, outcome: SendOutcome): FastifyReply {
  return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(successJson(outcome));
}

/** Aborts a media download when the agent's browser goes away before the answer, as the send route does. */
export function hangUpSignal(raw: { once(e: 'close', f: () => void): unknown; writableEnded: boolean }) {
  return (): AbortSignal => {
    const controller = new AbortController();
    raw.once('close', () => {
      if (!raw.writableEnded) controller.abort(new DOMException('the client closed the connection', 'AbortError'));
    });
    return controller.signal;
  };
}

export async function answerRoutes(fastify: FastifyInstance, opts: AnswerRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/inbox/api/conversations/:id/messages',
    {
      config: { bodyWording: ANSWER_BODY_WORDING },
      schema: {
        tags: ['inbox'],
        summary: 'Answer in a conversation: any message type the send route takes',
        description:
          "The body of POST /send-whatsapp without phone_number (the conversation names the contact); every rule, the 24-hour window and the template checks are the send route's, and so are the answers. A reply's context_message_id and a reaction's reaction.message_id take our message id or its wamid, of a message in this conversation. Idempotency-Key: the same key and body from the same agent in the same conversation within 24 hours answers the first response again, without sending twice.",
        params: ConversationParams,
        headers: IdempotencyHeader,
        body: AnswerBody,
        response: { 200: SendWhatsAppSuccess, ...SEND_ERRORS },
      },
      preHandler: opts.idempotency.preHandler,
      onSend: opts.idempotency.onSend,
    },
    async (request, reply) => {
      const conversationId = threadId(request.params.id);
      const org = await opts.organization.row(request);
      assertMetaConfigured(org);
      const outcome = await opts.answers.answer({
        org,
        agentId: request.agent.agentId,
        conversationId,
        body: request.body,
        requestId: request.id,
        hangUp: hangUpSignal(reply.raw),
      });
      return sendOutcome(reply, outcome);
    },
  );
}
