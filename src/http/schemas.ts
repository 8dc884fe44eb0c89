// Schemas every tenant route shares: the tenantId query and the API contract's error shape.
import { Type } from '@sinclair/typebox';

export const TenantQuery = Type.Object(
  {
    tenantId: Type.String({ minLength: 1, maxLength: 63, description: "Your organization's tenant identifier (slug)" }),
  },
  { additionalProperties: true },
);

export const ErrorSchema = Type.Object(
  { error: Type.String(), message: Type.String(), request_id: Type.Optional(Type.String()) },
  { additionalProperties: true },
);
