// The inbox API in /openapi.json: its three routes under the inbox tag, with their errors, and
// answer examples that their own schemas accept (so the documentation cannot drift from itself).
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/app.js';

describe('inbox routes in /openapi.json', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway('sqlite');
  });
  afterAll(async () => gw.close());

  it('documents each route with its errors and an example its schema accepts', async () => {
    const spec = (await gw.app.inject('/openapi.json')).json<{
      paths: Record<string, Record<string, { tags: string[]; responses: Record<string, unknown> }>>;
    }>();
    const ajv = new Ajv({ strict: false });
    for (const [path, method] of [
      ['/api/conversations', 'get'],
      ['/api/conversations/{id}/messages', 'get'],
      ['/api/conversations/{id}/read', 'post'],
    ] as const) {
      const op = spec.paths[path]![method]!;
      expect(op.tags).toEqual(['inbox']);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404']));
      const ok = op.responses['200'] as { content: Record<string, { schema: object; example: unknown }> };
      const { schema, example } = ok.content['application/json']!;
      expect(example, path).toBeDefined();
      const validate = ajv.compile(schema);
      expect(validate(example), `${path}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      expect(validate({ success: false })).toBe(false);
    }
  });
});
