// The events as OpenAPI 3.1 `webhooks`: what a tenant's endpoint receives, with an example of each
// type, so receivers can be generated and checked from /openapi.json like the API itself.
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { Type, type TSchema } from '@sinclair/typebox';
import { EVENT_TYPES, type EventType } from './types.js';

const Errors = Type.Array(
  Type.Object({
    code: Type.Optional(Type.Number()),
    title: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
    error_data: Type.Optional(Type.Object({ details: Type.Optional(Type.String()) })),
  }),
  { description: "Meta's errors[] as it sent them (a failed status)" },
);

const MessageRef = {
  message_id: Type.String({ description: 'The message in helpdesk_messages (GET /api/messages/{id})' }),
  whatsapp_message_id: Type.String({ description: "Meta's wamid" }),
  contact_id: Type.String(),
};

const Sender = {
  from: Type.Optional(Type.String({ description: 'The sender’s number (digits), when Meta gives one' })),
  from_user_id: Type.Optional(Type.String({ description: 'Meta’s business-scoped user id' })),
  profile_name: Type.Optional(Type.String()),
  timestamp: Type.String({ description: 'When the customer sent it (Meta’s time)' }),
};

const DATA: Record<EventType, TSchema> = {
  'message.status': Type.Object({
    ...MessageRef,
    status: Type.String({ description: 'sent, delivered, read, played, failed, or a value Meta adds later' }),
    timestamp: Type.String({ description: "Meta's time of the status" }),
    errors: Type.Optional(Errors),
    pricing: Type.Optional(Type.Unknown({ description: "Meta's pricing object, as sent" })),
    conversation: Type.Optional(Type.Unknown({ description: "Meta's conversation object, as sent" })),
  }),
  'message.received': Type.Object({
    ...MessageRef,
    ...Sender,
    type: Type.String({ description: "Meta's message type (text, image, interactive, …)" }),
    content: Type.Unknown({ description: 'The message’s content, by type (as GET /api/messages/{id} shows it)' }),
    context: Type.Optional(Type.Unknown({ description: 'The message it replies to, or the button it taps' })),
    media_status: Type.Optional(
      Type.Literal('pending', { description: 'Media follow as message.media_ready or message.media_failed' }),
    ),
  }),
  'message.reaction': Type.Object({
    ...MessageRef,
    ...Sender,
    target_whatsapp_message_id: Type.String(),
    emoji: Type.Union([Type.String(), Type.Null()], { description: 'null: the reaction was removed' }),
  }),
  'message.media_ready': Type.Object({
    ...MessageRef,
    media_url: Type.String({ description: 'Signed URL of the stored file, valid for a year' }),
  }),
  'message.media_failed': Type.Object({
    ...MessageRef,
    error: Type.Object({ code: Type.String(), message: Type.String() }),
  }),
  'contact.created': Type.Object({
    source: Type.Union([Type.Literal('api'), Type.Literal('inbound')]),
    contact: Type.Object({
      id: Type.String(),
      whatsapp_number: Type.Union([Type.String(), Type.Null()]),
      name: Type.Union([Type.String(), Type.Null()]),
      email: Type.Union([Type.String(), Type.Null()]),
      custom_fields: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
      created_at: Type.String(),
      updated_at: Type.String(),
    }),
  }),
};

const MSG = {
  message_id: '0193a5c2-7d1e-7b3a-9c4d-2f1e0a9b8c7d',
  whatsapp_message_id: 'wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI...',
  contact_id: '0193a5c2-6a10-7f21-8e3b-5d4c3b2a1f0e',
};

const EXAMPLES: Record<EventType, Record<string, unknown>> = {
  'message.status': {
    ...MSG,
    status: 'failed',
    timestamp: '2026-12-03T10:15:02.000Z',
    errors: [
      {
        code: 131047,
        title: 'Re-engagement message',
        message: 'Re-engagement message',
        error_data: { details: 'Message failed to send because more than 24 hours have passed.' },
      },
    ],
  },
  'message.received': {
    ...MSG,
    from: '27812345678',
    profile_name: 'Sheena',
    timestamp: '2026-12-03T10:14:00.000Z',
    type: 'text',
    content: { type: 'text', body: 'Is my order on its way?' },
  },
  'message.reaction': {
    ...MSG,
    from: '27812345678',
    timestamp: '2026-12-03T10:16:00.000Z',
    target_whatsapp_message_id: 'wamid.HBgLMjc4MTIzNDU2NzgVAgARGBI...',
    emoji: '👍',
  },
  'message.media_ready': {
    ...MSG,
    media_url: 'https://gateway.example.com/media/org/0193a5c2…/9f86d081…?exp=1796300000&sig=…',
  },
  'message.media_failed': {
    ...MSG,
    error: { code: 'media_expired', message: 'the media id is older than the 7 days Meta keeps it' },
  },
  'contact.created': {
    source: 'inbound',
    contact: {
      id: MSG.contact_id,
      whatsapp_number: '27812345678',
      name: 'Sheena',
      email: null,
      custom_fields: null,
      created_at: '2026-12-03T10:14:00.120Z',
      updated_at: '2026-12-03T10:14:00.120Z',
    },
  },
};

const SUMMARY: Record<EventType, string> = {
  'message.status': 'A sent message moved: sent, delivered, read, played, or failed (with Meta’s errors)',
  'message.received': 'A customer’s message arrived (any type)',
  'message.reaction': 'A customer reacted to a message, or took a reaction back',
  'message.media_ready': 'A received message’s media is stored: its signed URL',
  'message.media_failed': 'A received message’s media could not be fetched from Meta, for good',
  'contact.created': 'A contact was created (through the API, or by a first message)',
};

const HEADERS = [
  ['webhook-id', 'The event id: the same on every delivery of this event; deduplicate on it'],
  ['webhook-timestamp', 'Unix seconds of this delivery attempt'],
  ['webhook-signature', 'Space-separated v1,<base64 HMAC-SHA256> signatures (two during a secret rotation)'],
].map(([name, description]) => ({ name, in: 'header', required: true, description, schema: { type: 'string' } }));

type Webhooks = NonNullable<
  Extract<NonNullable<FastifyDynamicSwaggerOptions['openapi']>, { webhooks?: unknown }>['webhooks']
>;

/** The `webhooks` object of the OpenAPI document. */
export function eventWebhooks(): Webhooks {
  // TypeBox schemas are JSON Schema objects; the swagger plugin's types describe them less exactly.
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          summary: SUMMARY[type],
          description:
            'POSTed to each enabled endpoint subscribed to this type, signed per Standard Webhooks. Answer 2xx ' +
            'to acknowledge; anything else is retried with backoff for up to 3 days. Delivery is at least once: ' +
            'deduplicate on `id` (the webhook-id header). Events of one conversation arrive in commit order.',
          tags: ['events'],
          parameters: HEADERS,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: Type.Object({
                  id: Type.String(),
                  type: Type.Literal(type),
                  timestamp: Type.String({ description: 'When the event was committed' }),
                  organization_id: Type.String(),
                  data: DATA[type],
                }),
                example: {
                  id: '0193a5c2-8f00-7c11-a2b3-c4d5e6f70812',
                  type,
                  timestamp: '2026-12-03T10:15:02.310Z',
                  organization_id: '0193a5c1-0000-7000-8000-000000000001',
                  data: EXAMPLES[type],
                },
              },
            },
          },
          responses: { '2XX': { description: 'Delivered' } },
        },
      },
    ]),
  ) as Webhooks;
}
