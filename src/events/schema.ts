// /api/webhook-endpoints: bodies, params and answers, with examples for OpenAPI. The URL, the event
// types and the texts are checked in endpoints.ts (one set of rules for the API and the CLI), so the
// schemas here bound sizes and types only.
import { Type, type Static } from '@sinclair/typebox';
import { ALL_EVENTS, EVENT_TYPES } from './types.js';
import { MAX_DESCRIPTION_LENGTH, MAX_OVERLAP_SECONDS, MAX_URL_LENGTH } from './endpoints.js';

const EXAMPLE_ID = '0196b1f4-3c5e-7a8b-9c0d-1e2f3a4b5c6d';

const Url = Type.String({
  maxLength: MAX_URL_LENGTH,
  description: `Where events are POSTed: https, at most ${MAX_URL_LENGTH} characters, no user name or password, a public address`,
  examples: ['https://example.com/webhooks/flowiq'],
});

const EventTypes = Type.Array(Type.String({ maxLength: 64 }), {
  minItems: 1,
  maxItems: 32,
  description: `The event types to deliver: any of ${EVENT_TYPES.join(', ')}; or ["${ALL_EVENTS}"] for every type, including types added later`,
  examples: [['message.status', 'message.received']],
});

const Description = Type.String({
  maxLength: MAX_DESCRIPTION_LENGTH,
  description: `A note for your own use, one line of at most ${MAX_DESCRIPTION_LENGTH} characters`,
  examples: ['Order service, production'],
});

export const CreateEndpointBody = Type.Object(
  {
    url: Url,
    event_types: Type.Optional(EventTypes),
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
);
export type CreateEndpointBody = Static<typeof CreateEndpointBody>;

export const UpdateEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    event_types: Type.Optional(EventTypes),
    description: Type.Optional(Type.Union([Description, Type.Null()], { description: 'null or "" clears it' })),
    enabled: Type.Optional(
      Type.Boolean({
        description:
          'true re-enables a disabled endpoint (clearing disabled_reason and failing_since); false disables it',
      }),
    ),
  },
  { additionalProperties: false },
);
export type UpdateEndpointBody = Static<typeof UpdateEndpointBody>;

export const RotateSecretBody = Type.Object(
  {
    overlap_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_OVERLAP_SECONDS,
        description:
          'How long the replaced secret keeps signing beside the new one (each delivery carries a signature for each), so receivers can switch without refusing a delivery. Default 86400 (24 hours); 0 drops it at once',
        examples: [86400],
      }),
    ),
  },
  { additionalProperties: false },
);
export type RotateSecretBody = Static<typeof RotateSecretBody>;

export const DisableEndpointBody = Type.Object(
  {
    reason: Type.Optional(
      Type.String({
        maxLength: MAX_DESCRIPTION_LENGTH,
        description: 'Shown with the endpoint (disabled_reason)',
        examples: ['Receiver being migrated'],
      }),
    ),
  },
  { additionalProperties: false },
);
export type DisableEndpointBody = Static<typeof DisableEndpointBody>;

export const EndpointParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The endpoint id', examples: [EXAMPLE_ID] }),
});
export type EndpointParams = Static<typeof EndpointParams>;

const Time = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

const endpointFields = {
  id: Type.String({ examples: [EXAMPLE_ID] }),
  url: Type.String({ examples: ['https://example.com/webhooks/flowiq'] }),
  description: Type.Union([Type.String(), Type.Null()]),
  event_types: Type.Array(Type.String(), { examples: [['message.status', 'message.received']] }),
  enabled: Type.Boolean(),
  disabled_reason: Type.Union([Type.String(), Type.Null()], {
    description:
      "Why it is disabled: as given when it was disabled, or the dispatcher's reason after every delivery failed for days",
  }),
  failing_since: Time('Since when every delivery attempt has failed (ISO 8601, UTC); null after a success'),
  previous_secret_until: Time(
    'Until when the secret replaced by the last rotation still signs deliveries beside the current one; null when none does',
  ),
  created_at: Type.String(),
  updated_at: Type.String(),
};

export const EndpointSchema = Type.Object(endpointFields);

export const EndpointWithSecretSchema = Type.Object({
  ...endpointFields,
  secret: Type.String({
    description:
      "The signing secret (Standard Webhooks: whsec_ and base64). Shown only in this response: store it now. Verify each delivery's webhook-signature with it using any Standard Webhooks library",
    examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
  }),
});
