// `flowiq endpoint create|list|update|rotate-secret|disable`: the secret printed once, by create and
// rotate-secret, never by list nor stored in clear; why an endpoint is disabled shown by list; bad
// input exits 2 with the reason. URLs are public IP literals, checked and never connected to.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliDatabase, type CliDatabase } from '../helpers/cli-db.js';
import { runCli as run } from '../helpers/cli.js';
import { ENGINES } from '../helpers/db.js';

const PUBLIC_IP = '93.184.215.14';
const SECRET = /whsec_[A-Za-z0-9+/]{43}=/;

describe.each(ENGINES)('flowiq endpoint on %s', (engine) => {
  let cli: CliDatabase;

  beforeEach(async () => {
    cli = await cliDatabase(engine, 'endpoint', {
      FLOWIQ_SECRET_PREVIOUS: undefined,
      EVENTS_ALLOW_PRIVATE_NETWORKS: undefined,
    });
    for (const slug of ['acme', 'beta'])
      expect((await run('org', 'create', '--slug', slug, '--name', slug, '--meta-phone-id', '111')).code).toBe(0);
  });
  afterEach(async () => {
    // The CLI never delivers: every refused URL (private, metadata) was refused by the check itself,
    // before any connection, and no attempt was made to the public address the others name.
    expect(await cli.withDb((db) => db.kysely.selectFrom('event_attempts').selectAll().execute())).toEqual([]);
    await cli.cleanup();
  });

  const storedEndpoints = () =>
    cli.withDb(async (db) =>
      JSON.stringify((await sql.raw('select * from webhook_endpoints').execute(db.kysely)).rows),
    );

  async function createOne(...extra: string[]): Promise<{ id: string; secret: string }> {
    const res = await run(
      'endpoint',
      'create',
      '--org',
      'acme',
      '--url',
      `https://${PUBLIC_IP}/hooks`,
      ...extra,
      '--json',
    );
    expect(res.code, res.err).toBe(0);
    return JSON.parse(res.out) as { id: string; secret: string };
  }

  it('creates an endpoint, printing its secret once and saying so; list never shows it', async () => {
    const res = await run(
      'endpoint',
      'create',
      '--org',
      'acme',
      '--url',
      `https://${PUBLIC_IP}/hooks/flowiq`,
      '--events',
      'message.received, message.status',
      '--description',
      'Order service',
    );
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(
      new RegExp(
        `^Created webhook endpoint [0-9a-f-]{36}  https://${PUBLIC_IP}/hooks/flowiq  events=message.status,message.received  enabled  "Order service"\n`,
      ),
    );
    expect(res.out).toMatch(/Signing secret \(shown only this once; store it now\): whsec_/);
    const secret = SECRET.exec(res.out)![0];
    expect(await storedEndpoints()).not.toContain(secret.slice(6));

    const json = await createOne('--events', '*');
    expect(json).toMatchObject({ event_types: ['*'], enabled: true });
    expect(json.secret).toMatch(SECRET);

    const list = await run('endpoint', 'list', '--org', 'acme');
    expect(list.code, list.err).toBe(0);
    expect(list.out.split('\n')).toHaveLength(2);
    expect(list.out).toContain(`https://${PUBLIC_IP}/hooks/flowiq  events=message.status,message.received  enabled`);
    const listJson = await run('endpoint', 'list', '--org', 'acme', '--json');
    for (const out of [list.out, listJson.out]) {
      expect(out).not.toContain(secret);
      expect(out).not.toContain(json.secret);
      expect(out).not.toMatch(/whsec_|"secret"/);
    }
    expect(JSON.parse(listJson.out).endpoints).toHaveLength(2);
    expect((await run('endpoint', 'list', '--org', 'beta')).out).toBe('No webhook endpoints for beta.');
  });

  it('updates, disables with a reason, shows why and since when it fails, and re-enables', async () => {
    const e = await createOne();
    const upd = await run(
      'endpoint',
      'update',
      '--org',
      'acme',
      '--id',
      e.id,
      '--url',
      `https://${PUBLIC_IP}/v2`,
      '--events',
      'contact.created',
    );
    expect(upd.code, upd.err).toBe(0);
    expect(upd.out).toContain(`https://${PUBLIC_IP}/v2  events=contact.created  enabled`);

    const dis = await run('endpoint', 'disable', '--org', 'acme', '--id', e.id, '--reason', 'Receiver being migrated');
    expect(dis.code, dis.err).toBe(0);
    expect(dis.out).toContain('disabled (Receiver being migrated)');
    // As the dispatcher leaves an endpoint it gave up on.
    await cli.withDb((db) =>
      db.kysely
        .updateTable('webhook_endpoints')
        .set({ failing_since: '2026-03-01T10:00:00.000Z' })
        .where('id', '=', e.id)
        .execute(),
    );
    const list = await run('endpoint', 'list', '--org', 'acme');
    expect(list.out).toContain('disabled (Receiver being migrated)  failing since 2026-03-01T10:00:00.000Z');

    const en = await run('endpoint', 'update', '--org', 'acme', '--id', e.id, '--enable', '--json');
    expect(en.code, en.err).toBe(0);
    expect(JSON.parse(en.out)).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });

    const plain = await run('endpoint', 'disable', '--org', 'acme', '--id', e.id);
    expect(plain.out).toContain('disabled (Disabled by an operator)');
  });

  it('rotates the secret with an overlap, printing the new one once', async () => {
    const e = await createOne();
    const t0 = Date.now();
    const rot = await run('endpoint', 'rotate-secret', '--org', 'acme', '--id', e.id, '--overlap', '1h');
    expect(rot.code, rot.err).toBe(0);
    expect(rot.out).toMatch(/^Rotated the secret of webhook endpoint .* previous secret signs until \S+/);
    expect(rot.out).toMatch(/Signing secret \(shown only this once; store it now\): whsec_/);
    const secret = SECRET.exec(rot.out)![0];
    expect(secret).not.toBe(e.secret);
    const until = Date.parse(/signs until (\S+)/.exec(rot.out)![1]!);
    expect(until).toBeGreaterThanOrEqual(t0 + 3_600_000);
    expect(until).toBeLessThan(Date.now() + 3_601_000);
    const stored = await storedEndpoints();
    expect(stored).not.toContain(secret.slice(6));
    expect(stored).not.toContain(e.secret.slice(6));
    expect((await run('endpoint', 'list', '--org', 'acme')).out).not.toContain(secret);

    const now = await run('endpoint', 'rotate-secret', '--org', 'acme', '--id', e.id, '--overlap', '0', '--json');
    expect(JSON.parse(now.out)).toMatchObject({ previous_secret_until: null, secret: expect.stringMatching(SECRET) });
  });

  it.each([
    [['create', '--org', 'acme', '--url', 'https://10.0.0.1/hook'], /Invalid field: url points at 10\.0\.0\.1/],
    [['create', '--org', 'acme', '--url', 'https://169.254.169.254/'], /points at 169\.254\.169\.254/],
    [['create', '--org', 'acme', '--url', 'https://localhost/'], /"localhost" resolves to/],
    [['create', '--org', 'acme', '--url', 'http://127.0.0.1:4001/'], /must use https/],
    [['create', '--org', 'acme', '--url', 'ftp://x.invalid/'], /scheme "ftp"/],
    [
      ['create', '--org', 'acme', '--url', `https://${PUBLIC_IP}/`, '--events', 'message.sent'],
      /unknown event type "message.sent"/,
    ],
    [['create', '--org', 'acme', '--url', `https://${PUBLIC_IP}/`, '--events', ','], /--events needs one or more/],
    [['create', '--org', 'acme'], /--url is required/],
    [['create', '--url', `https://${PUBLIC_IP}/`], /--org is required/],
    [['create', '--org', 'nope', '--url', `https://${PUBLIC_IP}/`], /no organization with slug "nope"/],
    [['create', '--org', 'acme', '--url', `https://${PUBLIC_IP}/`, '--secret', 'x'], /Unknown option '--secret'/],
    [['list'], /--org is required/],
    [['update', '--org', 'acme', '--id', 'x'], /nothing to change/],
    [['rotate-secret', '--org', 'acme', '--id', 'x', '--overlap', 'soon'], /--overlap must be a duration/],
    [['frobnicate'], /unknown subcommand "frobnicate"/],
  ])('exits 2 for %j with the reason', async (args, message) => {
    const before = await storedEndpoints();
    const res = await run('endpoint', ...args);
    expect(res.code, res.err).toBe(2);
    expect(res.err).toMatch(message);
    expect(res.out).toBe('');
    expect(await storedEndpoints()).toBe(before);
  });

  it("exits 2 for another organization's endpoint, leaving it as it was", async () => {
    const e = await createOne();
    const before = await storedEndpoints();
    for (const args of [
      ['update', '--org', 'beta', '--id', e.id, '--enable'],
      ['disable', '--org', 'beta', '--id', e.id],
      ['rotate-secret', '--org', 'beta', '--id', e.id],
    ]) {
      const res = await run('endpoint', ...args);
      expect(res.code, res.err).toBe(2);
      expect(res.err).toBe(
        `flowiq: Webhook endpoint not found: No webhook endpoint exists with id "${e.id}" in this organization`,
      );
    }
    expect(await storedEndpoints()).toBe(before);
  });

  it('accepts a local http receiver with EVENTS_ALLOW_PRIVATE_NETWORKS=true', async () => {
    process.env.EVENTS_ALLOW_PRIVATE_NETWORKS = 'true';
    const res = await run('endpoint', 'create', '--org', 'acme', '--url', 'http://127.0.0.1:4001/events');
    expect(res.code, res.err).toBe(0);
    expect(res.out).toContain('http://127.0.0.1:4001/events');
  });

  it('is listed in the usage text', async () => {
    const res = await run('help');
    expect(res.out).toMatch(/endpoint create --org S --url U/);
    expect(res.out).toMatch(/endpoint rotate-secret --org S --id ID \[--overlap 24h\]/);
  });
});
