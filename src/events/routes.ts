// /api/webhook-endpoints: an organization's event receivers (endpoints.ts has the rules).
//   POST  /api/webhook-endpoints                    create; 201 with the signing secret, shown once
//   GET   /api/webhook-endpoints                    list
//   GET   /api/webhook-endpoints/{id}               one
//   PATCH /api/webhook-endpoints/{id}               url, event_types, description, enabled
//   POST  /api/webhook-endpoints/{id}/rotate-secret a new secret, shown once; the old one overlaps
//   POST  /api/webhook-endpoints/{id}/disable       stop deliveries, with a reason
//   GET   /api/webhook-endpoints/{id}/deliveries    the delivery log: each attempt's answer and latency
// No Idempotency-Key here: the idempotency store keeps the response body to replay it, and two of
// these bodies carry a signing secret, which must be neither stored in clear nor shown twice. The
// others are idempotent as they are.
import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorSchema, TenantQuery } from '../http/schemas.js';
import type { Db } from '../db/database.js';
import { pageQuery } from '../lib/pagination.js';
import type { EndpointService } from './endpoints.js';
import { deliveryLog } from './replay.js';
import {
  CreateEndpointBody,
  DisableEndpointBody,
  EndpointParams,
  EndpointSchema,
  EndpointWithSecretSchema,
  RotateSecretBody,
  UpdateEndpointBody,
} from './schema.js';

/** Registered in the tenant API scope, which authenticates and rate-limits (server/scopes.ts). */
export interface EndpointRoutesOptions {
  endpoints: EndpointService;
  db: Db;
}

const AttemptSchema = Type.Object({
  attempted_at: Type.String(),
  event_id: Type.String(),
  event_type: Type.String(),
  status_code: Type.Union([Type.Integer(), Type.Null()], {
    description: 'null: no answer (refused, reset, timed out)',
  }),
  duration_ms: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why the attempt failed; null for a 2xx' }),
});
const DeliveriesQuery = Type.Intersect([
  TenantQuery,
  Type.Object({
    limit: Type.Optional(Type.String({ description: 'Attempts to list, newest first (1 to 200; 50 by default)' })),
  }),
]);

const TAG = 'webhook endpoints';
const errors = { 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema, 429: ErrorSchema };
const one = Type.Object({ success: Type.Literal(true), data: EndpointSchema });
const withSecret = Type.Object({
  success: Type.Literal(true),
  message: Type.String({ examples: ['Store the signing secret now: it is not shown again'] }),
  data: EndpointWithSecretSchema,
});
const SHOWN_ONCE = 'Store the signing secret now: it is not shown again';

/** Rotate-secret and disable need no body: none is taken as {} (every field has a default). */
const noBodyIsEmpty: preValidationHookHandler = (request, _reply, done) => {
  request.body ??= {};
  done();
};

export async function endpointRoutes(fastify: FastifyInstance, opts: EndpointRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { endpoints, db } = opts;

  app.get(
    '/api/webhook-endpoints/:id/deliveries',
    {
      schema: {
        tags: [TAG],
        summary: 'The delivery log of an endpoint: its latest attempts, newest first',
        querystring: DeliveriesQuery,
        params: EndpointParams,
        response: {
          200: Type.Object({ success: Type.Literal(true), data: Type.Array(AttemptSchema) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const organizationId = request.tenant.organization.id;
      const page = pageQuery(
        { limit: request.query.limit },
        { defaultLimit: 50, maxLimit: 200, decode: () => undefined },
      );
      // Another organization's endpoint is not found, as for every route here.
      await endpoints.get(organizationId, request.params.id);
      return { success: true as const, data: await deliveryLog(db, organizationId, request.params.id, page.limit) };
    },
  );

  app.post(
    '/api/webhook-endpoints',
    {
      schema: {
        tags: [TAG],
        summary: 'Register an endpoint that receives events',
        description:
          'Events of the chosen types are POSTed to the URL as JSON, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), at least once: deduplicate by webhook-id. The signing secret is in this response only.',
        querystring: TenantQuery,
        body: CreateEndpointBody,
        response: { 201: withSecret, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const created = await endpoints.create(request.tenant.organization.id, {
        url: b.url,
        ...(b.event_types !== undefined ? { eventTypes: b.event_types } : {}),
        ...(b.description !== undefined ? { description: b.description } : {}),
      });
      // A secret in a response: no cache between here and the client keeps it.
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ success: true, message: SHOWN_ONCE, data: created });
    },
  );

  app.get(
    '/api/webhook-endpoints',
    {
      schema: {
        tags: [TAG],
        summary: 'List the endpoints, oldest first (never their secrets)',
        querystring: TenantQuery,
        response: { 200: Type.Object({ success: Type.Literal(true), data: Type.Array(EndpointSchema) }), ...errors },
      },
    },
    async (request) => ({ success: true as const, data: await endpoints.list(request.tenant.organization.id) }),
  );

  app.get(
    '/api/webhook-endpoints/:id',
    {
      schema: {
        tags: [TAG],
        summary: 'Get an endpoint (never its secret)',
        querystring: TenantQuery,
        params: EndpointParams,
        response: { 200: one, ...errors },
      },
    },
    async (request) => ({
      success: true as const,
      data: await endpoints.get(request.tenant.organization.id, request.params.id),
    }),
  );

  app.patch(
    '/api/webhook-endpoints/:id',
    {
      schema: {
        tags: [TAG],
        summary: 'Change an endpoint’s URL, event types or description, or enable or disable it',
        querystring: TenantQuery,
        params: EndpointParams,
        body: UpdateEndpointBody,
        response: { 200: one, ...errors },
      },
    },
    async (request) => {
      const b = request.body;
      return {
        success: true as const,
        data: await endpoints.update(request.tenant.organization.id, request.params.id, {
          ...(b.url !== undefined ? { url: b.url } : {}),
          ...(b.event_types !== undefined ? { eventTypes: b.event_types } : {}),
          ...(b.description !== undefined ? { description: b.description } : {}),
          ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
        }),
      };
    },
  );

  app.post(
    '/api/webhook-endpoints/:id/rotate-secret',
    {
      schema: {
        tags: [TAG],
        summary: 'Replace the signing secret; the old one keeps signing for an overlap',
        description:
          'The new secret is in this response only. During the overlap each delivery carries one signature per secret, so a receiver verifies with either while it switches. The body may be left out (then the overlap is 24 hours).',
        querystring: TenantQuery,
        params: EndpointParams,
        body: RotateSecretBody,
        response: { 200: withSecret, ...errors },
      },
      preValidation: noBodyIsEmpty,
    },
    async (request, reply) => {
      const overlap = request.body.overlap_seconds;
      const rotated = await endpoints.rotateSecret(
        request.tenant.organization.id,
        request.params.id,
        overlap !== undefined ? { overlapSeconds: overlap } : {},
      );
      return reply.header('cache-control', 'no-store').send({ success: true, message: SHOWN_ONCE, data: rotated });
    },
  );

  app.post(
    '/api/webhook-endpoints/:id/disable',
    {
      schema: {
        tags: [TAG],
        summary: 'Stop deliveries to an endpoint',
        description:
          'Events committed while it is disabled are not queued for it; PATCH with {"enabled": true} re-enables it. An endpoint already disabled keeps its first reason. The body may be left out.',
        querystring: TenantQuery,
        params: EndpointParams,
        body: DisableEndpointBody,
        response: { 200: one, ...errors },
      },
      preValidation: noBodyIsEmpty,
    },
    async (request) => ({
      success: true as const,
      data: await endpoints.disable(request.tenant.organization.id, request.params.id, request.body.reason),
    }),
  );
}
