// The body of POST /send-whatsapp: one TypeBox schema per message type, joined by message_type.
// The same schemas validate the route (Ajv, with the keywords of src/http/validation.ts) and document
// it in OpenAPI (messages/openapi.ts). Limits are Meta's where they are stricter than the API contract
// (docs/META.md §1); lengths count characters as people see them (maxGraphemes).
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { ContactCard } from './contact-card.js';
import * as ex from './examples.js';
import {
  Caption,
  closed,
  ContextMessageId,
  Filename,
  MediaUrl,
  messageType,
  PhoneNumber,
  StringEnum,
  Text,
} from './schema-fields.js';
import { TemplateMessage } from './template-schema.js';

export type { ContactCard } from './contact-card.js';

// ---- One schema per message type ---------------------------------------------------------------

export const TextMessage = Type.Object(
  {
    phone_number: PhoneNumber,
    message_type: messageType('text'),
    context_message_id: ContextMessageId,
    // Meta: text body at most 4096 characters (docs/META.md §1).
    text: Text(4096, 'The text content of the message (max 4096 characters)', true),
  },
  closed('Text message', [ex.TEXT_EXAMPLE, ex.REPLY_EXAMPLE]),
);

const visualMedia = <T extends 'image' | 'video'>(type: T, title: string, examples: readonly object[]) =>
  Type.Object(
    {
      phone_number: PhoneNumber,
      message_type: messageType(type),
      context_message_id: ContextMessageId,
      media_url: MediaUrl,
      caption: Caption,
    },
    closed(title, examples),
  );

export const ImageMessage = visualMedia('image', 'Image message', [ex.IMAGE_EXAMPLE]);
export const VideoMessage = visualMedia('video', 'Video message', [ex.VIDEO_EXAMPLE]);

// Meta: audio takes no caption (docs/META.md §1); the API contract says so too.
export const AudioMessage = Type.Object(
  {
    phone_number: PhoneNumber,
    message_type: messageType('audio'),
    context_message_id: ContextMessageId,
    media_url: MediaUrl,
  },
  closed('Audio message', [ex.AUDIO_EXAMPLE]),
);

export const DocumentMessage = Type.Object(
  {
    phone_number: PhoneNumber,
    message_type: messageType('document'),
    context_message_id: ContextMessageId,
    media_url: MediaUrl,
    filename: Filename,
    caption: Caption,
  },
  closed('Document message', [ex.DOCUMENT_EXAMPLE]),
);

export const LocationMessage = Type.Object(
  {
    phone_number: PhoneNumber,
    message_type: messageType('location'),
    context_message_id: ContextMessageId,
    location: Type.Object(
      {
        // JSON numbers, as the API contract types them (⚠ Meta's docs say strings; docs/META.md §1).
        latitude: Type.Number({ minimum: -90, maximum: 90, description: 'Latitude coordinate', examples: [-33.9249] }),
        longitude: Type.Number({
          minimum: -180,
          maximum: 180,
          description: 'Longitude coordinate',
          examples: [18.4241],
        }),
        name: Type.Optional(Type.String({ description: 'Location name', examples: ['Cape Town Office'] })),
        address: Type.Optional(
          Type.String({ description: 'Location address', examples: ['123 Main Street, Cape Town'] }),
        ),
      },
      { additionalProperties: false, description: 'The place to share' },
    ),
  },
  closed('Location message', [ex.LOCATION_EXAMPLE]),
);

// Meta's docs: up to 257 cards (⚠ the spec says 5; docs/META.md §1). The API contract sets no limit.
export const MAX_CONTACT_CARDS = 257;

export const ContactsMessage = Type.Object(
  {
    phone_number: PhoneNumber,
    message_type: messageType('contacts'),
    context_message_id: ContextMessageId,
    contacts: Type.Array(ContactCard, {
      minItems: 1,
      maxItems: MAX_CONTACT_CARDS,
      description: `Array of contact cards to share (1 to ${MAX_CONTACT_CARDS})`,
    }),
  },
  closed('Contacts message', [ex.CONTACTS_EXAMPLE]),
);

// ---- Interactive: reply buttons and lists ------------------------------------------------------

const HEADER_MEDIA_TYPES = ['image', 'video', 'document'] as const;

const HeaderMedia = Type.Object(
  {
    type: StringEnum(HEADER_MEDIA_TYPES, 'Kind of media shown in the header'),
    url: MediaUrl,
    filename: Type.Optional(
      Type.String({ format: 'file-name', maxGraphemes: 240, description: 'Display filename; document headers only' }),
    ),
  },
  { additionalProperties: false, description: 'Media header (image, video or document); not together with header' },
);

// Meta: reply button id at most 256, title at most 20; titles unique (rules.ts) (docs/META.md §1).
const ReplyButton = Type.Object(
  {
    id: Text(256, 'Identifier returned when the button is tapped (max 256 characters, unique)', true),
    title: Text(20, 'Button text (max 20 characters, unique)', true),
  },
  { additionalProperties: false },
);

// Meta: header text at most 60, body at most 1024 (⚠ the list page says 4096), footer at most 60.
const Header = Type.Optional(Text(60, 'Header text (max 60 characters)'));
const Body = Text(1024, 'Main message text (max 1024 characters)', true);
const Footer = Type.Optional(Text(60, 'Footer text (max 60 characters)'));

export const InteractiveButton = Type.Object(
  {
    type: Type.Literal('button', { description: 'Reply buttons' }),
    header: Header,
    header_media: Type.Optional(HeaderMedia),
    body: Body,
    footer: Footer,
    buttons: Type.Array(ReplyButton, { minItems: 1, maxItems: 3, description: 'Array of buttons (1 to 3)' }),
  },
  { additionalProperties: false, title: 'Reply buttons' },
);

// Meta: row id at most 200 (unique across the message), title at most 24, description at most 72.
const ListRow = Type.Object(
  {
    id: Text(200, 'Identifier returned when the row is chosen (max 200 characters, unique in the message)', true),
    title: Text(24, 'Row title (max 24 characters)', true),
    description: Type.Optional(Text(72, 'Row description (max 72 characters)')),
  },
  { additionalProperties: false },
);

// Meta: at most 10 rows across all sections (rules.ts); a section title is needed when there are several.
const ListSection = Type.Object(
  {
    title: Type.Optional(Text(24, 'Section title (max 24 characters); required when there is more than one section')),
    rows: Type.Array(ListRow, {
      minItems: 1,
      maxItems: 10,
      description: 'Rows of the section; at most 10 rows in the whole list',
    }),
  },
  { additionalProperties: false },
);

// ⚠ Meta's docs allow a text header only on lists (the spec any): no header_media here.
export const InteractiveList = Type.Object(
  {
    type: Type.Literal('list', { description: 'A list menu' }),
    header: Header,
    body: Body,
    footer: Footer,
    button: Text(20, 'Menu button text (max 20 characters)', true),
    sections: Type.Array(ListSection, { minItems: 1, maxItems: 10, description: 'Array of sections (1 to 10)' }),
  },
  { additionalProperties: false, title: 'List' },
);

const INTERACTIVE_KINDS = [InteractiveButton, InteractiveList] as const;

const interactiveMessage = <S extends TSchema>(interactive: S, title: string, examples: readonly object[]) =>
  Type.Object(
    {
      phone_number: PhoneNumber,
      message_type: messageType('interactive'),
      context_message_id: ContextMessageId,
      interactive,
    },
    closed(title, examples),
  );

export const InteractiveButtonMessage = interactiveMessage(InteractiveButton, 'Interactive reply buttons message', [
  ex.BUTTON_EXAMPLE,
  ex.BUTTON_MEDIA_EXAMPLE,
]);
export const InteractiveListMessage = interactiveMessage(InteractiveList, 'Interactive list message', [
  ex.LIST_EXAMPLE,
]);

/** The body's one interactive branch: interactive.type picks reply buttons or a list (discriminator). */
export const InteractiveMessage = interactiveMessage(
  Type.Unsafe<Static<typeof InteractiveButton> | Static<typeof InteractiveList>>({
    type: 'object',
    required: ['type'],
    discriminator: { propertyName: 'type' },
    oneOf: [...INTERACTIVE_KINDS],
    description: 'Interactive message configuration: type "button" or "list"',
  }),
  'Interactive message',
  [ex.BUTTON_EXAMPLE, ex.BUTTON_MEDIA_EXAMPLE, ex.LIST_EXAMPLE],
);

// ---- Reaction --------------------------------------------------------------------------------------

/** The API contract: reaction.emoji defaults to 👍. */
export const DEFAULT_REACTION_EMOJI = '👍';

export const ReactionMessage = Type.Object(
  {
    phone_number: PhoneNumber,
    message_type: messageType('reaction'),
    // Meta: reactions cannot be replies. An empty value is an empty optional field, not sent (as
    // for every other type); any other value is refused as not supported.
    context_message_id: Type.Optional(
      Type.String({
        maxLength: 0,
        description:
          'Not supported for reactions (they cannot be replies); only an empty value is accepted, and ignored',
      }),
    ),
    reaction: Type.Object(
      {
        message_id: Type.String({
          notBlank: true,
          maxLength: 512,
          description: 'WhatsApp message ID to react to',
          examples: ['wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI...'],
        }),
        // One emoji, or "" to remove the reaction (Meta's removal, as client libraries send it).
        emoji: Type.Optional(
          Type.String({
            format: 'emoji',
            default: DEFAULT_REACTION_EMOJI,
            description: 'Emoji to react with (default: 👍); "" removes the reaction',
            examples: ['❤️', ''],
          }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  closed('Reaction message', [ex.REACTION_EXAMPLE]),
);

// ---- The request body ----------------------------------------------------------------------------

const MESSAGE_SCHEMAS = [
  TextMessage,
  ImageMessage,
  VideoMessage,
  AudioMessage,
  DocumentMessage,
  LocationMessage,
  ContactsMessage,
  InteractiveMessage,
  ReactionMessage,
  TemplateMessage,
] as const;

export type TextMessage = Static<typeof TextMessage>;
export type ImageMessage = Static<typeof ImageMessage>;
export type VideoMessage = Static<typeof VideoMessage>;
export type AudioMessage = Static<typeof AudioMessage>;
export type DocumentMessage = Static<typeof DocumentMessage>;
export type MediaMessage = ImageMessage | VideoMessage | AudioMessage | DocumentMessage;
export type LocationMessage = Static<typeof LocationMessage>;
export type ContactsMessage = Static<typeof ContactsMessage>;
export type InteractiveButton = Static<typeof InteractiveButton>;
export type InteractiveList = Static<typeof InteractiveList>;
export type InteractiveMessage = Static<typeof InteractiveMessage>;
export type InteractiveButtonMessage = Static<typeof InteractiveButtonMessage>;
export type InteractiveListMessage = Static<typeof InteractiveListMessage>;
export type ReactionMessage = Static<typeof ReactionMessage>;
export type { TemplateMessage } from './template-schema.js';
export type SendRequest = Static<(typeof MESSAGE_SCHEMAS)[number]>;
export type MessageType = SendRequest['message_type'];

export const MESSAGE_TYPES: readonly MessageType[] = MESSAGE_SCHEMAS.map((s) => s.properties.message_type.const);

/** POST /send-whatsapp's body: Ajv validates only the branch message_type names (discriminator). */
export const SendWhatsAppBody = Type.Unsafe<SendRequest>({
  type: 'object',
  title: 'Send WhatsApp message',
  description:
    'Common fields (phone_number, message_type, context_message_id) and the fields of the chosen message type.',
  required: ['phone_number', 'message_type'],
  discriminator: { propertyName: 'message_type' },
  oneOf: [...MESSAGE_SCHEMAS],
});

// ---- What error messages need to know ----------------------------------------------------------

/** The fields of each branch of a discriminated union, by its tag value. */
function fieldsByKind(branches: readonly TObject[], tag: string): Record<string, readonly string[]> {
  const entries = branches.map(
    (b) => [String((b.properties[tag] as TSchema)['const']), Object.keys(b.properties)] as const,
  );
  return Object.fromEntries(entries);
}

/**
 * The objects whose fields depend on a tag, so that a 400 can say "caption is not allowed for text
 * messages" instead of "unknown field caption". `path` is the object's path in the body.
 */
export const SEND_BODY_KINDS: readonly {
  path: string;
  tag: string;
  fields: Readonly<Record<string, readonly string[]>>;
}[] = [
  { path: '', tag: 'message_type', fields: fieldsByKind(MESSAGE_SCHEMAS, 'message_type') },
  { path: 'interactive', tag: 'type', fields: fieldsByKind(INTERACTIVE_KINDS, 'type') },
];

/** Fields Meta does not support on a type that might be expected to take them (docs/META.md §1). */
export const UNSUPPORTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  audio: ['caption'], // Meta: audio takes no caption.
  reaction: ['context_message_id'], // Meta: reactions cannot be sent as replies.
};

/** The route's wording for its 400s (route config `bodyWording`). */
export const SEND_BODY_WORDING = { kinds: SEND_BODY_KINDS, unsupported: UNSUPPORTED_FIELDS };

// ---- Responses -----------------------------------------------------------------------------------

export const SendWhatsAppSuccess = Type.Object(
  {
    success: Type.Literal(true, { description: 'Whether the message was sent successfully' }),
    message: Type.String({ examples: ['Message sent successfully'] }),
    data: Type.Object({
      message_id: Type.String({
        description: 'WhatsApp message ID (wamid) Meta assigned',
        examples: ['wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI...'],
      }),
      recipient: Type.String({ description: 'Recipient WhatsApp number, digits only', examples: ['27123456789'] }),
      message_type: Type.String({ description: 'The message_type sent', examples: ['text'] }),
      organization: Type.String({
        description: 'Name of the organization that sent it',
        examples: ['Your Organization Name'],
      }),
      kind: Type.Union([Type.Literal('free_form'), Type.Literal('template')], {
        description:
          "template, or free_form: any other message, which Meta delivers only within 24 hours of the customer's last message",
      }),
      window_ends_at: Type.Optional(
        Type.Union([Type.String(), Type.Null()], {
          description:
            "free_form only: when the customer service window closes (24 hours after the customer's last message); null when the gateway does not know it (an organization that receives no webhooks)",
          examples: ['2026-12-04T09:00:00.000Z'],
        }),
      ),
      meta_response: Type.Record(Type.String(), Type.Unknown(), { description: 'Raw response from Meta API' }),
    }),
  },
  { description: 'Message sent successfully' },
);
export type SendWhatsAppSuccess = Static<typeof SendWhatsAppSuccess>;
