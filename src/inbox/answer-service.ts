// An agent's answer in a conversation: the send route's request with the conversation's contact as
// its recipient, and the target of a reply or reaction resolved within the conversation. Then the
// one send service (messages/service.ts) does every check, the window, the template and the send,
// exactly as for POST /send-whatsapp. No Fastify.
import type { Logger } from 'pino';
import type { ChangeBus } from '../live/bus.js';
import { nowIso } from '../db/ids.js';
import { ContactNotReachable, InvalidField, NotFound, echo } from '../errors.js';
import type { SendOutcome, SendService } from '../messages/service.js';
import type { SendRequest } from '../messages/schema.js';
import type { OrganizationRow } from '../organizations/store.js';
import type { AnswerRequest } from './answer-schema.js';
import type { AnswerStore } from './answer-store.js';

export interface AnswerInput {
  org: OrganizationRow;
  /** The signed-in agent answering: recorded as the message's sender. */
  agentId: string;
  conversationId: string;
  body: AnswerRequest;
  requestId: string;
  hangUp?: () => AbortSignal;
}

export interface AnswerDeps {
  store: Pick<AnswerStore, 'contactOf' | 'target' | 'attribute'>;
  send: Pick<SendService, 'send'>;
  log: Pick<Logger, 'error'>;
  /**
   * The inbox's change hints: the send published its own as it wrote the row, before the agent was
   * recorded; one more once they are, so an open page reads the message again with its sender.
   */
  live?: Pick<ChangeBus, 'publish'>;
}

export class AnswerService {
  constructor(private readonly deps: AnswerDeps) {}

  /**
   * The send request of an answer: the conversation's contact as its recipient, a reply's or a
   * reaction's target resolved to its wamid. 404 when the conversation or the target is not this
   * organization's conversation's, 422 when the contact has no number. Sends nothing.
   */
  async prepare(org: OrganizationRow, conversationId: string, body: AnswerRequest): Promise<SendRequest> {
    const number = await this.recipient(org.id, conversationId);
    const req = { ...body, phone_number: `+${number}` };
    await this.resolveTargets(org.id, conversationId, req);
    return req;
  }

  /** The number of the conversation's contact: 404 when it is not this organization's, 422 without one. */
  async recipient(organizationId: string, conversationId: string): Promise<string> {
    const contact = await this.deps.store.contactOf(organizationId, conversationId);
    if (contact === undefined)
      throw new NotFound(`No conversation exists with id ${JSON.stringify(echo(conversationId))}`);
    if (contact.whatsappNumber === null) throw new ContactNotReachable();
    return contact.whatsappNumber;
  }

  async answer(input: AnswerInput): Promise<SendOutcome> {
    return this.send({ ...input, req: await this.prepare(input.org, input.conversationId, input.body) });
  }

  /** A prepared request through the one send service, and the agent recorded on the row it wrote. */
  async send(input: Omit<AnswerInput, 'body'> & { req: SendRequest }): Promise<SendOutcome> {
    const { org, conversationId } = input;
    const since = nowIso();
    try {
      return await this.deps.send.send(org, input.req, input.requestId, input.hangUp);
    } finally {
      // Also when Meta refused it: a failed message was still this agent's attempt.
      await this.attribute({
        organizationId: org.id,
        conversationId,
        requestId: input.requestId,
        since,
        agentId: input.agentId,
      });
    }
  }

  /**
   * Never fails the answer: the message is sent (or refused) by now, and a 500 would let the
   * client's retry send it again. The sender is then unknown, which the log says.
   */
  private async attribute(a: Parameters<AnswerStore['attribute']>[0]): Promise<void> {
    try {
      const ids = await this.deps.store.attribute(a);
      if (ids.length > 0)
        this.deps.live?.publish(
          ids.map((id) => ({
            organization_id: a.organizationId,
            conversation_id: a.conversationId,
            kind: 'status',
            message_id: id,
          })),
        );
    } catch (err) {
      this.deps.log.error(
        { err, conversation: a.conversationId, request: a.requestId },
        'could not record the answering agent',
      );
    }
  }

  /** A reply's context and a reaction's target, as wamids Meta knows; refused when not in this conversation. */
  private async resolveTargets(organizationId: string, conversationId: string, req: SendRequest): Promise<void> {
    const wamidOf = async (field: string, ref: string): Promise<string> => {
      const target = await this.deps.store.target(organizationId, conversationId, ref);
      if (target === undefined)
        throw new NotFound(`${field} names no message of this conversation: ${JSON.stringify(echo(ref))}`);
      if (target.wamid === null)
        throw new InvalidField(
          `${field} names a message Meta has not accepted (pending or failed): it cannot be the target`,
        );
      return target.wamid;
    };
    if (req.message_type === 'reaction') {
      req.reaction.message_id = await wamidOf('reaction.message_id', req.reaction.message_id);
      return;
    }
    // An empty context_message_id is an absent one, as on the send route.
    if (req.context_message_id !== undefined && req.context_message_id !== '')
      req.context_message_id = await wamidOf('context_message_id', req.context_message_id);
  }
}
