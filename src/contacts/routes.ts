// POST /api/contact (also /contact), GET /api/contact, GET /api/contacts.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { IdempotencyHeader } from '../idempotency/schema.js';
import type { IdempotencyHooks } from '../idempotency/hook.js';
import { isId } from '../db/ids.js';
import { pageQuery, toPage } from '../lib/pagination.js';
import { ErrorSchema, TenantQuery } from '../http/schemas.js';
import { ContactSchema, CreateContactBody, ListContactsQuery, LookupContactQuery } from './schema.js';
import { toContactView, type ContactService } from './service.js';

/** Registered in the tenant API scope, which authenticates and rate-limits (server/scopes.ts). */
export interface ContactRoutesOptions {
  idempotency: IdempotencyHooks;
  contacts: ContactService;
}

const MAX_PAGE = 200;

const errors = { 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema };

export async function contactRoutes(fastify: FastifyInstance, opts: ContactRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const create = {
    schema: {
      tags: ['contacts'],
      summary: 'Create a contact',
      querystring: TenantQuery,
      body: CreateContactBody,
      headers: IdempotencyHeader,
      response: {
        201: Type.Object({ success: Type.Literal(true), message: Type.String(), data: ContactSchema }),
        409: ErrorSchema,
        ...errors,
      },
    },
    preHandler: opts.idempotency.preHandler,
    onSend: opts.idempotency.onSend,
  } as const;
  for (const [url, hide] of [
    ['/api/contact', false],
    ['/contact', true],
  ] as const)
    app.post(url, { ...create, schema: { ...create.schema, hide } }, async (request, reply) => {
      const row = await opts.contacts.create(request.tenant.organization.id, request.body);
      return reply.code(201).send({ success: true, message: 'Contact created', data: toContactView(row) });
    });

  app.get(
    '/api/contact',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Look up a contact by phone number',
        querystring: LookupContactQuery,
        response: { 200: Type.Object({ success: Type.Literal(true), data: ContactSchema }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      return {
        success: true as const,
        data: toContactView(await opts.contacts.get(request.tenant.organization.id, q.phone_number)),
      };
    },
  );

  app.get(
    '/api/contacts',
    {
      schema: {
        tags: ['contacts'],
        summary: 'List contacts, oldest first, with cursor pagination',
        querystring: ListContactsQuery,
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            data: Type.Array(ContactSchema),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      // next_cursor is a contact id (db/ids.ts); case aside, as a client may have changed it.
      const page = pageQuery(request.query, {
        defaultLimit: 50,
        maxLimit: MAX_PAGE,
        decode: (cursor) => (isId(cursor.toLowerCase()) ? cursor.toLowerCase() : undefined),
      });
      const rows = await opts.contacts.list(request.tenant.organization.id, {
        limit: page.readLimit,
        ...(page.after !== undefined ? { after: page.after } : {}),
      });
      return { success: true as const, ...toPage(rows, page, (row) => row.id, toContactView) };
    },
  );
}
