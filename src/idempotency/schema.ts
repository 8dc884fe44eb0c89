import { Type } from '@sinclair/typebox';

export const IdempotencyHeader = Type.Object(
  {
    'idempotency-key': Type.Optional(
      Type.String({
        description:
          'Retry safely: the same key and body within 24 hours returns the first response without acting again (Idempotent-Replayed: true).',
      }),
    ),
  },
  { additionalProperties: true },
);
