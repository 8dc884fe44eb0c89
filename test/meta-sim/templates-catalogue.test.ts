// The catalogue: seeded by option and by /_sim/templates, read through Graph's
// GET /{waba-id}/message_templates with its cursors, fields and filters, and kept across a reset.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMetaSim, type MetaSimWithWebhooks } from '../../meta-sim/index.js';
import { graphError, PHONE_ID, readResponse, TOKEN, type GraphResponse } from './helpers.js';
import { ALL_TEMPLATES, NO_PARAMS, ORDER_SHIPPED, WABA_ID } from './template-fixtures.js';

const OTHER_PHONE = '106540352242999';
const OTHER_TOKEN = 'EAAJB-other-token';
const OTHER_WABA = '109876543210987';
let sim: MetaSimWithWebhooks;

beforeAll(async () => {
  sim = await startMetaSim({
    phones: { [PHONE_ID]: TOKEN, [OTHER_PHONE]: OTHER_TOKEN },
    phoneInfo: { [PHONE_ID]: { wabaId: WABA_ID }, [OTHER_PHONE]: { wabaId: OTHER_WABA } },
  });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.templates.clear();
});

async function list(query = '', token: string | null = TOKEN, waba = WABA_ID): Promise<GraphResponse> {
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  return readResponse(await fetch(`${sim.url}/v23.0/${waba}/message_templates${query}`, { headers }));
}

async function control(method: string, path: string, body?: unknown): Promise<GraphResponse> {
  return readResponse(
    await fetch(`${sim.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}

function seedMany(n: number): void {
  for (let i = 0; i < n; i++) sim.addTemplate(WABA_ID, { ...NO_PARAMS, name: `t_${String(i).padStart(2, '0')}` });
}

type Page = {
  data: { name: string; id: string }[];
  paging?: { cursors: { before: string; after: string }; next?: string; previous?: string };
};

describe('GET /{waba-id}/message_templates', () => {
  it('answers Meta’s default fields, components in upper case and an id', async () => {
    sim.addTemplate(WABA_ID, ORDER_SHIPPED);
    const res = await list();
    expect(res.status, res.text).toBe(200);
    const page = res.body as { data: Record<string, unknown>[] };
    expect(page.data).toHaveLength(1);
    const t = page.data[0]!;
    expect(Object.keys(t)).toEqual(['name', 'parameter_format', 'components', 'language', 'status', 'category', 'id']);
    expect(t).toMatchObject({ name: 'order_shipped', language: 'en_US', status: 'APPROVED', category: 'UTILITY' });
    expect(t['parameter_format']).toBe('POSITIONAL');
    expect(t['components']).toEqual(ORDER_SHIPPED.components);
    expect(t['id']).toMatch(/^\d{16}$/);
  });

  it('pages through more than one page with cursors and a next URL on the simulator', async () => {
    seedMany(7);
    const names: string[] = [];
    let res = await list('?limit=3');
    let pages = 0;
    for (;;) {
      expect(res.status, res.text).toBe(200);
      const page = res.body as Page;
      pages += 1;
      names.push(...page.data.map((t) => t.name));
      const next = page.paging?.next;
      if (next === undefined) break;
      expect(next.startsWith(`${sim.url}/v23.0/${WABA_ID}/message_templates?`)).toBe(true);
      expect(new URL(next).searchParams.get('after')).toBe(page.paging!.cursors.after);
      res = await readResponse(await fetch(next, { headers: { authorization: `Bearer ${TOKEN}` } }));
    }
    expect(pages).toBe(3);
    expect(names).toEqual(['t_00', 't_01', 't_02', 't_03', 't_04', 't_05', 't_06']);
  });

  it('goes back with the before cursor, and says where it is with previous', async () => {
    seedMany(6);
    const first = (await list('?limit=2')).body as Page;
    const second = (await list(`?limit=2&after=${first.paging!.cursors.after}`)).body as Page;
    expect(second.data.map((t) => t.name)).toEqual(['t_02', 't_03']);
    expect(second.paging!.previous).toBeDefined();
    const back = (await list(`?limit=2&before=${second.paging!.cursors.before}`)).body as Page;
    expect(back.data.map((t) => t.name)).toEqual(['t_00', 't_01']);
    expect(back.paging!.previous).toBeUndefined();
  });

  it('defaults to pages of 25', async () => {
    seedMany(30);
    const page = (await list()).body as Page;
    expect(page.data).toHaveLength(25);
    expect(page.paging!.next).toContain('limit=25');
  });

  it('filters by status, name and language, and keeps the filters in next', async () => {
    seedMany(3);
    sim.addTemplate(WABA_ID, { ...NO_PARAMS, name: 'paused_one', status: 'PAUSED' });
    sim.addTemplate(WABA_ID, { ...NO_PARAMS, name: 't_fr', language: 'fr' });
    const approved = (await list('?status=APPROVED&limit=2')).body as Page;
    expect(approved.data.map((t) => t.name)).toEqual(['t_00', 't_01']);
    expect(new URL(approved.paging!.next!).searchParams.get('status')).toBe('APPROVED');
    expect(((await list('?status=paused')).body as Page).data.map((t) => t.name)).toEqual(['paused_one']);
    expect(((await list('?name=t_0')).body as Page).data).toHaveLength(3);
    expect(((await list('?language=fr')).body as Page).data.map((t) => t.name)).toEqual(['t_fr']);
  });

  it('answers only the fields asked for, with id', async () => {
    sim.addTemplate(WABA_ID, { ...ORDER_SHIPPED, quality_score: 'GREEN' });
    const page = (await list('?fields=name,status,quality_score')).body as { data: Record<string, unknown>[] };
    expect(page.data[0]).toEqual({
      name: 'order_shipped',
      status: 'APPROVED',
      quality_score: { score: 'GREEN' },
      id: expect.any(String),
    });
    const bad = await list('?fields=name,colour');
    expect(bad.status).toBe(400);
    expect(graphError(bad).code).toBe(100);
  });

  it('answers an empty list for a WABA without templates', async () => {
    expect((await list()).body).toEqual({ data: [] });
  });

  it('refuses a missing or unknown token with 190, and a token of another WABA with 100/33', async () => {
    sim.addTemplate(WABA_ID, NO_PARAMS);
    const none = await list('', null);
    expect(none.status).toBe(401);
    expect(graphError(none).code).toBe(190);
    expect(graphError(await list('', 'not-a-token')).code).toBe(190);
    const other = await list('', OTHER_TOKEN);
    expect(other.status).toBe(400);
    expect(graphError(other)).toMatchObject({ code: 100, subcode: 33 });
    expect(graphError(other).message).toContain(`Object with ID '${WABA_ID}' does not exist`);
    expect(graphError(await list('', TOKEN, '100000000000001')).code).toBe(100);
    // The access_token query parameter works as the header does, and is kept in next.
    seedMany(2);
    const q = (await list(`?access_token=${TOKEN}&limit=1`, null)).body as Page;
    expect(new URL(q.paging!.next!).searchParams.get('access_token')).toBe(TOKEN);
  });

  it('refuses a cursor it did not issue', async () => {
    seedMany(2);
    expect(graphError(await list('?after=bm90LWEtY3Vyc29y')).code).toBe(100);
  });
});

describe('faults on the template list', () => {
  it('are hit only by faults that name path templates, so a sync never takes one meant for a send', async () => {
    sim.addTemplate(WABA_ID, NO_PARAMS);
    sim.injectFault({ action: { kind: 'graph_error', code: 131000 } });
    expect((await list()).status).toBe(200);
    sim.clearFaults();
    sim.injectFault({ path: 'templates', action: { kind: 'graph_error', code: 131000 } });
    sim.injectFault({ path: 'templates', action: { kind: 'http_status', status: 502, body: 'Bad gateway' } });
    const first = await list();
    expect(first.status).toBe(500);
    expect(graphError(first).code).toBe(131000);
    const second = await list();
    expect(second.status).toBe(502);
    expect(second.text).toBe('Bad gateway');
    expect((await list()).status).toBe(200);
  });
});

describe('the control API', () => {
  it('creates by POST /_sim/templates for a WABA or a phone, replaces by name and language, lists', async () => {
    const created = await control('POST', '/_sim/templates', { waba_id: OTHER_WABA, ...NO_PARAMS });
    expect(created.status, created.text).toBe(200);
    const id = (created.body as { id: string }).id;
    const again = await control('POST', '/_sim/templates', {
      phone_id: OTHER_PHONE,
      ...NO_PARAMS,
      category: 'MARKETING',
    });
    expect(again.body as { id: string; category: string }).toMatchObject({ id, category: 'MARKETING' });
    const batch = await control('POST', '/_sim/templates', { waba_id: WABA_ID, templates: ALL_TEMPLATES });
    expect((batch.body as { templates: unknown[] }).templates).toHaveLength(ALL_TEMPLATES.length);
    const all = (await control('GET', '/_sim/templates')).body as { waba_id: string }[];
    expect(all).toHaveLength(ALL_TEMPLATES.length + 1);
    expect(((await control('GET', `/_sim/templates?waba_id=${OTHER_WABA}`)).body as unknown[]).length).toBe(1);
  });

  it('refuses definitions Meta would not create, naming what is wrong', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...NO_PARAMS, name: 'Bad Name' }, /name/],
      [{ ...NO_PARAMS, category: 'PROMO' }, /category/],
      [{ ...NO_PARAMS, status: 'LIVE' }, /status/],
      [{ ...NO_PARAMS, components: [{ type: 'body', text: 'lower case' }] }, /upper case/],
      [{ ...NO_PARAMS, components: [{ type: 'BODY', text: 'Hi {{2}}' }] }, /without gaps/],
      [{ ...NO_PARAMS, components: [{ type: 'BODY', text: 'Hi {{name}}' }] }, /NAMED/],
      [{ ...NO_PARAMS, components: [{ type: 'HEADER', format: 'TEXT', text: 'x' }] }, /BODY/],
      [
        {
          ...NO_PARAMS,
          components: [
            { type: 'BODY', text: 'x' },
            { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Go', url: 'https://a.example/{{1}}/x' }] },
          ],
        },
        /url/,
      ],
    ];
    for (const [body, error] of cases) {
      const res = await control('POST', '/_sim/templates', { waba_id: WABA_ID, ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((res.body as { error: string }).error).toMatch(error);
    }
    expect(sim.templates.list()).toEqual([]);
  });

  it('keeps the catalogue across /_sim/reset: it is configuration, like phones', async () => {
    sim.addTemplate(WABA_ID, NO_PARAMS);
    await control('POST', '/_sim/reset');
    expect(sim.templates.list().map((t) => t.name)).toEqual(['hello_world']);
    await control('DELETE', `/_sim/templates?waba_id=${WABA_ID}`);
    expect(sim.templates.list()).toEqual([]);
  });

  it('gives the same template the same Meta-style id in every run', async () => {
    const a = sim.addTemplate(WABA_ID, NO_PARAMS);
    sim.templates.clear();
    const b = sim.addTemplate(WABA_ID, NO_PARAMS);
    expect(a.id).toBe(b.id);
    expect(sim.addTemplate(WABA_ID, { ...NO_PARAMS, language: 'fr' }).id).not.toBe(a.id);
  });
});
