// A body of a type the route does not read answers 415 in our shape, naming the type it does
// read: JSON for the JSON routes, multipart/form-data for the inbox's attachment upload. On each engine.
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { bearer, seedTenant, startGateway, type TestGateway } from '../helpers/app.js';
import { signedInAgent } from '../inbox/helpers.js';

const FORM = 'application/x-www-form-urlencoded';

describe.each(ENGINES)('a body the route does not read, on %s', (engine) => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.close();
  });

  it('answers 415 on a tenant JSON route, naming application/json, and stores nothing', async () => {
    gw = await startGateway(engine);
    const t = await seedTenant(gw.ctx);
    const res = await gw.app.inject({
      method: 'POST',
      url: `/api/contact?tenantId=${t.slug}`,
      headers: { ...bearer(t.key), 'content-type': `${FORM}; charset=utf-8` },
      payload: 'phone_number=%2B27123456702',
    });
    expect(res.statusCode).toBe(415);
    const { request_id: _id, ...body } = res.json<Record<string, unknown>>();
    expect(body).toEqual({
      error: 'Unsupported content type',
      message: `Content-Type ${FORM} is not accepted here: send the body as application/json`,
    });
    // A body with no Content-Type at all: the same answer, worded for it.
    const bare = await gw.app.inject({
      method: 'POST',
      url: `/api/contact?tenantId=${t.slug}`,
      headers: bearer(t.key),
      payload: 'phone_number=%2B27123456702',
    });
    expect(bare.statusCode).toBe(415);
    expect(bare.json()).toMatchObject({
      error: 'Unsupported content type',
      message: 'Request body needs a Content-Type: send it as application/json',
    });
    const numbers = (await gw.ctx.contacts.list(t.organizationId, { limit: 1000 })).map((c) => c.whatsapp_number);
    expect(numbers).not.toContain('27123456702');
  });

  it('answers 415 for a form posted to sign-in', async () => {
    gw = await startGateway(engine);
    const t = await seedTenant(gw.ctx);
    const res = await gw.app.inject({
      method: 'POST',
      url: '/inbox/api/sign-in',
      headers: { 'content-type': FORM },
      payload: `organization=${t.slug}&email=a%40example.com&password=x`,
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({
      error: 'Unsupported content type',
      message: expect.stringMatching(/send the body as application\/json$/),
      request_id: expect.any(String),
    });
  });

  it('names multipart/form-data on the attachment upload', async () => {
    gw = await startGateway(engine);
    const t = await seedTenant(gw.ctx);
    const agent = await signedInAgent(gw, t.slug);
    const res = await gw.app.inject({
      method: 'POST',
      url: '/inbox/api/conversations/01937a4e-1111-7000-8000-0000000000aa/attachments',
      headers: { cookie: agent.cookie, 'x-csrf-token': agent.csrf, 'content-type': FORM },
      payload: 'file=hello',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({
      error: 'Unsupported content type',
      message: `Content-Type ${FORM} is not accepted here: send the body as multipart/form-data`,
    });
  });
});
