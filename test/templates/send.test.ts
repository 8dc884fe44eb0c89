// message_type "template" end to end against the simulator, on both engines: the catalogue synced
// from the simulator's WABA on the first miss, each refusal before Meta (and that it changes
// nothing), a media header through the media pipeline, and Meta's template errors when the
// catalogue has changed since the sync.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { bearer } from '../helpers/app.js';
import { PHONE_ID, startSimGateway, type SimGateway } from '../helpers/sim.js';
import { sample, serveBytes, startSource, type SourceServer } from '../media/helpers.js';
import type { SimTemplateInput } from '../../meta-sim/templates-types.js';

const TO = '+27123456789';
const ORDER: SimTemplateInput = {
  name: 'order_confirmation',
  language: 'en_US',
  category: 'UTILITY',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
    { type: 'BODY', text: 'Hi {{1}}, your order {{2}} ships today.' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'QUICK_REPLY', text: 'Cancel' },
        {
          type: 'URL',
          text: 'Track',
          url: 'https://shop.example/track/{{1}}',
          example: ['https://shop.example/track/42'],
        },
      ],
    },
  ],
};
const NAMED: SimTemplateInput = {
  name: 'delivery_update',
  language: 'en',
  category: 'UTILITY',
  parameter_format: 'NAMED',
  components: [{ type: 'BODY', text: 'Hi {{first_name}}, it arrives {{day}}.' }],
};
const IMAGE: SimTemplateInput = {
  name: 'new_arrivals',
  language: 'en_US',
  category: 'MARKETING',
  components: [
    { type: 'HEADER', format: 'IMAGE' },
    { type: 'BODY', text: 'New in, {{1}}!' },
  ],
};
const OK_ORDER = {
  phone_number: TO,
  message_type: 'template',
  template: {
    name: 'order_confirmation',
    language: 'en_US',
    header: { text: '42' },
    body: ['Jessica', '42'],
    buttons: [{ index: 1, url_suffix: '42' }],
  },
};

const withTemplate = (over: Record<string, unknown>) => ({ ...OK_ORDER, template: { ...OK_ORDER.template, ...over } });

describe.each(ENGINES)('template sends (%s)', (engine) => {
  let gw: SimGateway;
  let source: SourceServer;
  let waba: string;

  beforeAll(async () => {
    // Every send reads the catalogue: the tests change it between sends (the cache: send-cache.test.ts).
    gw = await startSimGateway(engine, { MEDIA_ALLOW_PRIVATE_NETWORKS: 'true', SEND_CACHE_MS: '0' });
    source = await startSource();
    source.route('/product.jpg', serveBytes(sample('.jpg'), { 'content-type': 'image/jpeg' }));
    waba = gw.sim.wabaOf(PHONE_ID);
    await gw.ctx.organizations.update(gw.tenant.slug, { metaWabaId: waba });
  });
  afterAll(async () => {
    await gw.close();
    await source.close();
  });
  beforeEach(async () => {
    gw.sim.reset();
    for (const t of [ORDER, NAMED, IMAGE]) gw.sim.addTemplate(waba, t);
    await gw.ctx.templates.sync(gw.tenant.organizationId);
  });

  const outbound = () =>
    gw.ctx.db.kysely.selectFrom('helpdesk_messages').select('id').where('direction', '=', 'outbound').execute();

  async function refused(body: unknown, status: number, error: string): Promise<string> {
    const before = (await outbound()).length;
    const res = await gw.send(body);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json()).toMatchObject({ error, request_id: res.headers['x-request-id'] });
    expect(gw.sim.messages()).toHaveLength(0);
    expect(await outbound()).toHaveLength(before);
    return res.json().message as string;
  }

  it('sends a positional template and answers kind template, without a window', async () => {
    const res = await gw.send(OK_ORDER);
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data).toMatchObject({ message_type: 'template', kind: 'template' });
    expect('window_ends_at' in data).toBe(false);
    const [sent] = gw.sim.messages();
    expect(sent!.payload).toMatchObject({
      type: 'template',
      template: { name: 'order_confirmation', language: { code: 'en_US', policy: 'deterministic' } },
    });
    const read = await gw.app.inject({
      method: 'GET',
      url: `/api/messages/${encodeURIComponent(data.message_id)}?tenantId=${gw.tenant.slug}`,
      headers: bearer(gw.tenant.key),
    });
    expect(read.json().data).toMatchObject({ kind: 'template', window_ends_at: null, message_type: 'template' });
  });

  it('sends a named template by name, and Meta’s components form', async () => {
    const named = await gw.send({
      phone_number: TO,
      message_type: 'template',
      template: { name: 'delivery_update', language: 'en', body: { day: 'Friday', first_name: 'Jessica' } },
    });
    expect(named.statusCode, named.body).toBe(200);
    const components = await gw.send({
      phone_number: TO,
      message_type: 'template',
      template: {
        name: 'order_confirmation',
        language: 'en_US',
        components: [
          { type: 'header', parameters: [{ type: 'text', text: '42' }] },
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Jessica' },
              { type: 'text', text: '42' },
            ],
          },
          { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: '42' }] },
          { type: 'button', sub_type: 'quick_reply', index: 0, parameters: [{ type: 'payload', payload: 'CANCEL' }] },
        ],
      },
    });
    expect(components.statusCode, components.body).toBe(200);
  });

  it('uploads a media header and sends it by id, never by link', async () => {
    const res = await gw.send({
      phone_number: TO,
      message_type: 'template',
      template: {
        name: 'new_arrivals',
        language: 'en_US',
        header: { image: { url: `${source.url}/product.jpg` } },
        body: ['Jessica'],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const [sent] = gw.sim.messages();
    const header = (sent!.payload as { template: { components: { type: string; parameters: { image: object }[] }[] } })
      .template.components[0]!;
    expect(header.type).toBe('header');
    expect(header.parameters[0]!.image).toEqual({ id: expect.any(String) });
    expect(JSON.stringify(sent!.payload)).not.toContain(source.url);
    expect(gw.sim.counts().mediaCalls).toBe(1);
  });

  it('refuses a template that does not exist in that language, naming the ones it does', async () => {
    const message = await refused(withTemplate({ language: 'pt_BR' }), 404, 'Template not found');
    expect(message).toContain('No template "order_confirmation" exists in pt_BR');
    expect(message).toContain('(it exists in en_US)');
    await refused(withTemplate({ name: 'no_such_template' }), 404, 'Template not found');
  });

  it.each([
    ['PAUSED', /is PAUSED: Meta paused it for its quality/],
    ['DISABLED', /is DISABLED: Meta disabled it/],
    ['PENDING', /is PENDING: Meta has not approved it yet/],
    ['REJECTED', /is REJECTED: Meta rejected it/],
  ] as const)('refuses a %s template with 409', async (status, words) => {
    gw.sim.addTemplate(waba, { ...ORDER, status });
    await gw.ctx.templates.sync(gw.tenant.organizationId);
    expect(await refused(OK_ORDER, 409, 'Template not approved')).toMatch(words);
  });

  it.each([
    ['too few body parameters', withTemplate({ body: ['Jessica'] }), 'body expects 2 parameters ({{1}}, {{2}}), got 1'],
    ['no header parameter', withTemplate({ header: undefined }), 'header expects 1 text parameter ({{1}}), got none'],
    [
      'no URL suffix',
      withTemplate({ buttons: [] }),
      'button 1 expects a URL suffix for {{1}} (it is a URL button), got none',
    ],
    [
      'a positional body for a named template',
      {
        phone_number: TO,
        message_type: 'template',
        template: { name: 'delivery_update', language: 'en', body: ['a', 'b'] },
      },
      'body expects named parameters ({{first_name}}, {{day}}), got 2 parameters without a name',
    ],
    [
      'a video for an image header',
      {
        phone_number: TO,
        message_type: 'template',
        template: {
          name: 'new_arrivals',
          language: 'en_US',
          header: { video: { url: 'https://example.com/a.mp4' } },
          body: ['x'],
        },
      },
      'header expects an image, got a video',
    ],
    [
      'a body over 1024 characters once filled in',
      withTemplate({ body: ['J'.repeat(1000), '42'] }),
      'body expects at most 1024 characters with its variables filled in, got 1031',
    ],
  ])('refuses %s with 400, naming the component', async (_name, body, mismatch) => {
    expect(await refused(body, 400, 'Template parameters do not match')).toContain(mismatch);
  });

  it('is checked against the template as it is now, not an old copy, after Meta changed it', async () => {
    // Meta's template gains a variable after the gateway's sync: Meta refuses, the gateway says so
    // in its words and resyncs, and the next send is refused before Meta.
    gw.sim.addTemplate(waba, {
      ...ORDER,
      components: [
        ORDER.components[0]!,
        { type: 'BODY', text: 'Hi {{1}}, order {{2}} ships {{3}}.' },
        ORDER.components[2]!,
      ],
    });
    const resync = vi.spyOn(gw.ctx.templates, 'resync');
    const res = await gw.send(OK_ORDER);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'Template refused by Meta', meta_error: { code: 132000 } });
    expect(res.json().message).toContain('the number of parameters does not match the template');
    expect(resync).toHaveBeenCalledWith(gw.tenant.organizationId);
    resync.mockRestore();
    // The resync asked for is rate-limited after beforeEach's sync (the catalogue's own tests
    // cover that); once a sync has run, the send is refused before Meta.
    await gw.ctx.templates.sync(gw.tenant.organizationId);
    const calls = gw.sim.counts().messageCalls;
    const again = await gw.send(OK_ORDER);
    expect(again.json().message).toContain('body expects 3 parameters ({{1}}, {{2}}, {{3}}), got 2');
    expect(gw.sim.counts().messageCalls).toBe(calls);
  });

  it.each([
    [132000, 400],
    [132001, 404],
    [132005, 400],
    [132007, 400],
    [132012, 400],
    [132015, 409],
    [132016, 409],
  ])('answers Meta’s %i in its words, with Meta’s error, and resyncs the catalogue', async (code, status) => {
    gw.sim.injectFault({ path: 'messages', action: { kind: 'graph_error', code, httpStatus: 400 } });
    const resync = vi.spyOn(gw.ctx.templates, 'resync');
    const res = await gw.send(OK_ORDER);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ error: 'Template refused by Meta', meta_error: { code } });
    expect(resync).toHaveBeenCalledWith(gw.tenant.organizationId);
    resync.mockRestore();
    await gw.ctx.templates.idle();
  });

  it('is sent outside the 24-hour window, which never applies to templates', async () => {
    await gw.ctx.organizations.update(gw.tenant.slug, { windowCheck: 'on' });
    try {
      const deadline = Date.now() + 5000;
      // The organization's row reaches requests through a short cache: wait for the text's refusal.
      for (;;) {
        const text = await gw.send({ phone_number: TO, message_type: 'text', text: 'hi' });
        if (text.statusCode === 409) break;
        if (Date.now() > deadline) throw new Error(`window_check on was never seen (${text.statusCode})`);
        await new Promise((r) => setTimeout(r, 20));
      }
      gw.sim.reset();
      for (const t of [ORDER, NAMED, IMAGE]) gw.sim.addTemplate(waba, t);
      const res = await gw.send(OK_ORDER);
      expect(res.statusCode, res.body).toBe(200);
    } finally {
      await gw.ctx.organizations.update(gw.tenant.slug, { windowCheck: null });
    }
  });
});
