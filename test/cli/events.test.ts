// `flowiq events replay|log|listen`: a replay makes an endpoint's events since a time due again
// (only the types asked for, only its own organization's), the dispatcher then delivers them to the
// listener, which verifies their signatures, and the log shows each attempt; bad input exits 2
// with the reason. The receiver is `events listen`'s own, on loopback
// (EVENTS_ALLOW_PRIVATE_NETWORKS=true, as for a developer's local receiver).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { freePort } from '../../bench/processes.js';
import { startEventListener, summarizeEvent, type Listener } from '../../src/cli/events.js';
import { withContext } from '../../src/cli/io.js';
import { newId } from '../../src/db/ids.js';
import { cliDatabase, type CliDatabase } from '../helpers/cli-db.js';
import { captureIo, runCli as run } from '../helpers/cli.js';
import { ENGINES } from '../helpers/db.js';

const HOUR = 3_600_000;

describe.each(ENGINES)('flowiq events on %s', (engine) => {
  let cli: CliDatabase;
  let listener: Listener | undefined;

  beforeEach(async () => {
    cli = await cliDatabase(engine, 'events', {
      EVENTS_ALLOW_PRIVATE_NETWORKS: 'true',
      FLOWIQ_SECRET_PREVIOUS: undefined,
    });
    for (const slug of ['acme', 'beta'])
      expect((await run('org', 'create', '--slug', slug, '--name', slug, '--meta-phone-id', '111')).code).toBe(0);
  });
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
    await cli.cleanup();
  });

  const orgId = (slug: string) =>
    cli.withDb(
      async (db) =>
        (await db.kysely.selectFrom('organizations').select('id').where('slug', '=', slug).executeTakeFirstOrThrow())
          .id,
    );

  async function createEndpoint(
    slug: string,
    url: string,
    ...extra: string[]
  ): Promise<{ id: string; secret: string }> {
    const res = await run('endpoint', 'create', '--org', slug, '--url', url, ...extra, '--json');
    expect(res.code, res.err).toBe(0);
    return JSON.parse(res.out) as { id: string; secret: string };
  }

  /**
   * Events as the outbox writes them, committed before the endpoint existed (so none is due there
   * yet), `agoMs` back. Their ids, in the order given.
   */
  async function seedEvents(
    slug: string,
    events: { type: string; agoMs: number; data: Record<string, unknown> }[],
  ): Promise<string[]> {
    const organizationId = await orgId(slug);
    const ids = events.map(() => newId());
    await cli.withDb((db) =>
      db.kysely
        .insertInto('events')
        .values(
          events.map((e, i) => ({
            id: ids[i]!,
            organization_id: organizationId,
            type: e.type,
            conversation_id: null,
            payload: JSON.stringify(e.data),
            created_at: new Date(Date.now() - e.agoMs).toISOString(),
          })),
        )
        .execute(),
    );
    return ids;
  }

  /** What a running gateway's dispatcher does after a replay: deliver everything due, then rest. */
  const dispatch = () =>
    withContext(async (ctx) => {
      ctx.events.wake();
      await ctx.events.idle();
    });

  /** A listener on a port chosen before the endpoint is created (its URL names the port). */
  async function listenerFor(port: number, secret: string) {
    const io = captureIo();
    listener = await startEventListener({ port, secret, json: true, io });
    return io;
  }

  it('replays the events since a time to the endpoint, which the listener verifies; log shows the attempts', async () => {
    const port = await freePort();
    const endpoint = await createEndpoint('acme', `http://127.0.0.1:${port}/events`);
    const [old, received, contact] = await seedEvents('acme', [
      { type: 'message.status', agoMs: 48 * HOUR, data: { status: 'read', whatsapp_message_id: 'wamid.old' } },
      {
        type: 'message.received',
        agoMs: 2 * HOUR,
        data: { from: '27123456789', type: 'text', content: { type: 'text', body: 'Where is my order?' } },
      },
      { type: 'contact.created', agoMs: HOUR, data: { source: 'inbound', contact: { id: 'c1' } } },
    ]);
    // Another organization's event in the same window is never replayed to acme's endpoint.
    await seedEvents('beta', [{ type: 'message.received', agoMs: HOUR, data: {} }]);
    const io = await listenerFor(port, endpoint.secret);

    const none = await run('events', 'log', '--org', 'acme', '--endpoint', endpoint.id);
    expect(none.code, none.err).toBe(0);
    expect(none.out).toBe(`No delivery attempts for ${endpoint.id} yet.`);

    const replay = await run('events', 'replay', '--org', 'acme', '--endpoint', endpoint.id, '--since', '24h');
    expect(replay.code, replay.err).toBe(0);
    expect(replay.out).toMatch(new RegExp(`^2 event\\(s\\) since \\S+Z are due again at ${endpoint.id}\\.$`));
    await dispatch();
    const delivered = io.stdout.map((l) => JSON.parse(l) as { id: string; type: string; data: unknown });
    // Events of no conversation are delivered side by side, in any order.
    delivered.sort((a, b) => a.type.localeCompare(b.type)); // contact.created first
    expect(delivered.map((e) => [e.id, e.type])).toEqual([
      [contact, 'contact.created'],
      [received, 'message.received'],
    ]);
    expect(delivered[1]!.data).toEqual({
      from: '27123456789',
      type: 'text',
      content: { type: 'text', body: 'Where is my order?' },
    });
    expect(io.stderr).toEqual([]);

    const log = await run('events', 'log', '--org', 'acme', '--endpoint', endpoint.id, '--json');
    expect(log.code, log.err).toBe(0);
    const attempts = (JSON.parse(log.out) as { attempts: Record<string, unknown>[] }).attempts;
    expect(attempts).toHaveLength(2);
    for (const a of attempts) expect(a).toMatchObject({ status_code: 204, error: null });
    expect(attempts.map((a) => a['event_id']).sort()).toEqual([received, contact].sort());
    const human = await run('events', 'log', '--org', 'acme', '--endpoint', endpoint.id, '--limit', '1');
    expect(human.out.split('\n')).toHaveLength(1);
    expect(human.out).toMatch(/^\S+Z {2}[0-9a-f-]{36} {2}(message\.received|contact\.created) {2}204 {2}\d+ ms {2}ok$/);

    // An ISO time reaches the older one too; --types keeps to those asked for. Each is delivered
    // again, with the same id: the receiver deduplicates.
    const since = new Date(Date.now() - 72 * HOUR).toISOString();
    const typed = await run(
      'events',
      'replay',
      '--org',
      'acme',
      '--endpoint',
      endpoint.id,
      '--since',
      since,
      '--types',
      'message.status, message.received',
      '--json',
    );
    expect(typed.code, typed.err).toBe(0);
    expect(JSON.parse(typed.out)).toEqual({ replayed: 2, since, endpoint_enabled: true });
    await dispatch();
    expect(
      io.stdout
        .slice(2)
        .map((l) => (JSON.parse(l) as { id: string }).id)
        .sort(),
    ).toEqual([old, received].sort());
    const after = JSON.parse((await run('events', 'log', '--org', 'acme', '--endpoint', endpoint.id, '--json')).out);
    expect(after.attempts).toHaveLength(4);
  });

  it('says when the replayed endpoint is disabled, and replays only what it subscribes to', async () => {
    const endpoint = await createEndpoint('acme', 'http://127.0.0.1:9/events', '--events', 'message.status');
    await seedEvents('acme', [
      { type: 'message.status', agoMs: HOUR, data: {} },
      { type: 'message.received', agoMs: HOUR, data: {} },
    ]);
    expect((await run('endpoint', 'disable', '--org', 'acme', '--id', endpoint.id)).code).toBe(0);
    const res = await run('events', 'replay', '--org', 'acme', '--endpoint', endpoint.id, '--since', '2h');
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(
      /^1 event\(s\) since .* The endpoint is disabled: enable it \(flowiq endpoint update --enable\)/,
    );
    const json = await run('events', 'replay', '--org', 'acme', '--endpoint', endpoint.id, '--since', '2h', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ replayed: 1, endpoint_enabled: false });
  });

  it('refuses bad input with exit 2 and the reason', async () => {
    const mine = await createEndpoint('acme', 'http://127.0.0.1:9/events');
    const theirs = await createEndpoint('beta', 'http://127.0.0.1:9/events');
    const replay = (...flags: string[]) => run('events', 'replay', '--org', 'acme', '--endpoint', mine.id, ...flags);
    const cases: [Promise<{ code: number; err: string }>, RegExp][] = [
      [replay('--since', 'nonsense'), /--since must be an ISO 8601 time .* or a duration .*; got "nonsense"/],
      [replay('--since', '2026-13-45T99:00:00Z'), /--since must be an ISO 8601 time/],
      [replay(), /--since is required/],
      [
        replay('--since', '1h', '--types', 'message.received,message.bogus'),
        /--types: unknown event type "message\.bogus"/,
      ],
      [replay('--since', '1h', '--colour'), /Unknown option '--colour'/],
      [
        run('events', 'replay', '--org', 'acme', '--endpoint', theirs.id, '--since', '1h'),
        new RegExp(
          `Webhook endpoint not found: No webhook endpoint exists with id "${theirs.id}" in this organization`,
        ),
      ],
      [
        run('events', 'replay', '--org', 'nobody', '--endpoint', mine.id, '--since', '1h'),
        /no organization with slug "nobody"/,
      ],
      [
        run('events', 'log', '--org', 'acme', '--endpoint', mine.id, '--limit', '0'),
        /--limit must be an integer between 1 and 1000/,
      ],
      [run('events', 'log', '--org', 'acme', '--endpoint', mine.id, '--limit', '1001'), /--limit must be an integer/],
      [run('events', 'log', '--org', 'acme', '--endpoint', mine.id, '--limit', 'ten'), /--limit must be an integer/],
      [run('events', 'log', '--org', 'acme', '--endpoint', theirs.id), /No webhook endpoint exists with id/],
      [run('events', 'log', '--org', 'acme'), /--endpoint is required/],
      [run('events', 'listen'), /--port is required/],
      [run('events', 'listen', '--port', 'eighty'), /--port must be a port number from 0 to 65535; got "eighty"/],
      [run('events', 'listen', '--port', '70000'), /--port must be a port number/],
      [
        run('events', 'listen', '--port', '0', '--secret', 'hunter2'),
        /--secret must be the endpoint's whsec_… signing secret/,
      ],
      [run('events', 'listen', '--port', '0', '--secret', 'whsec_!!!'), /--secret is not a valid whsec_… secret/],
      [run('events', 'frobnicate'), /usage: flowiq events replay .*\n.*events log .*\n.*events listen --port N/],
    ];
    for (const [result, message] of cases) {
      const { code, err } = await result;
      expect(code, err).toBe(2);
      expect(err).toMatch(message);
    }
    // A mistyped secret is not echoed back.
    expect((await run('events', 'listen', '--port', '0', '--secret', 'hunter2')).err).not.toContain('hunter2');
    // Nothing was replayed by any of them.
    const rows = await cli.withDb((db) => db.kysely.selectFrom('event_deliveries').selectAll().execute());
    expect(rows).toEqual([]);
  });
});

describe('flowiq events listen', () => {
  const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  let listener: Listener | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
  });

  function signed(body: string, id = 'msg_1', secret = SECRET): Record<string, string> {
    const at = new Date();
    return {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, body),
    };
  }

  it('prints one line per verified event, marks a repeat, and answers 204; 401 on a bad signature', async () => {
    const io = captureIo();
    listener = await startEventListener({ port: 0, secret: SECRET, json: false, io });
    const event = {
      id: 'evt_1',
      type: 'message.received',
      timestamp: '2026-12-03T10:14:00.000Z',
      organization_id: 'org',
      // A customer's text can hold anything: the line stays one line.
      data: { from: '27812345678', type: 'text', content: { type: 'text', body: 'Hi\n\u001b[2Jthere' } },
    };
    const body = JSON.stringify(event);
    const first = await fetch(`${listener.url}/events`, { method: 'POST', headers: signed(body, 'evt_1'), body });
    expect(first.status).toBe(204);
    const again = await fetch(`${listener.url}/events`, { method: 'POST', headers: signed(body, 'evt_1'), body });
    expect(again.status).toBe(204);
    expect(io.stdout).toEqual([
      '2026-12-03T10:14:00.000Z  message.received  evt_1  from 27812345678: "Hi [2Jthere"',
      '2026-12-03T10:14:00.000Z  message.received  evt_1  from 27812345678: "Hi [2Jthere"  (again: deduplicate by id)',
    ]);

    const other = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const forged = await fetch(listener.url, { method: 'POST', headers: signed(body, 'evt_2', other), body });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(listener.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(401);
    // Signed over other bytes than those sent.
    const tampered = await fetch(listener.url, {
      method: 'POST',
      headers: signed(body, 'evt_3'),
      body: body.replace('Hi', 'Yo'),
    });
    expect(tampered.status).toBe(401);
    expect(io.stdout).toHaveLength(2);
    expect(io.stderr).toHaveLength(3);
    expect(io.stderr[0]).toMatch(/^refused a delivery evt_2: bad signature/);
    expect(io.stderr.join('\n')).not.toContain(SECRET);

    expect((await fetch(listener.url)).status).toBe(405);
    const huge = await fetch(listener.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(2 * 1024 * 1024),
    }).catch(() => undefined);
    // Refused with 413, or the connection cut while the body was still being sent.
    if (huge !== undefined) expect(huge.status).toBe(413);
  });

  it('prints each body as one JSON line with --json, and accepts any event without a secret', async () => {
    const io = captureIo();
    listener = await startEventListener({ port: 0, json: true, io });
    const event = {
      id: 'evt_9',
      type: 'message.status',
      timestamp: 't',
      organization_id: 'o',
      data: { status: 'read' },
    };
    const res = await fetch(listener.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event, null, 2),
    });
    expect(res.status).toBe(204);
    expect(io.stdout).toEqual([JSON.stringify(event)]);
    const notJson = await fetch(listener.url, { method: 'POST', body: 'not json' });
    expect(notJson.status).toBe(400);
  });

  it('summarizes each event type in a few words', () => {
    expect(
      summarizeEvent('message.status', {
        status: 'failed',
        whatsapp_message_id: 'wamid.A',
        errors: [{ code: 131047, title: 'Re-engagement message' }],
      }),
    ).toBe('failed (Re-engagement message) wamid.A');
    expect(
      summarizeEvent('message.received', { from_user_id: 'ZA.1', content: { type: 'image', caption: 'Look' } }),
    ).toBe('from ZA.1: [image] "Look"');
    expect(summarizeEvent('message.received', { from: '27', content: { type: 'location' } })).toBe(
      'from 27: [location]',
    );
    expect(summarizeEvent('message.reaction', { from: '27', emoji: null, target_whatsapp_message_id: 'wamid.B' })).toBe(
      'from 27: (reaction removed) on wamid.B',
    );
    expect(
      summarizeEvent('message.media_ready', { whatsapp_message_id: 'wamid.C', media_url: 'https://x/y?sig=secret' }),
    ).toBe('media stored for wamid.C');
    expect(
      summarizeEvent('message.media_failed', { whatsapp_message_id: 'wamid.D', error: { code: 'media_expired' } }),
    ).toBe('media failed for wamid.D: media_expired');
    expect(
      summarizeEvent('contact.created', { source: 'api', contact: { id: 'c', whatsapp_number: '27', name: 'Sheena' } }),
    ).toBe('27 "Sheena" (api)');
    expect(summarizeEvent('template.approved', { name: 'x' })).toBe('{"name":"x"}');
  });
});
