// The inbox API's bodies and answers (TypeBox: validation and OpenAPI in one).
import { Type } from '@sinclair/typebox';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords.js';

export const SetPasswordBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 128, description: 'The token of the set-password link' }),
    password: Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH }),
  },
  { additionalProperties: false },
);

export const SignInBody = Type.Object(
  {
    organization: Type.String({ minLength: 1, maxLength: 63, description: "The organization's slug (tenantId)" }),
    email: Type.String({ minLength: 1, maxLength: 254 }),
    // Only the upper bound here: a too-short password is just a wrong one, answered like any other.
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
  },
  { additionalProperties: false },
);

export const AgentMe = Type.Object({
  agent: Type.Object({
    id: Type.String(),
    organization_id: Type.String(),
    email: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    role: Type.Union([Type.Literal('admin'), Type.Literal('agent')]),
  }),
  /** Sent back as the x-csrf-token header on every state-changing request. */
  csrf_token: Type.String(),
  session_expires_at: Type.String(),
});
