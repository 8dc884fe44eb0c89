// GET /api/templates: the query and the answer, which are both validation and OpenAPI.
import { Type } from '@sinclair/typebox';
import { LIST_TEMPLATES_EXAMPLE } from './openapi.js';

export const ListTemplatesQuery = Type.Object(
  {
    tenantId: Type.String({ minLength: 1, maxLength: 63, description: "Your organization's tenant identifier (slug)" }),
    // Checked by the catalogue, so that a bad value is answered in words rather than with a pattern.
    limit: Type.Optional(Type.String({ description: 'Page size, 1–200 (default 50)' })),
    cursor: Type.Optional(Type.String({ maxLength: 512, description: 'next_cursor from the previous page' })),
    status: Type.Optional(
      Type.String({ maxLength: 32, description: 'Only templates in this Meta status, e.g. APPROVED (any case)' }),
    ),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Only templates of this name' })),
    language: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, description: 'Only templates in this language, e.g. en_US' }),
    ),
  },
  { additionalProperties: true },
);

const Params = Type.Array(Type.String(), {
  description:
    "The variables a send must fill, by Meta's names: '1', '2', … for a positional template (in order), " +
    "the variable names for a named one (in the order the text uses them); 'coupon_code' for a copy-code button",
});

export const ExpectationSchema = Type.Object(
  {
    parameter_format: Type.Union([Type.Literal('POSITIONAL'), Type.Literal('NAMED')]),
    header: Type.Union(
      [
        Type.Object({
          format: Type.Union(
            ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'].map((f) => Type.Literal(f)),
            {
              description: 'TEXT takes its variable; a media header takes a file of that kind; LOCATION a location',
            },
          ),
          params: Params,
        }),
        Type.Null(),
      ],
      { description: 'null: the template has no header' },
    ),
    body: Type.Object({ params: Params }),
    buttons: Type.Array(
      Type.Object({
        index: Type.Integer({ description: "The button's position, from 0: the index a send names" }),
        type: Type.String({
          description: "Meta's button type: QUICK_REPLY, URL, COPY_CODE, PHONE_NUMBER, FLOW, OTP, …",
        }),
        params: Params,
      }),
    ),
  },
  { description: "What a send of this template must supply, read from Meta's components" },
);

export const TemplateSchema = Type.Object({
  name: Type.String(),
  language: Type.String(),
  status: Type.String({ description: "Meta's status: only APPROVED templates can be sent" }),
  category: Type.String({ description: 'MARKETING, UTILITY or AUTHENTICATION' }),
  quality: Type.Union([Type.String(), Type.Null()], {
    description: "Meta's quality score: GREEN, YELLOW, RED, UNKNOWN",
  }),
  rejected_reason: Type.Union([Type.String(), Type.Null()]),
  meta_template_id: Type.String({ description: "Meta's id of the template" }),
  expects: ExpectationSchema,
  components: Type.Array(Type.Unknown(), { description: "The template's components as Meta returns them" }),
  synced_at: Type.String({ description: 'When the catalogue last read it from Meta (or a webhook changed it)' }),
});

export const TemplateListSchema = Type.Object(
  {
    success: Type.Literal(true),
    data: Type.Array(TemplateSchema),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  },
  { examples: [LIST_TEMPLATES_EXAMPLE] },
);
