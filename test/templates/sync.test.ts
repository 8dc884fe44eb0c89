import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetaApiError, MetaNotConfigured, MetaUnavailable } from '../../src/errors.js';
import { MetaCallError } from '../../src/meta/client.js';
import { TemplateStore } from '../../src/templates/store.js';
import { toRecord } from '../../src/templates/sync.js';
import { startGateway, type TestGateway } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import { TOKEN, WABA_ID, catalogueOf, fakeGraph, seedCatalogueTenant, template } from './helpers.js';

const names = (n: number, prefix = 't') =>
  Array.from({ length: n }, (_, i) => `${prefix}_${String(i).padStart(3, '0')}`);

describe.each(ENGINES)('template sync on %s', (engine) => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startGateway(engine);
  });
  afterEach(async () => {
    await gw.close();
  });

  const stored = async (orgId: string) =>
    await gw.ctx.db.kysely
      .selectFrom('templates')
      .selectAll()
      .where('organization_id', '=', orgId)
      .orderBy('name')
      .execute();

  it('reads every page by its cursor, with the stored token, and stores each template', async () => {
    const t = await seedCatalogueTenant(gw.ctx);
    const graph = fakeGraph(names(5).map((n, i) => template(n, { n: i })));
    const catalogue = catalogueOf(gw.ctx, graph, { limits: { pageSize: 2, maxPages: 10 } });
    const result = await catalogue.sync(t.organizationId);
    expect(result).toMatchObject({
      organizationId: t.organizationId,
      wabaId: WABA_ID,
      stored: 5,
      removed: 0,
      pages: 3,
    });
    expect(graph.calls.map((c) => [c.wabaId, c.token, c.limit])).toEqual(Array(3).fill([WABA_ID, TOKEN, 2]));
    expect(graph.calls.map((c) => c.after)).toEqual([undefined, graph.calls[1]!.after, graph.calls[2]!.after]);
    expect(new Set(graph.calls.map((c) => c.after)).size).toBe(3);
    const rows = await stored(t.organizationId);
    expect(rows.map((r) => r.name)).toEqual(names(5));
    expect(rows[0]).toMatchObject({
      waba_id: WABA_ID,
      meta_id: '900000',
      language: 'en_US',
      status: 'APPROVED',
      category: 'UTILITY',
      parameter_format: 'POSITIONAL',
      synced_at: result.syncedAt,
    });
    expect(JSON.parse(rows[0]!.components)).toEqual([{ type: 'BODY', text: 'Hello {{1}}, order {{2}}' }]);
  });

  it('a later sync updates changed templates and deletes the ones Meta no longer returns', async () => {
    const t = await seedCatalogueTenant(gw.ctx);
    const graph = fakeGraph(names(4).map((n, i) => template(n, { n: i })));
    const catalogue = catalogueOf(gw.ctx, graph);
    await catalogue.sync(t.organizationId);
    graph.templates = [
      template('t_000', { n: 0, status: 'PAUSED', quality_score: { score: 'RED', date: 1 } }),
      template('t_002', { n: 2, status: 'REJECTED', rejected_reason: 'INVALID_FORMAT' }),
      template('t_002', { n: 5, language: 'pt_BR', parameter_format: 'NAMED' }),
    ];
    const result = await catalogue.sync(t.organizationId);
    expect(result).toMatchObject({ stored: 3, removed: 2 });
    const rows = await stored(t.organizationId);
    expect(rows.map((r) => [r.name, r.language, r.status, r.quality, r.rejected_reason, r.parameter_format])).toEqual([
      ['t_000', 'en_US', 'PAUSED', 'RED', null, 'POSITIONAL'],
      ['t_002', 'en_US', 'REJECTED', null, 'INVALID_FORMAT', 'POSITIONAL'],
      ['t_002', 'pt_BR', 'APPROVED', null, null, 'NAMED'],
    ]);
  });

  it('find gives the components of the latest sync, not those of an earlier find', async () => {
    const t = await seedCatalogueTenant(gw.ctx);
    const graph = fakeGraph([template('order_update', { components: [{ type: 'BODY', text: 'v1 {{1}}' }] })]);
    const catalogue = catalogueOf(gw.ctx, graph);
    expect((await catalogue.find(t.organizationId, 'order_update', 'en_US'))?.components).toEqual([
      { type: 'BODY', text: 'v1 {{1}}' },
    ]);
    graph.templates = [template('order_update', { components: [{ type: 'BODY', text: 'v2 {{1}} {{2}}' }] })];
    await catalogue.sync(t.organizationId);
    expect(await catalogue.find(t.organizationId, 'order_update', 'en_US')).toMatchObject({
      components: [{ type: 'BODY', text: 'v2 {{1}} {{2}}' }],
      parameterFormat: 'POSITIONAL',
      status: 'APPROVED',
    });
    expect(await catalogue.find(t.organizationId, 'order_update', 'pt_BR')).toBeUndefined();
  });

  it('keeps each organization to its own catalogue', async () => {
    const a = await seedCatalogueTenant(gw.ctx);
    const b = await seedCatalogueTenant(gw.ctx, { wabaId: '555' });
    await catalogueOf(gw.ctx, fakeGraph([template('only_a')])).sync(a.organizationId);
    await catalogueOf(gw.ctx, fakeGraph([template('only_b')])).sync(b.organizationId);
    expect((await stored(a.organizationId)).map((r) => r.name)).toEqual(['only_a']);
    expect((await stored(b.organizationId)).map((r) => [r.name, r.waba_id])).toEqual([['only_b', '555']]);
  });

  it('refuses an organization without a WABA id or without a token, calling Meta for nothing', async () => {
    const noWaba = await seedCatalogueTenant(gw.ctx, { wabaId: null });
    const graph = fakeGraph([template('x')]);
    const catalogue = catalogueOf(gw.ctx, graph);
    const err = await catalogue.sync(noWaba.organizationId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetaNotConfigured);
    expect((err as Error).message).toBe("Organization is missing meta_waba_id. Set it with 'flowiq org update'.");
    const row = await gw.ctx.organizationStore.findById(noWaba.organizationId);
    await gw.ctx.organizationStore.update(row!.id, { meta_waba_id: WABA_ID, whatsapp_bearer_token: null });
    await expect(catalogue.sync(noWaba.organizationId)).rejects.toThrow(
      "Organization is missing whatsapp_bearer_token. Set it with 'flowiq org update'.",
    );
    expect(graph.calls).toEqual([]);
    expect(await stored(noWaba.organizationId)).toEqual([]);
  });

  it('writes nothing when a page fails: the catalogue stays as the last sync left it', async () => {
    const t = await seedCatalogueTenant(gw.ctx);
    const graph = fakeGraph(names(3).map((n, i) => template(n, { n: i })));
    const catalogue = catalogueOf(gw.ctx, graph, { limits: { pageSize: 2, maxPages: 10 } });
    await catalogue.sync(t.organizationId);
    graph.templates = [template('new_one')];
    graph.fail = new MetaCallError({ kind: 'not_sent', cause: 'ECONNREFUSED' }, 1);
    await expect(catalogue.sync(t.organizationId)).rejects.toBeInstanceOf(MetaUnavailable);
    graph.templates = names(5).map((n, i) => template(n, { n: i }));
    const calls = graph.calls.length;
    const original = graph.getMessageTemplates;
    graph.getMessageTemplates = async (...args) => {
      if (graph.calls.length > calls) {
        graph.calls.push({ wabaId: args[0], token: args[1], after: args[2].after, limit: args[2].limit });
        throw new MetaCallError(
          {
            kind: 'graph',
            class: 'permanent',
            httpStatus: 400,
            error: { code: 100, message: 'Invalid parameter', type: 'OAuthException' },
          } as never,
          1,
        );
      }
      return original(...args);
    };
    await expect(catalogue.sync(t.organizationId)).rejects.toBeInstanceOf(MetaApiError);
    expect(graph.calls.length).toBe(calls + 2);
    expect((await stored(t.organizationId)).map((r) => r.name)).toEqual(names(3));
  });

  it('refuses an account with more pages than allowed, and a cursor that comes round again', async () => {
    const t = await seedCatalogueTenant(gw.ctx);
    const graph = fakeGraph(names(7).map((n, i) => template(n, { n: i })));
    await expect(
      catalogueOf(gw.ctx, graph, { limits: { pageSize: 2, maxPages: 3 } }).sync(t.organizationId),
    ).rejects.toThrow(/more than 3 pages of templates; nothing was synced/);
    expect(await stored(t.organizationId)).toEqual([]);
    const circle = fakeGraph([]);
    circle.getMessageTemplates = async () => ({
      data: [template('loop')],
      paging: { cursors: { after: 'QQ' }, next: 'https://graph.example/next' },
    });
    await expect(catalogueOf(gw.ctx, circle).sync(t.organizationId)).rejects.toThrow(/same template page cursor twice/);
    expect(await stored(t.organizationId)).toEqual([]);
    const noCursor = fakeGraph([]);
    noCursor.getMessageTemplates = async () => ({ data: [template('first')], paging: { next: 'not a url' } });
    await expect(catalogueOf(gw.ctx, noCursor).sync(t.organizationId)).rejects.toThrow(
      'Meta said more templates follow but gave no cursor to read them',
    );
    expect(await stored(t.organizationId)).toEqual([]);
    // A cursor only in the next URL is read from it; the URL itself is never requested.
    const inUrl = fakeGraph([]);
    inUrl.getMessageTemplates = async (_waba, _token, opts) => {
      inUrl.calls.push({ wabaId: _waba, token: _token, after: opts.after, limit: opts.limit });
      return opts.after === undefined
        ? { data: [template('first')], paging: { next: 'https://graph.example/v23.0/1/message_templates?after=Mg' } }
        : { data: [template('second')], paging: {} };
    };
    await catalogueOf(gw.ctx, inUrl).sync(t.organizationId);
    expect(inUrl.calls.map((c) => c.after)).toEqual([undefined, 'Mg']);
    expect((await stored(t.organizationId)).map((r) => r.name)).toEqual(['first', 'second']);
  });

  it('a send reading the catalogue while syncs rewrite it sees one whole catalogue, never half', async () => {
    const t = await seedCatalogueTenant(gw.ctx);
    const store = new TemplateStore(gw.ctx.db);
    const version = (v: string) =>
      names(60).map((name) => ({ ...toRecord(template(name, { category: v }))!, meta_id: `${v}-${name}` }));
    const write = (v: string) =>
      store.replace({
        organizationId: t.organizationId,
        wabaId: WABA_ID,
        records: version(v),
        syncedAt: new Date().toISOString(),
        requestedBefore: new Date().toISOString(),
      });
    await write('A');
    const seen = new Set<string>();
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 20; i++) await write(i % 2 === 0 ? 'B' : 'A');
      writing = false;
    })();
    while (writing) {
      const rows = await store.list(t.organizationId, { limit: 100 });
      expect(rows).toHaveLength(60);
      const categories = new Set(rows.map((r) => r.category));
      expect(categories.size).toBe(1);
      seen.add([...categories][0]!);
      const one = await store.find(t.organizationId, 't_059', 'en_US');
      expect(one).toBeDefined();
    }
    await writer;
    expect(seen.size).toBeGreaterThanOrEqual(1);
  });
});

describe('toRecord', () => {
  it('keeps what names a template and normalizes the rest', () => {
    expect(toRecord({ id: 12, name: 'a', language: 'en', status: 'approved', category: 'marketing' })).toEqual({
      meta_id: '12',
      name: 'a',
      language: 'en',
      status: 'APPROVED',
      category: 'MARKETING',
      parameter_format: 'POSITIONAL',
      components: '[]',
      quality: null,
      rejected_reason: null,
    });
    expect(
      toRecord({ id: '1', name: 'a', language: 'en', parameter_format: 'named', rejected_reason: 'NONE' }),
    ).toMatchObject({
      parameter_format: 'NAMED',
      rejected_reason: null,
      status: 'UNKNOWN',
    });
    for (const bad of [
      null,
      [],
      'x',
      { name: 'a', language: 'en' },
      { id: '1', language: 'en' },
      { id: '1', name: 'a' },
    ])
      expect(toRecord(bad)).toBeUndefined();
  });
});
