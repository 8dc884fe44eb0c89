// The inbox's read API over HTTP: GET …/conversations, GET …/conversations/{id}/messages,
// POST …/conversations/{id}/read. One plugin registered twice (server/scopes.ts): under /api in the
// tenant API scope (an API key, rate-limited), and under /inbox/api in the inbox scope (an agent's
// session, CSRF on POST). Which caller a scope has is an option, never guessed from the request's
// headers. The reads themselves are inbox-reads.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TObject } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db } from '../db/database.js';
import { isId } from '../db/ids.js';
import { InvalidField, NotFound, echo } from '../errors.js';
import { ErrorSchema } from '../http/schemas.js';
import { pageQuery, toPage } from '../lib/pagination.js';
import type { MediaSigner } from '../media/signing.js';
import { MetaCallError, type MetaClient } from '../meta/client.js';
import type { OrganizationRow, OrganizationStore } from '../organizations/store.js';
import { InboxReads, decodeKey, encodeKey, type ConversationFilters, type Key } from './inbox-reads.js';
import {
  ConversationListAnswer,
  ConversationListQuery,
  ConversationParams,
  MarkReadAnswer,
  MarkReadQuery,
  MessagePageAnswer,
  MessagePageQuery,
} from './inbox-schema.js';
import { MessageReads } from './reads.js';
import { messageSenders } from './senders.js';
import type { ChangeBus } from '../live/bus.js';

/**
 * Who calls the routes of a scope: `api-key`, the tenant API (request.tenant, set by the auth hook,
 * under /api, with ?tenantId=); `agent`, the inbox (request.agent, set by the session hook, under
 * /inbox/api, no tenantId: the session names the organization).
 */
export type InboxCaller = 'api-key' | 'agent';

export interface InboxRoutesOptions {
  caller: InboxCaller;
  db: Db;
  signer: MediaSigner;
  /** For read receipts. */
  meta: MetaClient;
  /** The agent's organization row (for read receipts), which a session does not carry. */
  organizations: OrganizationStore;
  decryptToken(org: OrganizationRow): string | undefined;
  /** The inbox's change hints (src/live/): a read conversation tells the organization's open pages. */
  live?: Pick<ChangeBus, 'publish'>;
}

/** The organization of a request, as its scope's caller authenticated it. */
export interface CallerOrganization {
  id(request: FastifyRequest): string;
  row(request: FastifyRequest): Promise<OrganizationRow>;
}

export function callerOrganization(caller: InboxCaller, organizations: OrganizationStore): CallerOrganization {
  if (caller === 'api-key') return { id: (r) => r.tenant.organization.id, row: async (r) => r.tenant.organization };
  return {
    id: (r) => r.agent.organizationId,
    row: async (r) => {
      const row = await organizations.findById(r.agent.organizationId);
      // A session outlives nothing: deleting an organization deletes its agents and their sessions.
      if (row === undefined) throw new NotFound('The organization of this session no longer exists');
      return row;
    },
  };
}

/** The route prefix for a caller: the tenant API's /api or the inbox's /inbox/api. */
export const apiBase = (caller: InboxCaller): string => (caller === 'agent' ? '/inbox/api' : '/api');

/** A tenant query schema without tenantId, for the inbox scope (the session names the organization). */
export function forCaller(caller: InboxCaller, query: TObject): TObject {
  return caller === 'agent' ? Type.Omit(query, ['tenantId'], { additionalProperties: true }) : query;
}

/** The inbox scope refuses a POST without the CSRF token with a 403. */
export const inboxErrors = (caller: InboxCaller, method: 'GET' | 'POST') => ({
  400: ErrorSchema,
  401: ErrorSchema,
  ...(caller === 'agent' && method === 'POST' ? { 403: ErrorSchema } : {}),
  404: ErrorSchema,
  429: ErrorSchema,
});

/** Our conversation id (a UUID, any case); anything else is refused rather than looked up. */
export function threadId(id: string): string {
  const lower = id.toLowerCase();
  if (isId(lower)) return lower;
  throw new InvalidField(`id must be a conversation id (a UUID); got ${JSON.stringify(echo(id))}`);
}

function cursorParam(name: string, value: string | undefined): Key | undefined {
  if (value === undefined) return undefined;
  const key = decodeKey(value);
  if (key === undefined) throw new InvalidField(`${name} is not valid: pass a cursor of a previous answer unchanged`);
  return key;
}

const flag = (v: 'true' | 'false' | undefined): boolean | undefined => (v === undefined ? undefined : v === 'true');

export async function inboxRoutes(fastify: FastifyInstance, opts: InboxRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { caller } = opts;
  const base = apiBase(caller);
  const org = callerOrganization(caller, opts.organizations);
  const errors = inboxErrors(caller, 'GET');
  const reads = new InboxReads(opts.db, new MessageReads(opts.db, opts.signer));
  /** The thread's id when it is this organization's; 404 otherwise, whoever else's it may be. */
  const ownThread = async (organizationId: string, raw: string): Promise<string> => {
    const id = threadId(raw);
    if ((await reads.thread(organizationId, id)) === undefined)
      throw new NotFound(`No conversation exists with id ${JSON.stringify(echo(raw))}`);
    return id;
  };

  app.get(
    `${base}/conversations`,
    {
      schema: {
        tags: ['inbox'],
        summary: 'List conversations by last activity, newest first',
        description:
          "One conversation per contact: the contact, the latest message's preview, the unread count, the 24-hour window (open until when, or closed: a template is needed), and the status of our latest message. Filters combine (and); q searches contact names, numbers and message texts. Keyset pagination: pass next_cursor as cursor. A conversation that gets a new message while you page moves to the top: the list is a snapshot per page, not a frozen whole.",
        querystring: forCaller(caller, ConversationListQuery),
        response: { 200: ConversationListAnswer, ...errors },
      },
    },
    async (request) => {
      const q = request.query as Omit<ConversationListQuery, 'tenantId'>;
      const page = pageQuery(q, { defaultLimit: 25, maxLimit: 100, decode: decodeKey });
      const filters: ConversationFilters = {};
      const unread = flag(q.unread);
      const failed = flag(q.failed);
      if (unread !== undefined) filters.unread = unread;
      if (failed !== undefined) filters.failed = failed;
      if (q.window !== undefined) filters.window = q.window;
      if (q.q !== undefined) filters.q = q.q;
      const rows = await reads.list(org.id(request), filters, {
        limit: page.readLimit,
        ...(page.after !== undefined ? { after: page.after } : {}),
      });
      return {
        success: true as const,
        ...toPage(
          rows,
          page,
          (r) => encodeKey(r.key),
          ({ key: _key, ...view }) => view,
        ),
      };
    },
  );

  app.get(
    `${base}/conversations/:id/messages`,
    {
      schema: {
        tags: ['inbox'],
        summary: "A conversation's messages, oldest first, page by page",
        description:
          'Both directions, each as GET /api/messages/{id} shows it (content, status and its history, Meta’s error, media by signed URL) with its current reactions and the message it replies to. Without a cursor: the newest messages. before=older_cursor loads older history; after=newer_cursor catches up newer messages (poll it until has_newer is false). Reactions are not listed: they are on their target.',
        params: ConversationParams,
        querystring: forCaller(caller, MessagePageQuery),
        response: { 200: MessagePageAnswer, ...errors },
      },
    },
    async (request) => {
      const q = request.query as Omit<MessagePageQuery, 'tenantId'>;
      const orgId = org.id(request);
      const { limit } = pageQuery({ limit: q.limit }, { defaultLimit: 50, maxLimit: 100, decode: () => undefined });
      const before = cursorParam('before', q.before);
      const after = cursorParam('after', q.after);
      if (before !== undefined && after !== undefined)
        throw new InvalidField('before and after cannot be given together');
      const id = await ownThread(orgId, request.params.id);
      const page = await reads.page(orgId, id, {
        limit,
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      const senders = await messageSenders(
        opts.db,
        orgId,
        page.data.filter((m) => m.direction === 'outbound').map((m) => m.id),
      );
      return {
        success: true as const,
        data: page.data.map((m) => ({ ...m, sent_by: senders.get(m.id) ?? null })),
        older_cursor: page.older === null ? null : encodeKey(page.older),
        newer_cursor: page.newer === null ? null : encodeKey(page.newer),
        has_newer: page.hasNewer,
      };
    },
  );

  app.post(
    `${base}/conversations/:id/read`,
    {
      schema: {
        tags: ['inbox'],
        summary: 'Mark a conversation read, and tell the customer',
        description:
          "Clears the unread count, then sends Meta's read receipt for the customer's latest message (blue ticks on their phone, for it and the ones before), with a typing indicator when typing=true. The conversation is read here whatever Meta answers: data.receipt says what happened to the receipt.",
        params: ConversationParams,
        querystring: forCaller(caller, MarkReadQuery),
        response: { 200: MarkReadAnswer, ...inboxErrors(caller, 'POST') },
      },
    },
    async (request) => {
      const id = await ownThread(org.id(request), request.params.id);
      const row = await org.row(request);
      const wamid = await reads.markRead(row.id, id);
      opts.live?.publish([{ organization_id: row.id, conversation_id: id, kind: 'read' }]);
      const token = row.meta_phone_id === null ? undefined : opts.decryptToken(row);
      const none = { unread_count: 0 as const, message_id: wamid, error: null };
      if (wamid === null || row.meta_phone_id === null || token === undefined)
        return { success: true as const, data: { ...none, receipt: 'none' as const } };
      try {
        const typing = (request.query as { typing?: string }).typing === 'true';
        await opts.meta.markRead(row.meta_phone_id, token, wamid, { typing });
        return { success: true as const, data: { ...none, receipt: 'sent' as const } };
      } catch (err) {
        if (!(err instanceof MetaCallError)) throw err;
        request.log.warn({ err, conversation: id }, 'read receipt not sent');
        return { success: true as const, data: { ...none, receipt: 'failed' as const, error: err.message } };
      }
    },
  );
}
