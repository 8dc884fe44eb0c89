// GET /api/templates: the stored catalogue with what each template expects, keyset-paged and
// filtered, in the document's error shape for every refusal.
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_TEMPLATES_EXAMPLE } from '../../src/templates/openapi.js';
import { bearer, seedTenant, startGateway, type Tenant, type TestGateway } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import { catalogueOf, fakeGraph, seedCatalogueTenant, template } from './helpers.js';
import { signedInAgent } from '../inbox/helpers.js';

interface Listed {
  success: true;
  data: { name: string; language: string; status: string; expects: unknown; meta_template_id: string }[];
  next_cursor: string | null;
}

describe.each(ENGINES)('GET /api/templates on %s', (engine) => {
  let gw: TestGateway;
  let t: Tenant;
  let other: Tenant;
  beforeAll(async () => {
    gw = await startGateway(engine);
    t = await seedCatalogueTenant(gw.ctx);
    other = await seedCatalogueTenant(gw.ctx);
    await catalogueOf(
      gw.ctx,
      fakeGraph([
        template('order_shipped', {
          id: '11',
          components: [
            { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
            { type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.' },
            {
              type: 'BUTTONS',
              buttons: [
                { type: 'URL', text: 'Track', url: 'https://shop.example/track/{{1}}' },
                { type: 'QUICK_REPLY', text: 'Stop' },
              ],
            },
          ],
        }),
        template('welcome', {
          id: '12',
          language: 'pt_BR',
          parameter_format: 'NAMED',
          status: 'PAUSED',
          components: [
            { type: 'HEADER', format: 'IMAGE' },
            { type: 'BODY', text: 'Olá {{first_name}}, use {{coupon}}' },
            { type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', example: 'X' }] },
          ],
        }),
        template('welcome', { id: '13', language: 'en_US' }),
        template('alpha', { id: '14', status: 'REJECTED', rejected_reason: 'INVALID_FORMAT' }),
        template('zulu', { id: '15', language: 'af' }),
      ]),
    ).sync(t.organizationId);
    await catalogueOf(gw.ctx, fakeGraph([template('not_yours', { id: '99' })])).sync(other.organizationId);
  });
  afterAll(async () => gw.close());

  const get = (query: string, tenant: Tenant = t, headers = bearer(tenant.key)) =>
    gw.app.inject({ method: 'GET', url: `/api/templates?tenantId=${tenant.slug}${query}`, headers });

  it('lists the organization’s templates by name then language, with what each expects', async () => {
    const res = await get('');
    expect(res.statusCode).toBe(200);
    const body = res.json<Listed>();
    expect(body.data.map((d) => [d.name, d.language])).toEqual([
      ['alpha', 'en_US'],
      ['order_shipped', 'en_US'],
      ['welcome', 'en_US'],
      ['welcome', 'pt_BR'],
      ['zulu', 'af'],
    ]);
    expect(body.next_cursor).toBeNull();
    expect(body.data[1]).toMatchObject({
      status: 'APPROVED',
      category: 'UTILITY',
      meta_template_id: '11',
      rejected_reason: null,
      expects: {
        parameter_format: 'POSITIONAL',
        header: { format: 'TEXT', params: ['1'] },
        body: { params: ['1', '2'] },
        buttons: [
          { index: 0, type: 'URL', params: ['1'] },
          { index: 1, type: 'QUICK_REPLY', params: [] },
        ],
      },
    });
    expect(body.data[3]).toMatchObject({
      status: 'PAUSED',
      expects: {
        parameter_format: 'NAMED',
        header: { format: 'IMAGE', params: [] },
        body: { params: ['first_name', 'coupon'] },
        buttons: [{ index: 0, type: 'COPY_CODE', params: ['coupon_code'] }],
      },
    });
    expect(body.data[0]).toMatchObject({ status: 'REJECTED', rejected_reason: 'INVALID_FORMAT' });
    expect(body.data[2]).toMatchObject({ expects: { header: null } });
  });

  it('pages by next_cursor, each template once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body: Listed = res.json<Listed>();
      seen.push(...body.data.map((d) => `${d.name}/${d.language}`));
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['alpha/en_US', 'order_shipped/en_US', 'welcome/en_US', 'welcome/pt_BR', 'zulu/af']);
  });

  it('filters by status (any case), name and language', async () => {
    const names = async (q: string) => (await get(q)).json<Listed>().data.map((d) => `${d.name}/${d.language}`);
    expect(await names('&status=approved')).toEqual(['order_shipped/en_US', 'welcome/en_US', 'zulu/af']);
    expect(await names('&name=welcome')).toEqual(['welcome/en_US', 'welcome/pt_BR']);
    expect(await names('&name=welcome&language=pt_BR')).toEqual(['welcome/pt_BR']);
    expect(await names('&status=DISABLED')).toEqual([]);
  });

  it('never shows another organization’s templates', async () => {
    const mine = (await get('')).json<Listed>().data.map((d) => d.name);
    expect(mine).not.toContain('not_yours');
    expect((await get('', other)).json<Listed>().data.map((d) => d.name)).toEqual(['not_yours']);
  });

  it.each([
    ['&limit=0', 'limit must be an integer between 1 and 200'],
    ['&limit=201', 'limit must be an integer between 1 and 200'],
    ['&cursor=not-a-cursor!', 'cursor is not valid'],
    ['&status=not%20a%20status', 'status must be a template status such as APPROVED, PAUSED or REJECTED'],
  ])('answers 400 for %s', async (query, message) => {
    const res = await get(query);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'Invalid field', message, request_id: expect.any(String) as unknown });
  });

  it('answers 400 with a clear error for an organization without a WABA id, and 401 without a key', async () => {
    const bare = await seedTenant(gw.ctx);
    const res = await get('', bare);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: 'Meta credentials not configured',
      message: "Organization is missing meta_waba_id. Set it with 'flowiq org update'.",
    });
    const unauthorized = await get('', t, {});
    expect(unauthorized.statusCode).toBe(401);
    expect(unauthorized.json()).toMatchObject({ error: 'Invalid API key' });
  });
});

describe.each(ENGINES)('GET /inbox/api/templates on %s', (engine) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(engine);
  });
  afterAll(async () => gw.close());

  it('lists the signed-in agent’s organization’s templates, as the tenant API does, and none of another’s', async () => {
    const t = await seedCatalogueTenant(gw.ctx);
    const other = await seedCatalogueTenant(gw.ctx);
    await catalogueOf(gw.ctx, fakeGraph([template('order_shipped', { id: '21' })])).sync(t.organizationId);
    await catalogueOf(gw.ctx, fakeGraph([template('not_yours', { id: '22' })])).sync(other.organizationId);
    const agent = await signedInAgent(gw, t.slug);
    const res = await gw.app.inject({ method: 'GET', url: '/inbox/api/templates', headers: { cookie: agent.cookie } });
    expect(res.statusCode, res.body).toBe(200);
    const viaKey = await gw.app.inject({
      method: 'GET',
      url: `/api/templates?tenantId=${t.slug}`,
      headers: bearer(t.key),
    });
    expect(res.json()).toEqual(viaKey.json());
    expect(res.json<Listed>().data.map((d) => d.name)).toEqual(['order_shipped']);
    const filtered = await gw.app.inject({
      method: 'GET',
      url: '/inbox/api/templates?name=nope',
      headers: { cookie: agent.cookie },
    });
    expect(filtered.json<Listed>().data).toEqual([]);
  });

  it('answers 401 without a session, and names what is missing for an organization without a WABA', async () => {
    const anonymous = await gw.app.inject({ method: 'GET', url: '/inbox/api/templates' });
    expect(anonymous.statusCode).toBe(401);
    const bare = await seedTenant(gw.ctx);
    const agent = await signedInAgent(gw, bare.slug);
    const res = await gw.app.inject({ method: 'GET', url: '/inbox/api/templates', headers: { cookie: agent.cookie } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ message: expect.stringContaining('meta_waba_id') });
  });
});

describe('GET /api/templates in /openapi.json', () => {
  it('documents the listing with an example its own schema accepts', async () => {
    const gw = await startGateway('sqlite');
    try {
      const spec = (await gw.app.inject('/openapi.json')).json<{
        paths: Record<
          string,
          { get: { responses: Record<string, { content: Record<string, { schema: object; example: unknown }> }> } }
        >;
      }>();
      const { schema, example } = spec.paths['/api/templates']!.get.responses['200']!.content['application/json']!;
      expect(example).toEqual(LIST_TEMPLATES_EXAMPLE);
      const validate = new Ajv({ strict: false }).compile(schema);
      expect(validate(LIST_TEMPLATES_EXAMPLE), JSON.stringify(validate.errors)).toBe(true);
      expect(validate({ ...LIST_TEMPLATES_EXAMPLE, next_cursor: 7 })).toBe(false);
    } finally {
      await gw.close();
    }
  });
});
