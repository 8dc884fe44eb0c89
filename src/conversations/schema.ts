// GET /api/messages/{id}: the params and the answer, with examples for OpenAPI.
import { Type, type Static } from '@sinclair/typebox';

const Json = (description: string) =>
  Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description });

export const MessageParams = Type.Object({
  // Checked in the route (a UUID or `wamid.…`), so that a bad value is answered in words.
  id: Type.String({
    minLength: 1,
    maxLength: 100,
    description:
      "Our message id (a UUID), or Meta's wamid (`wamid.…`, as `data.message_id` of POST /send-whatsapp), URL-encoded; at most 100 characters",
    examples: ['wamid.HBgLMjcxMjM0NTY3ODkVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA'],
  }),
});
export type MessageParams = Static<typeof MessageParams>;

export const WamidQuery = Type.Object(
  {
    tenantId: Type.String({ minLength: 1, maxLength: 63, description: "Your organization's tenant identifier (slug)" }),
    whatsapp_message_id: Type.String({
      minLength: 1,
      maxLength: 600,
      description: "Meta's wamid (`wamid.…`), URL-encoded (a `+` must be sent as %2B)",
      examples: ['wamid.HBgLMjcxMjM0NTY3ODkVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA'],
    }),
  },
  { additionalProperties: true },
);

const StatusEventSchema = Type.Object({
  status: Type.String({ description: 'As Meta sent it: sent, delivered, read, played, failed, …', examples: ['read'] }),
  occurred_at: Type.String({ description: "Meta's time for this status (ISO 8601, UTC)" }),
  errors: Type.Union([Type.Array(Type.Record(Type.String(), Type.Unknown())), Type.Null()], {
    description: "Meta's errors[] of a failed status",
  }),
});

const StatusValue = Type.Union(
  ['pending', 'sent', 'failed', 'unknown', 'delivered', 'read', 'played', 'received'].map((s) => Type.Literal(s)),
  {
    description:
      'pending/sent/failed/unknown from the send; delivered, read, played and failed from Meta; received for an inbound message',
  },
);

export const MessageSchema = Type.Object({
  id: Type.String({ description: "The gateway's message id" }),
  whatsapp_message_id: Type.Union([Type.String(), Type.Null()], {
    description: "Meta's wamid; null while an outbound message has no answer from Meta",
  }),
  direction: Type.Union([Type.Literal('outbound'), Type.Literal('inbound')]),
  message_type: Type.String({ examples: ['text'] }),
  kind: Type.Union([Type.Literal('free_form'), Type.Literal('template'), Type.Null()], {
    description:
      "Outbound: template, or free_form (delivered only within 24 hours of the customer's last message); null for inbound",
  }),
  window_ends_at: Type.Union([Type.String(), Type.Null()], {
    description:
      'Outbound free_form: when the customer service window closed, or was to close, as the message was sent; null when unknown, and for templates and inbound messages',
  }),
  content: Type.Unknown({
    description: 'Outbound: the send request as received. Inbound: the message as the gateway read it from the webhook',
  }),
  contact: Type.Object(
    {
      id: Type.String(),
      whatsapp_number: Type.Union([Type.String(), Type.Null()], {
        description:
          'Digits only, with country code; null for a WhatsApp user known only by user id (an inbound ' +
          'message without a phone number)',
      }),
      name: Type.Union([Type.String(), Type.Null()]),
    },
    { description: 'The recipient of an outbound message, the sender of an inbound one' },
  ),
  status: StatusValue,
  status_at: Type.Union([Type.String(), Type.Null()], {
    description: "When the current status happened: Meta's time for a webhook status",
  }),
  error: Type.Union(
    [
      Type.Object({
        code: Type.String(),
        message: Type.Union([Type.String(), Type.Null()]),
        details: Type.Unknown({ description: "Meta's error (or errors[] of a failed status), when Meta gave one" }),
      }),
      Type.Null(),
    ],
    { description: 'Why the message failed, or why its outcome is unknown; null otherwise' },
  ),
  pricing: Json("Meta's pricing from the latest status that carried it"),
  conversation: Json("Meta's conversation from the latest status that carried it"),
  media: Type.Union(
    [
      Type.Object({
        status: Type.Union([Type.Literal('pending'), Type.Literal('stored'), Type.Literal('failed')]),
        url: Type.Union([Type.String(), Type.Null()], {
          description: 'A signed GET /media/… URL made for this answer; null unless the file is stored',
        }),
        expires_at: Type.Union([Type.String(), Type.Null()], { description: "The signed URL's expiry" }),
      }),
      Type.Null(),
    ],
    { description: 'The stored media file; null for a message without media' },
  ),
  context_message_id: Type.Union([Type.String(), Type.Null()], {
    description: 'The wamid this message replies to, or the one a reaction is on',
  }),
  request_id: Type.Union([Type.String(), Type.Null()], { description: 'The send request’s X-Request-Id' }),
  created_at: Type.String(),
  updated_at: Type.String(),
  statuses: Type.Array(StatusEventSchema, { description: "Meta's statuses for the message, oldest first" }),
});

export type MessageView = Static<typeof MessageSchema>;

export const MESSAGE_EXAMPLE = {
  success: true,
  data: {
    id: '01937a4e-5b2c-7d3e-9f10-2a3b4c5d6e7f',
    whatsapp_message_id: 'wamid.HBgLMjcxMjM0NTY3ODkVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA',
    direction: 'outbound',
    message_type: 'text',
    kind: 'free_form',
    window_ends_at: '2026-12-03T18:30:00.000Z',
    content: { phone_number: '+27123456789', message_type: 'text', text: 'Hello!' },
    contact: { id: '01937a4e-0000-7000-8000-000000000001', whatsapp_number: '27123456789', name: 'Thandi' },
    status: 'read',
    status_at: '2026-12-03T09:00:07.000Z',
    error: null,
    pricing: { billable: true, category: 'service', pricing_model: 'PMP', type: 'free_customer_service' },
    conversation: { id: 'c0ffee', origin_type: 'service', expires_at: '2026-12-04T09:00:00.000Z' },
    media: null,
    context_message_id: null,
    request_id: '3f0c7a52-8d1e-4b6a-9c2f-1e5d7b9a0c43',
    created_at: '2026-12-03T09:00:01.123Z',
    updated_at: '2026-12-03T09:00:08.456Z',
    statuses: [
      { status: 'sent', occurred_at: '2026-12-03T09:00:02.000Z', errors: null },
      { status: 'delivered', occurred_at: '2026-12-03T09:00:03.000Z', errors: null },
      { status: 'read', occurred_at: '2026-12-03T09:00:07.000Z', errors: null },
    ],
  },
};

export const MessageAnswer = Type.Object(
  { success: Type.Literal(true), data: MessageSchema },
  { examples: [MESSAGE_EXAMPLE] },
);
