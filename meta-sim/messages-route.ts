// POST /{version}/{phone_number_id}/messages: the hot path benchmarks push ~20k calls/s through,
// so it allocates little, logs nothing and answers with a prebuilt string.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GraphError, internalError, pairRateLimited, rateLimited } from './errors.js';
import { applyFault } from './fault-actions.js';
import { authorize, type GraphParams } from './graph-auth.js';
import { dropConnection, errorAnswer, sendAnswer, type GraphAnswer } from './graph-reply.js';
import { JsonBody } from './json-body.js';
import { isReadReceipt } from './read-receipts.js';
import { bizOpaqueOf, type SimState } from './state.js';
import type { ValidationContext } from './validate/check.js';
import { validateMessage, type ValidMessage } from './validate/message.js';
import type { SimFailedStatus } from './webhook-types.js';

export const MESSAGES_ROUTE = '/:version/:phoneId/messages';

type MessagesRequest = FastifyRequest<{ Params: GraphParams }>;

/**
 * Faults first (in the order injected), then the normal answer. With drop 'after' the message is
 * processed as usual (recorded when valid, so "accepted by Meta") and the answer is never sent.
 */
export function messagesHandler(state: SimState) {
  return async function postMessages(request: MessagesRequest, reply: FastifyReply): Promise<void> {
    state.counts.messageCalls += 1;
    const body = request.body instanceof JsonBody ? request.body : undefined;
    let dropAfter = false;
    if (state.faults.size > 0) {
      const action = state.faults.take('messages', recipientOf(body?.value));
      if (action !== undefined) {
        const outcome = await applyFault(action, reply, state);
        if (outcome === 'answered') return;
        dropAfter = outcome === 'drop-after';
      }
    }
    const answer = answerMessage(state, request, body);
    // A status fault may post the first status before the send is answered, as Meta sometimes does.
    if (answer.statusFirst !== undefined) await answer.statusFirst.catch(() => undefined);
    if (dropAfter) dropConnection(reply);
    else sendAnswer(reply, answer);
  };
}

/** An answer, and what must be done before sending it. */
type MessageAnswer = GraphAnswer & { statusFirst?: Promise<unknown> };

/**
 * Checks, records and answers one message; every failure becomes Graph's error answer. With an
 * app configured, an accepted message's status webhooks are scheduled here.
 */
function answerMessage(state: SimState, request: MessagesRequest, body: JsonBody | undefined): MessageAnswer {
  try {
    authorize(state, request, 'messages');
    const phoneId = request.params.phoneId;
    if (isReadReceipt(body?.value)) return state.readReceipts.accept(phoneId, body?.value, Date.now());
    const valid = validateMessage(body?.value, mediaLookup(state, phoneId));
    const now = Date.now();
    if (state.throughput !== undefined && !state.throughput.take(phoneId, now)) throw rateLimited();
    if (state.pairs !== undefined && !state.pairs.take(phoneId, valid.waId, now)) throw pairRateLimited();
    const wamid = state.newWamid(valid.waId);
    const json = body?.text ?? '';
    const version = request.params.version;
    state.recordMessage({ phoneId, to: valid.waId, type: valid.type, json, wamid, at: now, version });
    const answer: MessageAnswer = { status: 200, body: successBody(valid.to, valid.waId, wamid) };
    if (state.webhooks.dispatcher.active) {
      const first = state.webhooks.statuses.accepted({
        phoneId,
        waId: valid.waId,
        wamid,
        version,
        bizOpaque: bizOpaqueOf(json),
        at: now,
        ...windowOutcome(state, phoneId, valid),
      });
      if (first !== undefined) answer.statusFirst = first;
    }
    return answer;
  } catch (err) {
    state.counts.refused += 1;
    if (err instanceof GraphError) return errorAnswer(err);
    request.log.error({ err }, 'meta-sim: unexpected error answering /messages');
    return errorAnswer(internalError());
  }
}

/** Meta's success answer (docs/META.md §1), built by hand: JSON.stringify only where the input needs escaping. */
function successBody(to: string, waId: string, wamid: string): string {
  return (
    '{"messaging_product":"whatsapp","contacts":[{"input":' +
    JSON.stringify(to) +
    ',"wa_id":"' +
    waId +
    '"}],"messages":[{"id":"' +
    wamid +
    '"}]}'
  );
}

function mediaLookup(state: SimState, phoneId: string): ValidationContext {
  return {
    phoneId,
    mediaMimeOf: (mediaId) => state.media.mimeOf(phoneId, mediaId),
    templateOf: (name, language) => state.templates.find(state.wabaOf(phoneId), name, language),
  };
}

/** Meta's wording for a free-form message outside the window (docs/META.md §8, 131047). */
const REENGAGEMENT: SimFailedStatus = {
  code: 131047,
  title: 'Re-engagement message',
  message: 'Re-engagement message',
  details:
    'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  after: 'none',
};

/**
 * What the statuses of an accepted message depend on beyond the send: a free-form message outside
 * the window (when enforced) fails with 131047; a template is always allowed, priced by category,
 * and fails only by the sample-media trap.
 */
function windowOutcome(
  state: SimState,
  phoneId: string,
  valid: ValidMessage,
): { category?: string; inWindow?: boolean; failure?: SimFailedStatus } {
  const template = valid.template;
  if (template === undefined) {
    if (state.windows.mode === 'off' || state.windows.isOpen(phoneId, valid.waId, state.clock.now())) return {};
    return { failure: REENGAGEMENT };
  }
  const out: { category?: string; inWindow?: boolean; failure?: SimFailedStatus } = {
    category: template.category,
    inWindow: state.windows.isOpen(phoneId, valid.waId, state.clock.now()),
  };
  if (template.asyncFailure !== undefined)
    out.failure = { code: template.asyncFailure.code, details: template.asyncFailure.details, after: 'none' };
  return out;
}

/** The recipient a fault may match on, before the message is checked. */
function recipientOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const to: unknown = (body as { to?: unknown }).to;
  return typeof to === 'string' ? to : undefined;
}
