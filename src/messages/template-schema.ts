// message_type "template": a template Meta approved, by name and language, with the values of its
// variables. Two ways to write them, validated to the same limits:
// - the short form: `header` (one of text, image, video, document, location), `body` (an array for
//   a positional template, an object by name for a named one) and `buttons` (by index);
// - Meta's own `components` array, for clients that already build it (media by `link` only: the
//   gateway downloads it and sends it by id, as for every other media).
// Which parameters the template itself expects is checked against the catalogue (templates/check.ts).
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import type { GraphTemplateComponent, GraphTemplateParameter } from '../meta/graph-types.js';
import * as ex from './template-examples.js';
import { closed, ContextMessageId, Filename, MediaUrl, messageType, PhoneNumber, Text } from './schema-fields.js';

// Meta: a header text parameter at most 60 characters; a body's hydrated text at most 1024
// (132005), so no single body value can be longer (WEBHOOKS §9.1, error 132005).
export const HEADER_TEXT_MAX = 60;
export const BODY_TEXT_MAX = 1024;
export const BODY_PARAMS_MAX = 100;
// Meta: at most 10 buttons in a template; a copy code at most 15 characters.
export const BUTTONS_MAX = 10;
export const COUPON_CODE_MAX = 15;
export const PAYLOAD_MAX = 1000;
export const URL_SUFFIX_MAX = 2000;

/**
 * An object whose fields depend on its `tag`: the tag is checked first (one clear "must be one of"),
 * then the branch it names, with that branch's own errors (if/then: Ajv reports the branch's).
 */
function tagged<T>(tag: string, branches: Record<string, TSchema>, description: string): TSchema & { static: T } {
  const values = Object.keys(branches);
  return Type.Unsafe<T>({
    type: 'object',
    required: [tag],
    properties: { [tag]: { type: 'string', enum: values } },
    allOf: values.map((v) => ({ if: { properties: { [tag]: { const: v } } }, then: branches[v] })),
    description,
  });
}

// ---- Values ----------------------------------------------------------------------------------------

const HeaderText = Text(HEADER_TEXT_MAX, `The header's variable (max ${HEADER_TEXT_MAX} characters)`, true);
const BodyText = Text(BODY_TEXT_MAX, `A body variable's text (max ${BODY_TEXT_MAX} characters)`, true);

const Currency = Type.Object(
  {
    fallback_value: Text(BODY_TEXT_MAX, 'The text shown: Cloud API always renders it', true),
    code: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code', examples: ['USD'] }),
    amount_1000: Type.Integer({ description: 'The amount times 1000 (10000 for 10.00)', examples: [10000] }),
  },
  { additionalProperties: false, description: 'A currency amount' },
);

const DateTime = Type.Object(
  { fallback_value: Text(BODY_TEXT_MAX, 'The text shown: Cloud API always renders it', true) },
  { additionalProperties: false, description: 'A date and time' },
);

const TypedValue = Type.Object(
  { currency: Type.Optional(Currency), date_time: Type.Optional(DateTime) },
  { additionalProperties: false, description: 'Exactly one of currency or date_time' },
);

/** A body value: text, or `{currency}` / `{date_time}`. */
const BodyValue = Type.Unsafe<BodyValue>({
  if: { type: 'object' },
  then: TypedValue,
  else: BodyText,
  description: `Text (max ${BODY_TEXT_MAX} characters), or {"currency": {…}} or {"date_time": {…}}`,
});
export type BodyValue =
  | string
  | { currency: { fallback_value: string; code: string; amount_1000: number }; date_time?: never }
  | { date_time: { fallback_value: string }; currency?: never };

const MediaLink = (kind: string) =>
  Type.Object({ url: MediaUrl }, { additionalProperties: false, description: `The ${kind} to download and send` });

const Location = Type.Object(
  {
    latitude: Type.Number({ minimum: -90, maximum: 90, description: 'Latitude' }),
    longitude: Type.Number({ minimum: -180, maximum: 180, description: 'Longitude' }),
    name: Type.Optional(Type.String({ maxLength: 1000, description: 'Location name' })),
    address: Type.Optional(Type.String({ maxLength: 1000, description: 'Location address' })),
  },
  { additionalProperties: false, description: 'A location header' },
);

// ---- The short form ----------------------------------------------------------------------------------

const ShortHeader = Type.Object(
  {
    text: Type.Optional(HeaderText),
    image: Type.Optional(MediaLink('image')),
    video: Type.Optional(MediaLink('video')),
    document: Type.Optional(
      Type.Object(
        { url: MediaUrl, filename: Filename },
        { additionalProperties: false, description: 'The document to download and send' },
      ),
    ),
    location: Type.Optional(Location),
  },
  {
    additionalProperties: false,
    description: "The header's parameter: exactly one of text, image, video, document, location",
  },
);

const ShortBody = Type.Unsafe<BodyValue[] | Record<string, BodyValue>>({
  if: { type: 'array' },
  then: Type.Array(BodyValue, { maxItems: BODY_PARAMS_MAX }),
  else: { type: 'object', additionalProperties: BodyValue, maxProperties: BODY_PARAMS_MAX },
  description:
    'The body variables: an array in order for a positional template ({{1}}, {{2}}…), an object by name for a named one ({"first_name": "Jessica"})',
});

const ShortButton = Type.Object(
  {
    index: Type.Integer({ minimum: 0, maximum: BUTTONS_MAX - 1, description: "The button's position, from 0" }),
    payload: Type.Optional(Text(PAYLOAD_MAX, 'Quick-reply button: the payload returned when it is tapped', true)),
    url_suffix: Type.Optional(Text(URL_SUFFIX_MAX, "URL button: the text that replaces the URL's {{1}}", true)),
    coupon_code: Type.Optional(Text(COUPON_CODE_MAX, `Copy-code button: the code (max ${COUPON_CODE_MAX})`, true)),
  },
  {
    additionalProperties: false,
    description: 'One button parameter: index and exactly one of payload, url_suffix, coupon_code',
  },
);

// ---- Meta's components form -------------------------------------------------------------------------

const named = {
  parameter_name: Type.Optional(
    Type.String({ pattern: '^[a-z0-9_]{1,64}$', description: "A named template's variable name" }),
  ),
};

const HeaderParameter = tagged<GraphTemplateParameter>(
  'type',
  {
    text: Type.Object({ type: Type.Literal('text'), text: HeaderText, ...named }, { additionalProperties: false }),
    image: Type.Object({ type: Type.Literal('image'), image: MetaLink('image') }, { additionalProperties: false }),
    video: Type.Object({ type: Type.Literal('video'), video: MetaLink('video') }, { additionalProperties: false }),
    document: Type.Object(
      { type: Type.Literal('document'), document: MetaLink('document', true) },
      { additionalProperties: false },
    ),
    location: Type.Object({ type: Type.Literal('location'), location: Location }, { additionalProperties: false }),
  },
  'A header parameter',
);

function MetaLink(kind: string, withFilename = false): TObject {
  return Type.Object(
    {
      link: MediaUrl,
      ...(withFilename ? { filename: Filename } : {}),
    },
    { additionalProperties: false, description: `The ${kind} by link; the gateway downloads it and sends it by id` },
  );
}

const BodyParameter = tagged<GraphTemplateParameter>(
  'type',
  {
    text: Type.Object({ type: Type.Literal('text'), text: BodyText, ...named }, { additionalProperties: false }),
    currency: Type.Object(
      { type: Type.Literal('currency'), currency: Currency, ...named },
      { additionalProperties: false },
    ),
    date_time: Type.Object(
      { type: Type.Literal('date_time'), date_time: DateTime, ...named },
      { additionalProperties: false },
    ),
  },
  'A body parameter',
);

/** Meta's button index: "0" as its docs write it, or 0. */
const ButtonIndex = Type.Unsafe<string | number>({
  if: { type: 'string' },
  then: { type: 'string', pattern: '^[0-9]$' },
  else: { type: 'integer', minimum: 0, maximum: BUTTONS_MAX - 1 },
  description: "The button's position, from 0",
});

const button = <S extends string, P extends TSchema>(subType: S, parameter: P) =>
  Type.Object(
    {
      type: Type.Literal('button'),
      sub_type: Type.Literal(subType),
      index: ButtonIndex,
      parameters: Type.Array(parameter, { minItems: 1, maxItems: 1 }),
    },
    { additionalProperties: false },
  );

const ButtonComponent = tagged<GraphTemplateComponent>(
  'sub_type',
  {
    quick_reply: button(
      'quick_reply',
      Type.Object(
        { type: Type.Literal('payload'), payload: Text(PAYLOAD_MAX, 'The payload returned when tapped', true) },
        { additionalProperties: false },
      ),
    ),
    url: button(
      'url',
      Type.Object(
        { type: Type.Literal('text'), text: Text(URL_SUFFIX_MAX, "The URL's suffix", true) },
        { additionalProperties: false },
      ),
    ),
    copy_code: button(
      'copy_code',
      Type.Object(
        { type: Type.Literal('coupon_code'), coupon_code: Text(COUPON_CODE_MAX, 'The code to copy', true) },
        { additionalProperties: false },
      ),
    ),
  },
  'A button parameter: sub_type quick_reply, url or copy_code',
);

const Component = tagged<GraphTemplateComponent>(
  'type',
  {
    header: Type.Object(
      { type: Type.Literal('header'), parameters: Type.Array(HeaderParameter, { minItems: 1, maxItems: 1 }) },
      { additionalProperties: false },
    ),
    body: Type.Object(
      {
        type: Type.Literal('body'),
        parameters: Type.Array(BodyParameter, { minItems: 1, maxItems: BODY_PARAMS_MAX }),
      },
      { additionalProperties: false },
    ),
    // The button's own fields depend on its sub_type: a second tag, checked the same way.
    button: ButtonComponent,
  },
  "One of Meta's template components: header, body or button",
);

// ---- The message -----------------------------------------------------------------------------------

const TemplateRef = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z0-9_]{1,512}$',
      description: "The template's name as created (lower-case letters, digits and _)",
      examples: ['order_confirmation'],
    }),
    language: Type.String({
      pattern: '^[a-z]{2,3}(_[A-Za-z0-9]{2,8})?$',
      description: "The template's language code as created: en, en_US, pt_BR…",
      examples: ['en_US'],
    }),
    header: Type.Optional(ShortHeader),
    body: Type.Optional(ShortBody),
    buttons: Type.Optional(
      Type.Array(ShortButton, { maxItems: BUTTONS_MAX, description: 'Button parameters, by index' }),
    ),
    components: Type.Optional(
      Type.Array(Component, {
        maxItems: 2 + BUTTONS_MAX,
        description: "Meta's own components form, instead of header, body and buttons",
      }),
    ),
  },
  { additionalProperties: false, description: 'The template and the values of its variables' },
);

export const TemplateMessage = Type.Object(
  {
    phone_number: PhoneNumber,
    message_type: messageType('template'),
    context_message_id: ContextMessageId,
    template: TemplateRef,
  },
  closed('Template message', [
    ex.TEMPLATE_TEXT_EXAMPLE,
    ex.TEMPLATE_NAMED_EXAMPLE,
    ex.TEMPLATE_IMAGE_EXAMPLE,
    ex.TEMPLATE_DOCUMENT_EXAMPLE,
    ex.TEMPLATE_LOCATION_EXAMPLE,
    ex.TEMPLATE_CURRENCY_DATE_EXAMPLE,
    ex.TEMPLATE_BUTTONS_EXAMPLE,
    ex.TEMPLATE_COMPONENTS_EXAMPLE,
  ]),
);

// ---- Types ------------------------------------------------------------------------------------------

export type ShortTemplateHeader = Static<typeof ShortHeader>;
export type ShortTemplateButton = Static<typeof ShortButton>;

export type TemplateMessage = Static<typeof TemplateMessage>;
