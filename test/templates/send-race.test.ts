// A sync of the catalogue racing template sends: while Meta's template flips between two versions
// (two variables, then three) and the catalogue is synced again and again, sends of two values
// get either the old answer or the new one, never an error of the gateway's own or a half state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { PHONE_ID, startSimGateway, type SimGateway } from '../helpers/sim.js';
import type { SimTemplateInput } from '../../meta-sim/templates-types.js';

const version = (text: string): SimTemplateInput => ({
  name: 'order_update',
  language: 'en_US',
  category: 'UTILITY',
  components: [{ type: 'BODY', text }],
});
const OLD = version('Hi {{1}}, order {{2}} ships today.');
const NEW = version('Hi {{1}}, order {{2}} ships {{3}}.');
const SEND = {
  phone_number: '+27123456789',
  message_type: 'template',
  template: { name: 'order_update', language: 'en_US', body: ['Jessica', '42'] },
};

describe.each(ENGINES)('a catalogue sync racing sends (%s)', (engine) => {
  let gw: SimGateway;
  let waba: string;
  beforeAll(async () => {
    // Every send reads the catalogue, so that sends meet the sync (a cached read is an old answer too).
    gw = await startSimGateway(engine, { SEND_CACHE_MS: '0' });
    waba = gw.sim.wabaOf(PHONE_ID);
    await gw.ctx.organizations.update(gw.tenant.slug, { metaWabaId: waba });
    gw.sim.addTemplate(waba, OLD);
    await gw.ctx.templates.sync(gw.tenant.organizationId);
  });
  afterAll(async () => gw.close());

  it('answers each send with the old template’s answer or the new one’s', async () => {
    const answers: { status: number; error?: string; message?: string }[] = [];
    for (let round = 0; round < 20; round++) {
      // Meta changes the template every second round; the catalogue is synced in every round.
      gw.sim.addTemplate(waba, Math.floor(round / 2) % 2 === 0 ? NEW : OLD);
      const sends = Array.from({ length: 4 }, () => gw.send(SEND));
      const [, ...results] = await Promise.all([gw.ctx.templates.sync(gw.tenant.organizationId), ...sends]);
      for (const r of results) answers.push({ status: r.statusCode, ...(r.statusCode === 200 ? {} : r.json()) });
    }
    for (const a of answers) {
      if (a.status === 200) continue; // the old template, at the gateway and at Meta
      // The new template seen by the gateway: refused before Meta, naming the new expectation.
      if (a.error === 'Template parameters do not match') {
        expect(a.status).toBe(400);
        expect(a.message).toContain('body expects 3 parameters ({{1}}, {{2}}, {{3}}), got 2');
        continue;
      }
      // The old one seen by the gateway, the new one already at Meta: Meta's 132000, in our words.
      expect(a).toMatchObject({ status: 400, error: 'Template refused by Meta' });
    }
    expect(answers.some((a) => a.status === 200)).toBe(true);
    expect(answers.some((a) => a.error === 'Template parameters do not match')).toBe(true);
    // One row for the template, whole: the last version synced.
    const rows = await gw.ctx.db.kysely
      .selectFrom('templates')
      .selectAll()
      .where('organization_id', '=', gw.tenant.organizationId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.components)).toEqual(OLD.components);
    // Every row the sends wrote is settled: sent with a wamid, or failed with Meta's code.
    const messages = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['status', 'whatsapp_message_id', 'error_code'])
      .where('direction', '=', 'outbound')
      .execute();
    for (const m of messages)
      expect(
        m.status === 'sent' ? m.whatsapp_message_id !== null : m.status === 'failed' && m.error_code === '132000',
      ).toBe(true);
    expect(messages).toHaveLength(answers.filter((a) => a.error !== 'Template parameters do not match').length);
  });
});
