import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';

// Meta failing about 30% of calls with transient and permanent errors and dropped connections:
// every request is answered, at most one message per request reaches Meta, and the rows agree with
// the answers.
const REQUESTS = 300;
const CONCURRENCY = 20;

describe.each(ENGINES)('Meta failing 30%% of calls, on %s', (engine) => {
  let gw: SimGateway;
  beforeAll(async () => {
    gw = await startSimGateway(engine, { META_RETRY_BUDGET_MS: '600', META_TIMEOUT_MS: '2000' });
    const faults = [
      { code: 131000, httpStatus: 500, p: 0.06 },
      { code: 130429, httpStatus: 400, p: 0.05 },
      { code: 131026, httpStatus: 400, p: 0.06 },
      { code: 100, httpStatus: 400, p: 0.04 },
    ];
    for (const f of faults)
      gw.sim.injectFault({
        path: 'messages',
        times: Infinity,
        probability: f.p,
        action: { kind: 'graph_error', code: f.code, httpStatus: f.httpStatus },
      });
    gw.sim.injectFault({
      path: 'messages',
      times: Infinity,
      probability: 0.05,
      action: { kind: 'http_status', status: 503 },
    });
    gw.sim.injectFault({
      path: 'messages',
      times: Infinity,
      probability: 0.04,
      action: { kind: 'drop', when: 'after' },
    });
  });
  afterAll(async () => gw.close());

  it('answers every request, sends at most once each, and records every outcome', async () => {
    const answers: { text: string; status: number; body: Record<string, unknown> }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < REQUESTS) {
        const text = `flaky-${engine}-${next++}`;
        const res = await gw.send({ phone_number: '+27123456789', message_type: 'text', text });
        answers.push({ text, status: res.statusCode, body: res.json() });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(answers).toHaveLength(REQUESTS);

    const statuses = new Set(answers.map((a) => a.status));
    for (const s of statuses) expect([200, 429, 502, 504]).toContain(s);
    expect(answers.filter((a) => a.status !== 200).length).toBeGreaterThan(0);

    const accepted = new Map<string, string[]>();
    for (const m of gw.sim.messages()) {
      const text = (m.payload as { text?: { body?: string } }).text?.body ?? '';
      accepted.set(text, [...(accepted.get(text) ?? []), m.wamid]);
    }
    for (const [, wamids] of accepted) expect(wamids).toHaveLength(1);

    const rows = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['content', 'status', 'whatsapp_message_id'])
      .where('organization_id', '=', gw.tenant.organizationId)
      .execute();
    const byText = new Map(rows.map((r) => [(JSON.parse(r.content) as { text: string }).text, r]));
    for (const a of answers) {
      const row = byText.get(a.text);
      expect(row, a.text).toBeDefined();
      if (a.status === 200) {
        expect(row!.status).toBe('sent');
        expect(accepted.get(a.text)).toEqual([row!.whatsapp_message_id]);
        expect((a.body.data as { message_id: string }).message_id).toBe(row!.whatsapp_message_id);
      } else {
        expect(['failed', 'unknown']).toContain(row!.status);
      }
    }
    // Every message Meta accepted has a row.
    for (const text of accepted.keys()) expect(byText.has(text), text).toBe(true);
  });
});
