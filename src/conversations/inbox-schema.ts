// The inbox's read API: GET /api/conversations, GET /api/conversations/{id}/messages and
// POST /api/conversations/{id}/read — their params, queries and answers, with examples for OpenAPI.
import { Type, type Static } from '@sinclair/typebox';
import { MESSAGE_EXAMPLE, MessageSchema } from './schema.js';

const Tenant = Type.String({
  minLength: 1,
  maxLength: 63,
  description: "Your organization's tenant identifier (slug)",
});
const Bool = (description: string) =>
  Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description }));
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T, description: string) =>
  Type.Union([t, Type.Null()], { description });

export const ConversationParams = Type.Object({
  // Checked in the route (a UUID), so that a bad value is answered in words.
  id: Type.String({
    minLength: 1,
    maxLength: 100,
    description: 'The conversation id (`data[].id` of GET /api/conversations)',
    examples: ['01937a4e-1111-7000-8000-0000000000aa'],
  }),
});

export const ConversationListQuery = Type.Object(
  {
    tenantId: Tenant,
    // Checked in the route (lib/pagination.ts), so that a bad value is answered in words.
    limit: Type.Optional(Type.String({ description: 'Page size, 1–100 (default 25)', examples: ['25'] })),
    cursor: Type.Optional(Type.String({ maxLength: 512, description: 'next_cursor from the previous page' })),
    unread: Bool('true: only conversations with unread messages; false: only those without'),
    window: Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('closed')], {
        description: 'open: free-form messages can be sent now; closed: only a template can be',
      }),
    ),
    failed: Bool('true: only conversations with at least one failed message; false: only those without'),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          "Search: a conversation matches when its contact's name or number, or the text of one of its messages, contains these characters (case-insensitive for ASCII letters)",
        examples: ['invoice'],
      }),
    ),
  },
  { additionalProperties: true },
);
export type ConversationListQuery = Static<typeof ConversationListQuery>;

const WindowSchema = Type.Object(
  {
    state: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
    open_until: Nullable(Type.String(), 'While open: when it closes (24 hours after the customer’s last message)'),
    template_required: Type.Boolean({ description: 'Closed: only an approved template can be sent' }),
  },
  { description: "The 24-hour customer service window, from the customer's last message and Meta's refusals" },
);

export const ConversationSchema = Type.Object({
  id: Type.String({ description: 'The conversation id: one per contact' }),
  contact: Type.Object({
    id: Type.String(),
    name: Nullable(Type.String(), 'As the contact was saved, or as WhatsApp gave it'),
    whatsapp_number: Nullable(Type.String(), 'Digits with country code; null for a user known only by user id'),
  }),
  last_message_at: Type.String({ description: 'The time of the latest message either way (ISO 8601, UTC)' }),
  last_message: Type.Union(
    [
      Type.Object({
        id: Type.String(),
        direction: Type.Union([Type.Literal('outbound'), Type.Literal('inbound')]),
        message_type: Type.String({ examples: ['text'] }),
        preview: Nullable(
          Type.String(),
          'The first 100 characters of its text, caption or file name; null when it has none',
        ),
      }),
      Type.Null(),
    ],
    { description: 'The latest message, for the list' },
  ),
  unread_count: Type.Integer({ description: 'Messages of the customer no one has read yet' }),
  window: WindowSchema,
  last_outbound_status: Type.Union([Type.String(), Type.Null()], {
    description:
      'The current status of our latest message in the conversation (sent, delivered, read, failed …); null when we never wrote',
  }),
});
export type ConversationView = Static<typeof ConversationSchema>;

const CONVERSATION_EXAMPLE: ConversationView = {
  id: '01937a4e-1111-7000-8000-0000000000aa',
  contact: { id: '01937a4e-0000-7000-8000-000000000001', name: 'Thandi', whatsapp_number: '27123456789' },
  last_message_at: '2026-12-03T09:00:07.000Z',
  last_message: {
    id: '01937a4e-5b2c-7d3e-9f10-2a3b4c5d6e80',
    direction: 'inbound',
    message_type: 'text',
    preview: 'Is my order on its way?',
  },
  unread_count: 2,
  window: { state: 'open', open_until: '2026-12-04T09:00:07.000Z', template_required: false },
  last_outbound_status: 'read',
};

export const ConversationListAnswer = Type.Object(
  {
    success: Type.Literal(true),
    data: Type.Array(ConversationSchema),
    next_cursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as cursor for the next (older) page; null on the last',
    }),
  },
  {
    examples: [
      { success: true, data: [CONVERSATION_EXAMPLE], next_cursor: 'WyIyMDI2LTEyLTAzVDA5OjAwOjA3LjAwMFoiLCIwMTkzIl0' },
    ],
  },
);

export const MessagePageQuery = Type.Object(
  {
    tenantId: Tenant,
    limit: Type.Optional(Type.String({ description: 'Page size, 1–100 (default 50)', examples: ['50'] })),
    before: Type.Optional(
      Type.String({ maxLength: 512, description: 'older_cursor of a page: the messages just before it' }),
    ),
    after: Type.Optional(
      Type.String({ maxLength: 512, description: 'newer_cursor of a page: the messages that came after it' }),
    ),
  },
  { additionalProperties: true },
);
export type MessagePageQuery = Static<typeof MessagePageQuery>;

const ReactionSchema = Type.Object({
  emoji: Type.String({ examples: ['❤️'] }),
  from: Type.Union([Type.Literal('customer'), Type.Literal('business')]),
  at: Type.String({ description: 'When it was given' }),
});

export const InboxMessageSchema = Type.Composite([
  MessageSchema,
  Type.Object({
    reactions: Type.Array(ReactionSchema, {
      description:
        'The reactions on this message now, one per side at most (a later one replaces it; an empty one takes it back)',
    }),
    reply_to: Type.Union(
      [
        Type.Object({
          id: Type.Union([Type.String(), Type.Null()], {
            description: 'Our id of the message answered; null when the gateway does not have it',
          }),
          whatsapp_message_id: Type.String(),
        }),
        Type.Null(),
      ],
      { description: 'The message this one replies to' },
    ),
    // Optional in the type only (inbox-routes.ts adds it to every message it answers).
    sent_by: Type.Optional(
      Type.Union(
        [
          Type.Object({
            id: Type.String(),
            name: Type.Union([Type.String(), Type.Null()]),
            email: Type.String(),
          }),
          Type.Null(),
        ],
        {
          description:
            'The inbox agent who sent this message; null for the customer’s messages and those sent through the API',
        },
      ),
    ),
  }),
]);
export type InboxMessageView = Static<typeof InboxMessageSchema>;

export const MessagePageAnswer = Type.Object(
  {
    success: Type.Literal(true),
    data: Type.Array(InboxMessageSchema, {
      description: 'Oldest first. Reactions are not listed: they are on their target',
    }),
    older_cursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as before for the messages before this page; null when there are none',
    }),
    newer_cursor: Type.Union([Type.String(), Type.Null()], {
      description:
        'Pass as after for the messages after this page (a live page polls with it); null while the conversation is empty',
    }),
    has_newer: Type.Boolean({ description: 'Whether messages after this page exist already' }),
  },
  {
    examples: [
      {
        success: true,
        data: [
          {
            ...MESSAGE_EXAMPLE.data,
            reactions: [{ emoji: '👍', from: 'customer', at: '2026-12-03T09:01:00.000Z' }],
            reply_to: null,
            sent_by: { id: '01937a4e-0000-7000-8000-0000000000a1', name: 'Ana', email: 'ana@acme.example' },
          },
        ],
        older_cursor: null,
        newer_cursor: 'WyIyMDI2LTEyLTAzVDA5OjAwOjAxLjEyM1oiLCIwMTkzIl0',
        has_newer: false,
      },
    ],
  },
);

export const MarkReadQuery = Type.Object(
  {
    tenantId: Tenant,
    typing: Bool('true: also show the customer a typing indicator (until you answer, or 25 seconds)'),
  },
  { additionalProperties: true },
);

export const MarkReadAnswer = Type.Object(
  {
    success: Type.Literal(true),
    data: Type.Object({
      unread_count: Type.Literal(0),
      receipt: Type.Union([Type.Literal('sent'), Type.Literal('failed'), Type.Literal('none')], {
        description:
          'sent: Meta took the read receipt; failed: Meta refused it or did not answer (the conversation is read here all the same); none: nothing to mark (no message of the customer, or no Meta credentials)',
      }),
      message_id: Type.Union([Type.String(), Type.Null()], {
        description: "The wamid the receipt named: the customer's latest message",
      }),
      error: Type.Union([Type.String(), Type.Null()], { description: 'Why the receipt failed' }),
    }),
  },
  {
    examples: [
      {
        success: true,
        data: { unread_count: 0, receipt: 'sent', message_id: 'wamid.HBgLMjcxMjM0NTY3ODkVAgASGBQzRUI', error: null },
      },
    ],
  },
);
