// `flowiq templates sync|list` against the simulator: the catalogue read from Meta on demand and
// printed with what each template expects; an organization without a WABA id or with a token Meta
// refuses gets a clear error and nothing is written.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMetaSim } from '../../meta-sim/index.js';
import { runCli as run } from '../helpers/cli.js';
import { cliDatabase, type CliDatabase } from '../helpers/cli-db.js';
import { ENGINES } from '../helpers/db.js';

const PHONE_ID = '106540352242922';
const TOKEN = 'EAAG-sim-token-for-cli-templates-01';

describe.each(ENGINES)('flowiq templates on %s', (engine) => {
  let sim: Awaited<ReturnType<typeof startMetaSim>>;
  let waba: string;
  let cli: CliDatabase;

  beforeAll(async () => {
    sim = await startMetaSim({ phones: { [PHONE_ID]: TOKEN } });
    waba = sim.wabaOf(PHONE_ID);
  });
  afterAll(async () => sim.close());

  beforeEach(async () => {
    sim.templates.clear();
    cli = await cliDatabase(engine, 'templates', { META_GRAPH_URL: sim.url });
    const created = await run(
      'org',
      'create',
      '--slug',
      'acme',
      '--name',
      'Acme',
      '--meta-phone-id',
      PHONE_ID,
      '--meta-token',
      TOKEN,
      '--meta-waba-id',
      waba,
    );
    expect(created.code).toBe(0);
  });
  afterEach(async () => {
    await cli.cleanup();
  });

  const storedNames = (): Promise<string[]> =>
    cli.withDb(async (db) =>
      (await db.kysely.selectFrom('templates').select('name').orderBy('name').execute()).map((r) => r.name),
    );

  it('sync reads the catalogue from Meta; list prints each template and what it expects', async () => {
    sim.addTemplate(waba, {
      name: 'order_shipped',
      language: 'en_US',
      category: 'UTILITY',
      quality_score: 'GREEN',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
        { type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.' },
        { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Track', url: 'https://shop.example/t/{{1}}' }] },
      ],
    });
    sim.addTemplate(waba, {
      name: 'welcome',
      language: 'pt_BR',
      category: 'MARKETING',
      parameter_format: 'NAMED',
      status: 'PAUSED',
      components: [
        { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://scontent.example/x.jpg'] } },
        { type: 'BODY', text: 'Olá {{first_name}}' },
      ],
    });
    const synced = await run('templates', 'sync', '--org', 'acme');
    expect(synced).toMatchObject({ code: 0, err: '' });
    expect(synced.out).toBe(
      `Synced 2 templates of WhatsApp Business Account ${waba} for acme (1 page; 0 no longer at Meta, removed)`,
    );
    const listed = await run('templates', 'list', '--org', 'acme');
    expect(listed.code).toBe(0);
    expect(listed.out.split('\n')).toEqual([
      'order_shipped  en_US  APPROVED  UTILITY  positional  quality GREEN  expects header TEXT {{1}}; body {{1}},{{2}}; button 0 URL {{1}}',
      'welcome  pt_BR  PAUSED  MARKETING  named  quality UNKNOWN  expects header IMAGE; body {{first_name}}',
    ]);
    const paused = await run('templates', 'list', '--org', 'acme', '--status', 'paused', '--json');
    const json = JSON.parse(paused.out) as { templates: { name: string; expects: unknown }[] };
    expect(json.templates.map((t) => t.name)).toEqual(['welcome']);
    expect(json.templates[0]!.expects).toEqual({
      parameter_format: 'NAMED',
      header: { format: 'IMAGE', params: [] },
      body: { params: ['first_name'] },
      buttons: [],
    });
    const syncJson = JSON.parse((await run('templates', 'sync', '--org', 'acme', '--json')).out) as Record<
      string,
      unknown
    >;
    expect(syncJson).toMatchObject({ stored: 2, removed: 0, pages: 1, wabaId: waba });
  });

  it('says how to fill an empty catalogue', async () => {
    expect(await run('templates', 'list', '--org', 'acme')).toMatchObject({
      code: 0,
      out: 'No templates stored for acme; `flowiq templates sync --org acme` reads them from Meta',
    });
  });

  it('refuses an organization without a WABA id, and one whose token Meta refuses, writing nothing', async () => {
    sim.addTemplate(waba, {
      name: 'never',
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hi' }],
    });
    expect((await run('org', 'update', '--slug', 'acme', '--meta-waba-id', 'none')).code).toBe(0);
    for (const verb of ['sync', 'list'])
      expect(await run('templates', verb, '--org', 'acme')).toMatchObject({
        code: 2,
        err: "flowiq: Meta credentials not configured: Organization is missing meta_waba_id. Set it with 'flowiq org update'.",
      });
    expect(
      (await run('org', 'update', '--slug', 'acme', '--meta-waba-id', waba, '--meta-token', 'EAAG-a-wrong-token-here'))
        .code,
    ).toBe(0);
    const refused = await run('templates', 'sync', '--org', 'acme');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^flowiq: Meta API error: Meta refused the template list \(code 190\)/);
    expect(refused.err).not.toContain('EAAG-a-wrong-token-here');
    expect(await storedNames()).toEqual([]);
  });

  it('exits 2 for an unknown organization, a missing --org and an unknown verb', async () => {
    expect(await run('templates', 'sync', '--org', 'nobody')).toMatchObject({
      code: 2,
      err: 'flowiq: Not found: no organization with slug "nobody"',
    });
    expect(await run('templates', 'list')).toMatchObject({ code: 2, err: 'flowiq: --org is required' });
    const unknown = await run('templates', 'purge', '--org', 'acme');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown templates command "purge"');
  });
});
