// The fields several message types share, and the helpers that build them (schema.ts and
// template-schema.ts use them; one definition each).
import { Type } from '@sinclair/typebox';

export const PhoneNumber = Type.String({
  notBlank: true,
  maxLength: 40,
  description: 'Recipient phone number with country code; spaces and symbols are removed',
  examples: ['+27123456789'],
});

// Meta: a reaction cannot be a reply (docs/META.md §1), so ReactionMessage does not take this field.
export const ContextMessageId = Type.Optional(
  Type.String({
    maxLength: 512,
    description: 'WhatsApp message ID (wamid) to reply to',
    examples: ['wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI...'],
  }),
);

export const messageType = <T extends string>(type: T) => Type.Literal(type, { description: 'Type of message' });

/** Text a person reads: at most `max` characters as they count them. */
export const Text = (max: number, description: string, required = false) =>
  Type.String({ ...(required ? { notBlank: true } : {}), maxGraphemes: max, description });

/** A closed list of strings, as `enum` (one clear error) rather than TypeBox's anyOf of literals. */
export const StringEnum = <T extends string>(values: readonly T[], description: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], description });

export const MediaUrl = Type.String({
  notBlank: true,
  format: 'http-url',
  maxLength: 2048,
  description: 'Public http(s) URL of the file; the gateway downloads it and uploads it to Meta',
  examples: ['https://example.com/image.jpg'],
});

// Meta: only image, video and document take a caption, at most 1024 characters (docs/META.md §1).
export const Caption = Type.Optional(Text(1024, 'Caption shown under the media (max 1024 characters)'));

// A display name only: it must never be usable as a path where the file is stored.
export const Filename = Type.Optional(
  Type.String({
    format: 'file-name',
    maxGraphemes: 240,
    description: 'Display filename for the API contract (max 240 characters, no path separators)',
    examples: ['Invoice_2025.pdf'],
  }),
);

export const closed = (title: string, examples: readonly object[]) => ({
  additionalProperties: false,
  title,
  examples: [...examples],
});
