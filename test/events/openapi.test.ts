// The events in the OpenAPI document: every type, documented with its headers, and an example that
// its own schema accepts (so the documentation cannot drift from itself).
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/events/types.js';
import { startGateway, type TestGateway } from '../helpers/app.js';

describe('events in /openapi.json', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway('sqlite');
  });
  afterAll(async () => gw.close());

  it('documents every event type as a webhook whose example matches its schema', async () => {
    const spec = (await gw.app.inject('/openapi.json')).json<{
      webhooks: Record<
        string,
        {
          post: {
            parameters: { name: string }[];
            requestBody: { content: Record<string, { schema: object; example: unknown }> };
          };
        }
      >;
    }>();
    expect(Object.keys(spec.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    const ajv = new Ajv({ strict: false });
    for (const type of EVENT_TYPES) {
      const post = spec.webhooks[type]!.post;
      expect(post.parameters.map((p) => p.name)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
      const { schema, example } = post.requestBody.content['application/json']!;
      const validate = ajv.compile(schema);
      expect(validate(example), `${type}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      expect(validate({ ...(example as object), type: 'something.else' })).toBe(false);
    }
  });
});
