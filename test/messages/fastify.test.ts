// The schema and the error mapping inside a real Fastify, configured as buildApp configures it.
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../../src/http/error-handler.js';
import { ajvOptions } from '../../src/http/ajv.js';
import { checkMessageRules } from '../../src/messages/rules.js';
import { openApiTransform } from '../../src/http/keywords/index.js';
import {
  SEND_BODY_WORDING,
  SendWhatsAppBody,
  SendWhatsAppSuccess,
  type SendRequest,
} from '../../src/messages/schema.js';
import { Type } from '@sinclair/typebox';
import { buttonBody, mediaBody, textBody } from './bodies.js';
import { example } from './document-examples.js';

let app: FastifyInstance;

beforeAll(async () => {
  app = Fastify({ logger: false, ajv: ajvOptions });
  registerErrorHandling(app);
  await app.register(swagger, {
    openapi: { openapi: '3.1.0', info: { title: 't', version: '1' } },
    transform: openApiTransform,
  });
  app.post(
    '/send',
    {
      config: { bodyWording: SEND_BODY_WORDING },
      schema: { body: SendWhatsAppBody, response: { 200: SendWhatsAppSuccess } },
    },
    async (request) => {
      const req = request.body as SendRequest;
      checkMessageRules(req);
      return {
        success: true,
        message: 'Message sent successfully',
        data: {
          message_id: 'wamid.x',
          recipient: '27123456789',
          message_type: req.message_type,
          organization: 'Org',
          kind: req.message_type === 'template' ? 'template' : 'free_form',
          meta_response: { echo: req },
        },
      };
    },
  );
  app.get(
    '/contact',
    { schema: { querystring: Type.Object({ phone_number: Type.String({ minLength: 1 }) }) } },
    async () => ({}),
  );
  await app.ready();
});
afterAll(async () => app.close());

const post = (payload: unknown) => app.inject({ method: 'POST', url: '/send', payload: payload as object });

describe('POST body validation through Fastify', () => {
  it("accepts the document's examples and fills in the default emoji", async () => {
    const body = example('reaction');
    delete (body['reaction'] as Record<string, unknown>)['emoji'];
    const res = await post(body);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.meta_response.echo.reaction.emoji).toBe('👍');
    expect((await post(example('interactive list'))).statusCode).toBe(200);
  });

  it.each([
    [
      { phone_number: '+27123456789', message_type: 'text' },
      'Missing required field',
      'text is required for text messages',
    ],
    [{ message_type: 'text', text: 'hi' }, 'Missing required field', 'phone_number is required'],
    [
      { phone_number: '+27123456789', message_type: 'fax' },
      'Invalid message type',
      /^message_type must be one of: text, image/,
    ],
    [
      buttonBody({ buttons: [{ id: 'a', title: '❤️'.repeat(21) }] }),
      'Invalid field',
      'interactive.buttons[0].title must be at most 20 characters',
    ],
    [mediaBody('audio', { caption: 'x' }), 'Invalid field', 'caption is not supported for audio messages'],
    [{ ...textBody('hi'), foo: 1 }, 'Invalid field', 'unknown field foo'],
    [{ ...textBody('hi'), text: 5 }, 'Invalid field', 'text must be a string'],
    [
      buttonBody({
        buttons: [
          { id: 'a', title: 'A' },
          { id: 'a', title: 'B' },
        ],
      }),
      'Invalid field',
      'interactive.buttons[1].id must be unique: "a" is used twice',
    ],
  ])('answers 400 for %o', async (body, error, message) => {
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error,
      message: typeof message === 'string' ? message : expect.stringMatching(message),
    });
  });

  it('does not coerce types: "5" is not a number', async () => {
    const res = await post({
      phone_number: '+27123456789',
      message_type: 'location',
      location: { latitude: '5', longitude: 5 },
    });
    expect(res.json()).toMatchObject({ error: 'Invalid field', message: 'location.latitude must be a number' });
  });

  it('maps querystring errors the same way', async () => {
    const res = await app.inject({ method: 'GET', url: '/contact' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'Missing required field', message: 'phone_number is required' });
  });
});

describe('the OpenAPI document', () => {
  const collect = (v: unknown, key: string, out: unknown[] = []): unknown[] => {
    if (Array.isArray(v)) v.forEach((x) => collect(x, key, out));
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === key) out.push(x);
        collect(x, key, out);
      }
    }
    return out;
  };

  it('shows the limits with standard keywords only', () => {
    const doc = app.swagger();
    const text = JSON.stringify(doc);
    expect(text).not.toContain('maxGraphemes');
    expect(text).not.toContain('notBlank');
    expect(text).not.toContain('http-url');
    expect(collect(doc, 'maxLength')).toEqual(expect.arrayContaining([4096, 1024, 60, 20, 24, 72, 200, 256]));
    expect(collect(doc, 'discriminator')).toContainEqual({ propertyName: 'message_type' });
  });

  it('leaves the schema Fastify validates with untouched', () => {
    app.swagger();
    expect(JSON.stringify(SendWhatsAppBody)).toContain('maxGraphemes');
  });
});
