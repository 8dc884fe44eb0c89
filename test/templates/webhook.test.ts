// The template webhooks: the stored status, quality or category changes in the webhook's own
// transaction, a resync is asked for, and the job's pass runs it (once, within the rate limit).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changesOf } from '../../src/templates/webhook.js';
import { startGateway, type TestGateway } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import { APP_ID, deliver, outcomeOf, seedApp } from '../inbound/helpers.js';
import { WABA_ID, catalogueOf, fakeGraph, seedCatalogueTenant, template } from './helpers.js';

function templateWebhook(field: string, value: Record<string, unknown>, wabaId = WABA_ID): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: wabaId, time: 1_764_000_000, changes: [{ field, value }] }],
  });
}

describe.each(ENGINES)('template webhooks on %s', (engine) => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startGateway(engine);
    await seedApp(gw);
  });
  afterEach(async () => {
    await gw.close();
  });

  const row = (orgId: string, name = 'order_update') =>
    gw.ctx.db.kysely
      .selectFrom('templates')
      .selectAll()
      .where('organization_id', '=', orgId)
      .where('name', '=', name)
      .executeTakeFirst();
  const requests = () => gw.ctx.db.kysely.selectFrom('template_resyncs').selectAll().execute();

  it('applies a status, a quality and a category change at once, then resyncs once', async () => {
    const t = await seedCatalogueTenant(gw.ctx, { metaApp: APP_ID });
    const graph = fakeGraph([template('order_update', { id: '4242' })]);
    const catalogue = catalogueOf(gw.ctx, graph, { minIntervalMs: 0 });
    await catalogue.sync(t.organizationId);
    expect(graph.calls).toHaveLength(1);

    const paused = templateWebhook('message_template_status_update', {
      event: 'PAUSED',
      message_template_id: 4242,
      message_template_name: 'order_update',
      message_template_language: 'en_US',
      reason: 'NONE',
    });
    await deliver(gw, paused);
    expect(await row(t.organizationId)).toMatchObject({ status: 'PAUSED', rejected_reason: null });
    expect((await outcomeOf(gw, paused)).counts).toEqual({ template_event: 1 });
    await deliver(
      gw,
      templateWebhook('message_template_quality_update', {
        previous_quality_score: 'GREEN',
        new_quality_score: 'RED',
        message_template_id: '4242',
      }),
    );
    await deliver(
      gw,
      templateWebhook('template_category_update', {
        previous_category: 'UTILITY',
        new_category: 'MARKETING',
        message_template_id: 4242,
      }),
    );
    expect(await row(t.organizationId)).toMatchObject({ status: 'PAUSED', quality: 'RED', category: 'MARKETING' });
    expect((await requests()).map((r) => r.organization_id)).toEqual(Array(3).fill(t.organizationId));

    // Meta's own view comes back with the resync, which covers all three requests.
    graph.templates = [template('order_update', { id: '4242', status: 'PAUSED', category: 'MARKETING' })];
    await catalogue.syncRequested();
    expect(graph.calls).toHaveLength(2);
    expect(await requests()).toEqual([]);
    expect(await row(t.organizationId)).toMatchObject({ status: 'PAUSED', quality: null, category: 'MARKETING' });
    await catalogue.syncRequested();
    expect(graph.calls).toHaveLength(2);
  });

  it('a webhook arriving while Meta is being read keeps its request for the next sync', async () => {
    const t = await seedCatalogueTenant(gw.ctx, { metaApp: APP_ID });
    const graph = fakeGraph([template('order_update', { id: '4242' })]);
    const catalogue = catalogueOf(gw.ctx, graph, { minIntervalMs: 0 });
    let release!: () => void;
    graph.gate = new Promise((r) => (release = r));
    const syncing = catalogue.sync(t.organizationId);
    await new Promise((r) => setTimeout(r, 5));
    await deliver(
      gw,
      templateWebhook('message_template_status_update', { event: 'PAUSED', message_template_id: 4242 }),
    );
    release();
    graph.gate = undefined;
    await syncing;
    // The sync read Meta before the change: its request stays, and the next pass reads Meta again.
    expect(await requests()).toHaveLength(1);
    graph.templates = [template('order_update', { id: '4242', status: 'PAUSED' })];
    await catalogue.syncRequested();
    expect(await requests()).toEqual([]);
    expect((await row(t.organizationId))?.status).toBe('PAUSED');
  });

  it('drops the requests of an organization that can no longer be synced', async () => {
    const t = await seedCatalogueTenant(gw.ctx, { metaApp: APP_ID });
    const graph = fakeGraph([template('order_update', { id: '4242' })]);
    await deliver(
      gw,
      templateWebhook('message_template_status_update', { event: 'PAUSED', message_template_id: 4242 }),
    );
    expect(await requests()).toHaveLength(1);
    await gw.ctx.organizations.update(t.slug, { metaWabaId: null });
    await catalogueOf(gw.ctx, graph).syncRequested();
    expect(graph.calls).toEqual([]);
    expect(await requests()).toEqual([]);
  });

  it('a REJECTED event keeps its reason, REINSTATED makes it APPROVED again, FLAGGED changes nothing', async () => {
    const t = await seedCatalogueTenant(gw.ctx, { metaApp: APP_ID });
    await catalogueOf(gw.ctx, fakeGraph([template('order_update', { id: '77' })])).sync(t.organizationId);
    const event = (e: string, reason?: string) =>
      deliver(
        gw,
        templateWebhook('message_template_status_update', {
          event: e,
          message_template_id: 77,
          ...(reason ? { reason } : {}),
        }),
      );
    await event('REJECTED', 'INCORRECT_CATEGORY');
    expect(await row(t.organizationId)).toMatchObject({ status: 'REJECTED', rejected_reason: 'INCORRECT_CATEGORY' });
    await event('REINSTATED');
    expect(await row(t.organizationId)).toMatchObject({ status: 'APPROVED', rejected_reason: null });
    await event('FLAGGED');
    expect(await row(t.organizationId)).toMatchObject({ status: 'APPROVED' });
  });

  it("changes only the organizations of the app that signed it, with that account's id", async () => {
    await gw.ctx.apps.create('2002', { appSecret: 'another-app-secret', verifyToken: 'another-verify' });
    const mine = await seedCatalogueTenant(gw.ctx, { metaApp: APP_ID });
    const otherApp = await seedCatalogueTenant(gw.ctx, { metaApp: '2002' });
    const otherWaba = await seedCatalogueTenant(gw.ctx, { metaApp: APP_ID, wabaId: '31337' });
    for (const t of [mine, otherApp, otherWaba])
      await catalogueOf(gw.ctx, fakeGraph([template('order_update', { id: '55' })])).sync(t.organizationId);
    await deliver(
      gw,
      templateWebhook('message_template_status_update', { event: 'DISABLED', message_template_id: 55 }),
    );
    expect((await row(mine.organizationId))?.status).toBe('DISABLED');
    expect((await row(otherApp.organizationId))?.status).toBe('APPROVED');
    expect((await row(otherWaba.organizationId))?.status).toBe('APPROVED');
    expect((await requests()).map((r) => r.organization_id)).toEqual([mine.organizationId]);
  });

  it('asks a resync for a template not stored yet, and one for no organization is only counted', async () => {
    const t = await seedCatalogueTenant(gw.ctx, { metaApp: APP_ID });
    const graph = fakeGraph([template('brand_new', { id: '808' })]);
    const catalogue = catalogueOf(gw.ctx, graph);
    await deliver(
      gw,
      templateWebhook('message_template_status_update', { event: 'APPROVED', message_template_id: 808 }),
    );
    await catalogue.syncRequested();
    expect((await row(t.organizationId, 'brand_new'))?.status).toBe('APPROVED');
    const nobody = templateWebhook(
      'message_template_status_update',
      { event: 'APPROVED', message_template_id: 1 },
      '999',
    );
    await deliver(gw, nobody);
    expect((await outcomeOf(gw, nobody)).counts).toEqual({ template_event_unrouted: 1 });
  });
});

describe('changesOf', () => {
  it.each([
    ['message_template_status_update', { event: 'paused' }, { status: 'PAUSED', rejected_reason: null }],
    [
      'message_template_status_update',
      { event: 'REJECTED', reason: 'NONE' },
      { status: 'REJECTED', rejected_reason: null },
    ],
    ['message_template_status_update', { event: 'not a status!' }, {}],
    ['message_template_status_update', {}, {}],
    ['message_template_quality_update', { new_quality_score: 'YELLOW' }, { quality: 'YELLOW' }],
    ['message_template_quality_update', { new_quality_score: 7 }, {}],
    ['template_category_update', { new_category: 'MARKETING' }, { category: 'MARKETING' }],
  ] as const)('%s %j → %j', (field, value, expected) => {
    expect(changesOf({ field, value })).toEqual(expected);
  });
});
