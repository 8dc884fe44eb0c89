// validationErrorToAppError on its own: generic for any route, not only /send-whatsapp.
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { createAjv } from '../../src/http/ajv.js';
import { isHttpUrl, isSafeFilename } from '../../src/http/keywords/formats.js';
import { toOpenApiSchema } from '../../src/http/keywords/index.js';
import { exceedsGraphemes, isOneEmoji } from '../../src/http/keywords/text.js';
import { validationErrorToAppError } from '../../src/http/validation-errors.js';
import { CreateContactBody } from '../../src/contacts/schema.js';

function firstError(schema: object, data: unknown, context = 'body') {
  const validate = createAjv().compile(schema);
  expect(validate(data)).toBe(false);
  const err = validationErrorToAppError(validate.errors ?? [], context, data);
  return { status: err.status, error: err.error, message: err.message };
}

describe('validationErrorToAppError', () => {
  it.each([
    [{}, 'Missing required field', 'phone_number is required'],
    [{ phone_number: '' }, 'Missing required field', 'phone_number is required'],
    [{ phone_number: 27123456789 }, 'Invalid field', 'phone_number must be a string'],
    [{ phone_number: '+27123456789', nickname: 'x' }, 'Invalid field', 'unknown field nickname'],
    [{ phone_number: '+27123456789', custom_fields: [] }, 'Invalid field', 'custom_fields must be an object'],
  ])('maps the contacts body %o', (body, error, message) => {
    expect(firstError(CreateContactBody, body)).toEqual({ status: 400, error, message });
  });

  it('names the part of the request for errors at its root', () => {
    const schema = Type.Object({ limit: Type.String() });
    expect(firstError(schema, 'x', 'querystring')).toMatchObject({
      error: 'Invalid field',
      message: 'querystring must be an object',
    });
    expect(firstError(schema, {}, 'querystring')).toMatchObject({
      error: 'Missing required field',
      message: 'limit is required',
    });
  });

  it('writes array indexes in brackets and object keys that look like numbers as keys', () => {
    const schema = Type.Object({ a: Type.Array(Type.Object({ b: Type.Record(Type.String(), Type.Number()) })) });
    expect(firstError(schema, { a: [{ b: {} }, { b: { '7': 'x' } }] }).message).toBe('a[1].b["7"] must be a number');
  });

  it('decodes JSON-pointer escapes in field names', () => {
    const schema = Type.Object({}, { additionalProperties: false });
    expect(firstError(schema, { 'a/b~c': 1 }).message).toBe('unknown field ["a/b~c"]');
  });

  it.each([
    [Type.Object({ n: Type.Integer({ minimum: 1 }) }), { n: 0 }, 'n must be at least 1'],
    [Type.Object({ n: Type.Integer() }), { n: 1.5 }, 'n must be an integer'],
    [Type.Object({ n: Type.Number({ exclusiveMaximum: 5 }) }), { n: 5 }, 'n must be less than 5'],
    [
      Type.Object({ s: Type.String({ pattern: '^[0-9]+$' }) }),
      { s: 'x' },
      's is not in the expected format (^[0-9]+$)',
    ],
    [Type.Object({ s: Type.String({ minLength: 3 }) }), { s: 'x' }, 's must be at least 3 characters'],
    [Type.Object({ s: Type.Literal('yes') }), { s: 'no' }, 's must be "yes"'],
    [
      Type.Object({ a: Type.Array(Type.Number(), { uniqueItems: true }) }),
      { a: [1, 1] },
      'a must not contain duplicate items',
    ],
  ])('words other keywords plainly (%#)', (schema, data, message) => {
    expect(firstError(schema, data)).toMatchObject({ error: 'Invalid field', message });
  });

  it('still answers a 400 for errors it cannot read', () => {
    const err = validationErrorToAppError([null, 'oops', { keyword: 1 }], 'body');
    expect({ status: err.status, error: err.error, message: err.message }).toEqual({
      status: 400,
      error: 'Invalid field',
      message: 'request body is invalid',
    });
  });
});

describe('characters, URLs, file names and emoji', () => {
  it.each([
    ['hello', 5],
    ['❤️', 1],
    ['👨‍👩‍👧‍👦', 1],
    ['🇿🇦🇧🇷', 2],
    ['e\u0301', 1],
    ['👍🏽x', 2],
    ['', 0],
  ])('counts %s as %i characters', (s, n) => {
    expect(exceedsGraphemes(s, n)).toBe(false);
    expect(exceedsGraphemes(s, n - 1)).toBe(n > 0);
  });

  it.each([
    ['https://example.com/a.jpg', true],
    ['HTTP://example.com', true],
    ['http://localhost:8080/x?y=1', true],
    ['ftp://example.com/a', false],
    ['//example.com/a', false],
    ['https://', false],
    ['https://exa mple.com', false],
    ['javascript:alert(1)', false],
  ])('isHttpUrl(%s) is %s', (s, ok) => {
    expect(isHttpUrl(s)).toBe(ok);
  });

  it.each([
    ['Invoice 2025.pdf', true],
    ['résumé.docx', true],
    ['a/b.pdf', false],
    ['a\\b.pdf', false],
    ['..', false],
    ['a\nb', false],
    ['a\u0000b', false],
  ])('isSafeFilename(%j) is %s', (s, ok) => {
    expect(isSafeFilename(s)).toBe(ok);
  });

  it.each([
    ['👍', true],
    ['❤️', true],
    ['❤', true],
    ['🇿🇦', true],
    ['#️⃣', true],
    ['👩🏽‍💻', true],
    ['', false],
    ['a', false],
    ['😀😀', false],
    ['1', false],
  ])('isOneEmoji(%s) is %s', (s, ok) => {
    expect(isOneEmoji(s)).toBe(ok);
  });
});

describe('toOpenApiSchema', () => {
  it('rewrites our keywords to standard ones without touching the original', () => {
    const schema = Type.Object({
      title: Type.String({ notBlank: true, maxGraphemes: 20 }),
      url: Type.String({ format: 'http-url', maxLength: 2048 }),
      maxGraphemes: Type.Optional(Type.String({ examples: [{ maxGraphemes: 1 }] })),
    });
    const before = JSON.stringify(schema);
    const out = toOpenApiSchema(schema) as unknown as { properties: Record<string, Record<string, unknown>> };
    expect(out.properties['title']).toMatchObject({ type: 'string', maxLength: 20, minLength: 1, pattern: '\\S' });
    expect(out.properties['title']).not.toHaveProperty('maxGraphemes');
    expect(out.properties['title']).not.toHaveProperty('notBlank');
    expect(out.properties['url']).toMatchObject({ format: 'uri', maxLength: 2048 });
    expect(out.properties['maxGraphemes']).toMatchObject({ type: 'string', examples: [{ maxGraphemes: 1 }] });
    expect(JSON.stringify(schema)).toBe(before);
  });
});
