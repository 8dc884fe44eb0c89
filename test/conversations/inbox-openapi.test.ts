// The inbox API in /openapi.json: the read routes in both scopes and the inbox's answering routes
// under the inbox tag, with their errors and who may call them, and answer examples that their own
// schemas accept (so the documentation cannot drift from itself).
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/app.js';

interface Operation {
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, unknown>;
}

const READS = [
  ['/conversations', 'get'],
  ['/conversations/{id}/messages', 'get'],
  ['/conversations/{id}/read', 'post'],
] as const;

describe('inbox routes in /openapi.json', () => {
  let gw: TestGateway;
  let spec: { paths: Record<string, Record<string, Operation>>; components: { securitySchemes: object } };
  beforeAll(async () => {
    gw = await startGateway('sqlite');
    spec = (await gw.app.inject('/openapi.json')).json();
  });
  afterAll(async () => gw.close());

  it('documents each read route, in both scopes, with its errors and an example its schema accepts', () => {
    const ajv = new Ajv({ strict: false });
    for (const base of ['/api', '/inbox/api'])
      for (const [path, method] of READS) {
        const op = spec.paths[`${base}${path}`]![method]!;
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

  it('names the caller: an API key and tenantId under /api, the session (and CSRF on POST) under /inbox/api', () => {
    expect(spec.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http' },
      inboxSession: { type: 'apiKey', in: 'cookie', name: 'flowiq_session' },
      inboxCsrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
    });
    for (const [path, method] of READS) {
      const api = spec.paths[`/api${path}`]![method]!;
      const inbox = spec.paths[`/inbox/api${path}`]![method]!;
      expect(api.security).toBeUndefined(); // the document's default: bearerAuth
      expect(api.parameters?.map((p) => p.name)).toContain('tenantId');
      expect(inbox.parameters?.map((p) => p.name)).not.toContain('tenantId');
      expect(inbox.security).toEqual([method === 'get' ? { inboxSession: [] } : { inboxSession: [], inboxCsrf: [] }]);
      expect(Object.keys(inbox.responses).includes('403')).toBe(method === 'post');
    }
    expect(spec.paths['/inbox/api/sign-in']!['post']!.security).toEqual([]);
  });

  it('documents answering: the send body without phone_number, and the attachment form', () => {
    const answer = spec.paths['/inbox/api/conversations/{id}/messages']!['post']!;
    expect(answer.security).toEqual([{ inboxSession: [], inboxCsrf: [] }]);
    expect(answer.parameters?.map((p) => p.name)).toContain('idempotency-key');
    expect(Object.keys(answer.responses)).toEqual(expect.arrayContaining(['200', '400', '403', '404', '409', '422']));
    const body = answer.requestBody!.content['application/json']!.schema as { oneOf: Record<string, unknown>[] };
    expect(body.oneOf.length).toBeGreaterThanOrEqual(10);
    for (const branch of body.oneOf)
      expect(Object.keys(branch['properties'] as object), String(branch['title'])).not.toContain('phone_number');

    const attach = spec.paths['/inbox/api/conversations/{id}/attachments']!['post']!;
    expect(attach.security).toEqual([{ inboxSession: [], inboxCsrf: [] }]);
    const form = attach.requestBody!.content['multipart/form-data']!.schema;
    expect(form).toMatchObject({ required: ['file'], properties: { file: { format: 'binary' } } });
    expect(Object.keys(form['properties'] as object).sort()).toEqual(['caption', 'context_message_id', 'file']);
    expect(Object.keys(attach.responses)).toEqual(expect.arrayContaining(['200', '400', '413', '415']));
  });
});
