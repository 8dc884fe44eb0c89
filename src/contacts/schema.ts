import { Type, type Static } from '@sinclair/typebox';

export const CreateContactBody = Type.Object(
  {
    phone_number: Type.String({
      minLength: 1,
      maxLength: 40,
      description: 'Phone number with country code; separators are removed',
      examples: ['+27 (12) 345-6789'],
    }),
    name: Type.Optional(Type.String({ maxLength: 256 })),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    custom_fields: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), {
        description: 'Free-form attributes kept with the contact',
        maxProperties: 100,
        maxJsonDepth: 8,
        maxJsonBytes: 16_384,
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateContactBody = Static<typeof CreateContactBody>;

export const ContactSchema = Type.Object({
  id: Type.String(),
  whatsapp_number: Type.Union([Type.String(), Type.Null()], {
    description:
      'Digits only, with country code; null for a WhatsApp user known only by user id (they messaged ' +
      'without a phone number). Messages are sent by number, so such a contact cannot be sent to.',
  }),
  name: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  custom_fields: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export const LookupContactQuery = Type.Object(
  {
    tenantId: Type.String({ minLength: 1, maxLength: 63 }),
    phone_number: Type.String({ minLength: 1, maxLength: 40 }),
  },
  { additionalProperties: true },
);

export const ListContactsQuery = Type.Object(
  {
    tenantId: Type.String({ minLength: 1, maxLength: 63 }),
    // Checked in the route, so that a bad value is answered in words rather than with a pattern.
    limit: Type.Optional(Type.String({ description: 'Page size, 1–200 (default 50)' })),
    cursor: Type.Optional(Type.String({ maxLength: 64, description: 'next_cursor from the previous page' })),
  },
  { additionalProperties: true },
);
