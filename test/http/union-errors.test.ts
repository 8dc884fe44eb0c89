// A value outside a union of constants is answered with every value the union allows, not only
// its first branch's: through GET /api/conversations on each engine, and validationErrorToAppError alone.
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAjv } from '../../src/http/ajv.js';
import { validationErrorToAppError } from '../../src/http/validation-errors.js';
import { ENGINES } from '../helpers/db.js';
import { bearer, seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';

describe.each(ENGINES)('GET /api/conversations query values (%s)', (engine) => {
  let gw: TestGateway;
  let t: Tenant;
  beforeAll(async () => {
    gw = await startGateway(engine);
    t = await seedTenant(gw.ctx);
  });
  afterAll(async () => gw?.close());

  it.each([
    ['window=foo', 'window must be one of "open", "closed"'],
    ['unread=yes', 'unread must be one of "true", "false"'],
    ['failed=1', 'failed must be one of "true", "false"'],
  ])('answers ?%s with 400 naming every valid value', async (query, message) => {
    const res = await gw.app.inject({
      method: 'GET',
      url: `/api/conversations?tenantId=${t.slug}&${query}`,
      headers: bearer(t.key),
    });
    expect(res.statusCode).toBe(400);
    const { request_id: _id, ...body } = res.json<Record<string, unknown>>();
    expect(body).toEqual({ error: 'Invalid field', message });
  });
});

describe('validationErrorToAppError on a union of constants', () => {
  const messageFor = (schema: object, data: unknown) => {
    const validate = createAjv().compile(schema);
    expect(validate(data)).toBe(false);
    return validationErrorToAppError(validate.errors ?? [], 'body', data).message;
  };
  const Role = Type.Union([Type.Literal('admin'), Type.Literal('agent'), Type.Literal(3)]);

  it.each([
    ['a value of the right type', { role: 'owner' }],
    ['a value of another type', { role: true }],
  ])('names every constant for %s', (_name, data) => {
    expect(messageFor(Type.Object({ role: Role }), data)).toBe('role must be one of "admin", "agent", 3');
  });

  it('names the field by its full path inside arrays', () => {
    const schema = Type.Object({ people: Type.Array(Type.Object({ role: Role })) });
    expect(messageFor(schema, { people: [{ role: 'admin' }, { role: 'x' }] })).toBe(
      'people[1].role must be one of "admin", "agent", 3',
    );
  });

  it('does not call a union that is not only constants a closed list', () => {
    const schema = Type.Object({ n: Type.Union([Type.Literal('none'), Type.String({ minLength: 5 })]) });
    expect(messageFor(schema, { n: 'abc' })).not.toContain('one of');
  });
});
