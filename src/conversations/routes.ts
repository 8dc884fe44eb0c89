// GET /api/messages/{id}: one message, outbound or inbound, with its status history. Registered in
// the tenant API scope, which authenticates and rate-limits (server/scopes.ts). Here rather than
// in messages/ (the send path): helpdesk_messages and message_statuses are conversations/' tables,
// and this reads what the send, the status webhooks and the inbound webhooks wrote.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db } from '../db/database.js';
import { isId } from '../db/ids.js';
import { InvalidField, NotFound, echo } from '../errors.js';
import { ErrorSchema, TenantQuery } from '../http/schemas.js';
import type { MediaSigner } from '../media/signing.js';
import { MessageReads, type MessageRef } from './reads.js';
import { MessageAnswer, MessageParams, WamidQuery } from './schema.js';

export interface ConversationRoutesOptions {
  db: Db;
  /** Signs each media key as it is answered: the database holds keys, never signed URLs. */
  signer: MediaSigner;
}

// Meta's wamids are `wamid.` and base64 (standard or URL-safe alphabet, with padding).
const WAMID = /^wamid\.[A-Za-z0-9+/=_-]{1,512}$/;

/** Our id (a UUID, any case) or a wamid; anything else is refused rather than looked up. */
export function messageRef(id: string): MessageRef {
  if (isId(id.toLowerCase())) return { id: id.toLowerCase() };
  if (WAMID.test(id)) return { wamid: id };
  throw new InvalidField(
    `id must be a message id (a UUID) or a WhatsApp message id (wamid.…); got ${JSON.stringify(echo(id))}`,
  );
}

function wamidRef(wamid: string): MessageRef {
  if (WAMID.test(wamid)) return { wamid };
  throw new InvalidField(
    `whatsapp_message_id must be a WhatsApp message id (wamid.…); got ${JSON.stringify(echo(wamid))}`,
  );
}

export async function conversationRoutes(fastify: FastifyInstance, opts: ConversationRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const reads = new MessageReads(opts.db, opts.signer);
  const answer = async (organizationId: string, ref: MessageRef, asked: string) => {
    const message = await reads.find(organizationId, ref);
    if (!message) throw new NotFound(`No message exists with id ${JSON.stringify(echo(asked))}`);
    return { success: true as const, data: message };
  };
  const response = { 200: MessageAnswer, 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema, 429: ErrorSchema };

  app.get(
    '/api/messages/:id',
    {
      schema: {
        tags: ['messages'],
        summary: 'Get one message with its status history',
        description:
          "An outbound or inbound message of your organization, by our id or by Meta's wamid: its content, contact, current status, Meta's error, pricing and conversation, its media as a freshly signed URL, and every status Meta reported for it, oldest first. Another organization's message answers 404, as a message that does not exist. A path segment holds at most 100 characters: look a longer wamid up with GET /api/messages?whatsapp_message_id=.",
        params: MessageParams,
        querystring: TenantQuery,
        response,
      },
    },
    async (request) => answer(request.tenant.organization.id, messageRef(request.params.id), request.params.id),
  );

  app.get(
    '/api/messages',
    {
      schema: {
        tags: ['messages'],
        summary: "Get one message by Meta's wamid, with its status history",
        description: 'The same answer as GET /api/messages/{id}, for a wamid given in the query (of any length).',
        querystring: WamidQuery,
        response,
      },
    },
    async (request) =>
      answer(
        request.tenant.organization.id,
        wamidRef(request.query.whatsapp_message_id),
        request.query.whatsapp_message_id,
      ),
  );
}
