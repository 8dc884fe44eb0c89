// Event delivery end to end on both engines: changes that commit events (inbound messages through
// the real webhook route and processor), a dispatcher with short retries, and loopback receivers
// that verify each delivery with the standardwebhooks package as a tenant's receiver would.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueDeliveries } from '../../src/events/deliveries.js';
import { deliveryLog, replayEvents } from '../../src/events/replay.js';
import { EventDispatcher, type DispatcherOptions, type EventEnvelope } from '../../src/events/dispatcher.js';
import { eventWebhooks } from '../../src/events/openapi.js';
import { eventPoster } from '../../src/events/post.js';
import { Ajv } from 'ajv';
import { TokenCipher } from '../../src/organizations/token-cipher.js';
import { TEST_SECRET } from '../helpers/constants.js';
import { ENGINES } from '../helpers/db.js';
import { startGateway, type TestGateway } from '../helpers/app.js';
import {
  deliver,
  envelope,
  seedApp,
  seedWebhookTenant,
  sentMessage,
  status,
  type WebhookTenant,
} from '../inbound/helpers.js';
import { until } from '../inbound/media-setup.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  event: EventEnvelope;
}

interface Receiver {
  url: string;
  got: Received[];
  /** How to answer the next request: a status, or 'hang' (never answer). */
  answer: (event: EventEnvelope) => number | 'hang';
  close(): Promise<void>;
}

async function receiver(): Promise<Receiver> {
  const r: Receiver = { url: '', got: [], answer: () => 200, close: async () => {} };
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const event = JSON.parse(body) as EventEnvelope;
      r.got.push({ headers: req.headers, body, event });
      const a = r.answer(event);
      if (a === 'hang') return void hanging.add(res);
      res.writeHead(a, { 'content-type': 'text/plain' }).end(a >= 300 ? 'no thanks' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () =>
    new Promise((resolve) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

let seq = 0;
const wamid = () => `wamid.evt${process.pid}x${++seq}`;

describe.each(ENGINES)('event delivery (%s)', (engine) => {
  let gw: TestGateway;
  let t: WebhookTenant;
  const receivers: Receiver[] = [];
  const dispatchers: EventDispatcher[] = [];

  beforeAll(async () => {
    gw = await startGateway(engine, { EVENTS_ALLOW_PRIVATE_NETWORKS: 'true' });
    // The gateway's own dispatcher is woken by every webhook commit: these tests run their own.
    await gw.ctx.events.stop();
    await seedApp(gw);
  });
  afterAll(async () => {
    for (const d of dispatchers) await d.stop();
    for (const r of receivers) await r.close();
    await gw.close();
  });

  /** A tenant of its own per test, so each test's events and endpoints are its own. */
  async function world(types: string[] = ['*']) {
    t = await seedWebhookTenant(gw);
    const r = await receiver();
    receivers.push(r);
    const endpoint = await gw.ctx.endpoints.create(t.organizationId, { url: r.url, eventTypes: types });
    return { r, endpoint, tenant: t };
  }

  function dispatcher(opts: Partial<DispatcherOptions> = {}): EventDispatcher {
    const d = new EventDispatcher({
      db: gw.ctx.db,
      cipher: new TokenCipher(TEST_SECRET),
      signer: gw.ctx.media.signer,
      poster: eventPoster({ allowPrivateNetworks: true, timeoutMs: 2_000 }),
      log: pino({ level: 'silent' }),
      firstRetryMs: 20,
      maxRetryMs: 40,
      ...opts,
    });
    dispatchers.push(d);
    return d;
  }

  /** A customer of tenant `t` sends texts; resolves once the gateway has stored them. */
  async function customerSends(tenant: WebhookTenant, texts: string[]): Promise<string[]> {
    const ids = texts.map(() => wamid());
    await deliver(
      gw,
      envelope(tenant.phoneNumberId, {
        contacts: [{ profile: { name: 'Customer' }, wa_id: tenant.phone.replace('+', '') }],
        messages: texts.map((body, i) => ({
          from: tenant.phone.replace('+', ''),
          id: ids[i],
          timestamp: String(1_700_000_000 + ++seq),
          type: 'text',
          text: { body },
        })),
      }),
    );
    return ids;
  }

  const deliveries = (endpointId: string) =>
    gw.ctx.db.kysely.selectFrom('event_deliveries').selectAll().where('endpoint_id', '=', endpointId).execute();

  it('delivers each committed event once, signed so that a Standard Webhooks library verifies it', async () => {
    const { r, endpoint } = await world();
    const [w] = await customerSends(t, ['hello']);
    const d = dispatcher();
    d.wake();
    await until('the delivery', async () => (r.got.length >= 1 ? true : undefined));
    await d.idle();
    expect(r.got).toHaveLength(1);
    const got = r.got[0]!;
    const verified = new Webhook(endpoint.secret).verify(got.body, {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    });
    expect(verified).toMatchObject({ type: 'message.received', organization_id: t.organizationId });
    expect(got.event.id).toBe(got.headers['webhook-id']);
    expect(got.event.data).toMatchObject({ whatsapp_message_id: w, type: 'text', content: { body: 'hello' } });
    // Nothing secret in the body: no token, key or signing secret.
    expect(got.body).not.toContain(endpoint.secret);
    const rows = await deliveries(endpoint.id);
    expect(rows).toMatchObject([{ state: 'delivered', attempts: 1, last_status: 200 }]);
    const log = await gw.ctx.db.kysely
      .selectFrom('event_attempts')
      .selectAll()
      .where('endpoint_id', '=', endpoint.id)
      .execute();
    expect(log).toMatchObject([{ status_code: 200, error: null }]);
    // Redelivered by Meta: no second event.
    d.wake();
    await d.idle();
    expect(r.got).toHaveLength(1);
  });

  it('writes an outcome again when the database refuses it for a moment, instead of leaving it to the lease', async () => {
    const { r, endpoint } = await world();
    // The dispatcher's database fails the next transaction (SQLite) or query (PostgreSQL) once
    // armed: armed when the receiver has the POST, so what fails is the settlement.
    let failures = 0;
    const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const db = gw.ctx.db;
    const flaky: typeof db =
      db.engine === 'sqlite'
        ? {
            ...db,
            sqlite: new Proxy(db.sqlite, {
              get(target, prop) {
                const value: unknown = Reflect.get(target, prop, target);
                if (prop === 'transaction')
                  return (fn: () => unknown) => () => {
                    if (failures > 0 && failures--) throw busy();
                    return target.transaction(fn)();
                  };
                return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
              },
            }),
          }
        : {
            ...db,
            pgPool: new Proxy(db.pgPool, {
              get(target, prop) {
                const value: unknown = Reflect.get(target, prop, target);
                if (prop === 'query')
                  return (...args: Parameters<typeof target.query>) => {
                    if (failures > 0 && failures--) return Promise.reject(busy());
                    return (target.query as (...a: unknown[]) => unknown)(...args);
                  };
                return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
              },
            }),
          };
    r.answer = () => {
      failures = 2;
      return 204;
    };
    await customerSends(t, ['settle me']);
    const d = dispatcher({ db: flaky, leaseMs: 600_000 });
    d.wake();
    await until('settled', async () => {
      const [row] = await deliveries(endpoint.id);
      return row?.state === 'delivered' ? row : undefined;
    });
    await d.idle();
    expect(failures).toBe(0);
    expect(r.got).toHaveLength(1);
    expect(await deliveries(endpoint.id)).toMatchObject([{ state: 'delivered', attempts: 1, last_status: 204 }]);
  });

  it('retries an endpoint that answers 500 and logs every attempt', async () => {
    const { r, endpoint } = await world();
    let calls = 0;
    r.answer = () => (++calls <= 2 ? 500 : 204);
    await customerSends(t, ['retry me']);
    const d = dispatcher();
    d.wake();
    await until('delivered after retries', async () => {
      d.wake();
      const [row] = await deliveries(endpoint.id);
      return row?.state === 'delivered' ? row : undefined;
    });
    await d.idle();
    const log = await gw.ctx.db.kysely
      .selectFrom('event_attempts')
      .select(['status_code', 'error'])
      .where('endpoint_id', '=', endpoint.id)
      .orderBy('attempted_at')
      .execute();
    expect(log.map((l) => l.status_code)).toEqual([500, 500, 204]);
    expect(log[0]!.error).toContain('answered 500');
    expect(new Set(r.got.map((g) => g.event.id)).size).toBe(1);
    const [ep] = await gw.ctx.db.kysely
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpoint.id)
      .execute();
    expect(ep!.failing_since).toBeNull();
  });

  it('delivers a thread’s events in commit order, even when the first one needs retries', async () => {
    const { r } = await world();
    let first = true;
    r.answer = () => {
      if (first) {
        first = false;
        return 503;
      }
      return 200;
    };
    const texts = ['one', 'two', 'three', 'four', 'five'];
    await customerSends(t, texts.slice(0, 2));
    await customerSends(t, texts.slice(2));
    const d = dispatcher({ concurrency: 8, perEndpoint: 8 });
    await until('all five delivered', async () => {
      d.wake();
      const ok = new Set(r.got.filter((g) => g.event.type === 'message.received').map((g) => g.event.id));
      return ok.size >= 5 ? true : undefined;
    });
    await d.idle();
    const bodies = r.got
      .filter((g) => g.event.type === 'message.received')
      .map((g) => (g.event.data['content'] as { body: string }).body);
    // The first attempt failed: it was sent again before anything after it was sent at all.
    expect(bodies).toEqual(['one', 'one', 'two', 'three', 'four', 'five']);
  });

  it('keeps delivering to other endpoints while one never answers', async () => {
    const slow = await world();
    slow.r.answer = () => 'hang';
    await customerSends(slow.tenant, ['to the slow one']);
    const fast = await world();
    await customerSends(fast.tenant, ['to the fast one']);
    const d = dispatcher({ perEndpoint: 1 });
    d.wake();
    await until('the fast endpoint’s delivery', async () => (fast.r.got.length >= 1 ? true : undefined));
    expect(fast.r.got[0]!.event.data).toMatchObject({ content: { body: 'to the fast one' } });
  });

  it('gives an event up as dead after its time, and disables an endpoint failing for that long', async () => {
    const { r, endpoint } = await world();
    r.answer = () => 500;
    await customerSends(t, ['never accepted']);
    // An hour is the whole retry budget here: the clock jumps past it after the first failure.
    let clock = Date.now();
    const d = dispatcher({ giveUpAfterMs: 3_600_000, now: () => clock });
    d.wake();
    await until('the first attempt', async () => (r.got.length >= 1 ? true : undefined));
    await d.idle();
    clock += 2 * 3_600_000;
    d.wake();
    await until('dead', async () => {
      const [row] = await deliveries(endpoint.id);
      return row?.state === 'dead' ? row : undefined;
    });
    await d.idle();
    const [ep] = await gw.ctx.db.kysely
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpoint.id)
      .execute();
    expect(ep).toMatchObject({ enabled: 0 });
    expect(ep!.disabled_reason).toContain('answered 500');
    // Disabled: a new event gets no delivery row for it.
    await customerSends(t, ['after disable']);
    expect(await deliveries(endpoint.id)).toHaveLength(1);
  });

  it('signs with both secrets during a rotation’s overlap', async () => {
    const { r, endpoint } = await world();
    const rotated = await gw.ctx.endpoints.rotateSecret(t.organizationId, endpoint.id, { overlapSeconds: 3600 });
    await customerSends(t, ['rotated']);
    const d = dispatcher();
    d.wake();
    await until('the delivery', async () => (r.got.length >= 1 ? true : undefined));
    const got = r.got[0]!;
    const headers = {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    };
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.secret])
      expect(() => new Webhook(secret).verify(got.body, headers)).not.toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(got.body, headers)).toThrow();
  });

  it('two dispatchers at once deliver each event once; a dead claimant’s delivery is taken over after its lease', async () => {
    const { r, endpoint } = await world();
    await customerSends(t, ['a', 'b', 'c']);
    await customerSends(t, ['d', 'e', 'f']);
    // One delivery is claimed by an instance that dies at once.
    const t0 = Date.now();
    const [dead] = await claimDueDeliveries(
      gw.ctx.db,
      new Date(t0).toISOString(),
      new Date(t0 + 60_000).toISOString(),
      1,
      [],
    );
    expect(dead).toBeDefined();
    const [a, b] = [dispatcher(), dispatcher()];
    a.wake();
    b.wake();
    await until('all but the claimed thread’s rest', async () => {
      a.wake();
      b.wake();
      await Promise.all([a.idle(), b.idle()]);
      return true;
    });
    // Its thread waits behind it; after the lease passes another instance takes it over.
    expect(r.got.length).toBeLessThan(6);
    const later = dispatcher({ now: () => Date.now() + 61_000 });
    await until('all six', async () => {
      later.wake();
      await later.idle();
      return new Set(r.got.map((g) => g.event.id)).size >= 6 ? true : undefined;
    });
    const ids = r.got.map((g) => g.event.id);
    expect(new Set(ids).size).toBe(ids.length);
    const bodies = r.got.map((g) => (g.event.data['content'] as { body: string }).body);
    expect(bodies).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    const rows = await deliveries(endpoint.id);
    expect(rows.every((row) => row.state === 'delivered')).toBe(true);
  });

  it('replays an endpoint’s events since a time, in order, and logs every attempt', async () => {
    const { r, endpoint, tenant } = await world();
    const start = new Date(Date.now() - 1000).toISOString();
    await customerSends(tenant, ['first', 'second']);
    const d = dispatcher();
    await until('both', async () => {
      d.wake();
      await d.idle();
      return r.got.length >= 2 ? true : undefined;
    });
    // Another organization's endpoint id replays nothing here, and shows no log.
    const other = await world();
    expect(
      await replayEvents(gw.ctx.db, {
        organizationId: other.tenant.organizationId,
        endpointId: endpoint.id,
        since: start,
      }),
    ).toBe(0);
    expect(await deliveryLog(gw.ctx.db, other.tenant.organizationId, endpoint.id, 10)).toEqual([]);
    // Only events of a type it names, and none before `since`.
    expect(
      await replayEvents(gw.ctx.db, {
        organizationId: tenant.organizationId,
        endpointId: endpoint.id,
        since: start,
        types: ['message.status'],
      }),
    ).toBe(0);
    expect(
      await replayEvents(gw.ctx.db, {
        organizationId: tenant.organizationId,
        endpointId: endpoint.id,
        since: new Date(Date.now() + 60_000).toISOString(),
      }),
    ).toBe(0);
    // The two messages, and the contact created with the tenant before the endpoint existed: a
    // replay also sends what was committed before the endpoint subscribed.
    expect(
      await replayEvents(gw.ctx.db, { organizationId: tenant.organizationId, endpointId: endpoint.id, since: start }),
    ).toBe(3);
    await until('all three', async () => {
      d.wake();
      await d.idle();
      return r.got.length >= 5 ? true : undefined;
    });
    expect(r.got.slice(2).filter((g) => g.event.type === 'contact.created')).toHaveLength(1);
    const received = r.got.filter((g) => g.event.type === 'message.received');
    const bodies = received.map((g) => (g.event.data['content'] as { body: string }).body);
    expect(bodies).toEqual(['first', 'second', 'first', 'second']);
    expect(received[2]!.event.id).toBe(received[0]!.event.id);
    const log = await deliveryLog(gw.ctx.db, tenant.organizationId, endpoint.id, 10);
    expect(log).toHaveLength(5);
    expect(log.every((a) => a.status_code === 200)).toBe(true);
    expect(log[0]!.attempted_at >= log[3]!.attempted_at).toBe(true);
  });

  it('turns statuses that move a message, and reactions, into events, all of the thread in commit order; a duplicate or a late status is none', async () => {
    const { r } = await world();
    // The first `sent` is refused once: nothing of the thread may overtake it meanwhile.
    let refused = false;
    r.answer = (event) => {
      if (refused || event.data['status'] !== 'sent') return 200;
      refused = true;
      return 503;
    };
    const w = wamid();
    await sentMessage(gw, t, w);
    const at = 1_700_000_100;
    await deliver(gw, envelope(t.phoneNumberId, { statuses: [status(w, 'sent', at), status(w, 'delivered', at + 1)] }));
    await deliver(gw, envelope(t.phoneNumberId, { statuses: [status(w, 'read', at + 2), status(w, 'read', at + 2)] }));
    // Behind read: kept in the history, not an event.
    await deliver(gw, envelope(t.phoneNumberId, { statuses: [status(w, 'delivered', at + 1)] }));
    await deliver(
      gw,
      envelope(t.phoneNumberId, {
        messages: [
          {
            from: t.phone.replace('+', ''),
            id: wamid(),
            timestamp: String(at + 3),
            type: 'reaction',
            reaction: { message_id: w, emoji: '❤️' },
          },
          {
            from: t.phone.replace('+', ''),
            id: wamid(),
            timestamp: String(at + 4),
            type: 'reaction',
            reaction: { message_id: w },
          },
        ],
      }),
    );
    const d = dispatcher();
    await until('five events', async () => {
      d.wake();
      await d.idle();
      return r.got.length >= 6 ? true : undefined;
    });
    await d.idle();
    // One order for the whole thread, statuses and reactions alike: the order they committed in.
    expect(r.got.map((g) => `${g.event.type} ${String(g.event.data['status'] ?? g.event.data['emoji'])}`)).toEqual([
      'message.status sent',
      'message.status sent',
      'message.status delivered',
      'message.status read',
      'message.reaction ❤️',
      'message.reaction null',
    ]);
    const of = (type: string) => r.got.filter((g) => g.event.type === type).map((g) => g.event);
    expect(of('message.reaction').map((e) => e.data['emoji'])).toEqual(['❤️', null]);
    expect(of('message.status').at(-1)!.data).toMatchObject({
      whatsapp_message_id: w,
      timestamp: new Date((at + 2) * 1000).toISOString(),
    });
    expect(of('message.reaction')[0]!.data).toMatchObject({ target_whatsapp_message_id: w });
  });

  it('shows an endpoint’s delivery log through the API to its own organization only', async () => {
    const { r, endpoint, tenant } = await world();
    let n = 0;
    r.answer = () => (++n === 1 ? 502 : 200);
    await customerSends(tenant, ['logged']);
    const d = dispatcher();
    await until('delivered after one retry', async () => {
      d.wake();
      await d.idle();
      return r.got.length >= 2 ? true : undefined;
    });
    const get = (t: WebhookTenant, query = '') =>
      gw.app.inject({
        method: 'GET',
        url: `/api/webhook-endpoints/${endpoint.id}/deliveries?tenantId=${t.slug}${query}`,
        headers: { authorization: `Bearer ${t.key}` },
      });
    const res = await get(tenant);
    expect(res.statusCode).toBe(200);
    const log = res.json<{ data: { status_code: number | null; event_type: string; error: string | null }[] }>().data;
    expect(log.map((a) => a.status_code)).toEqual([200, 502]);
    expect(log[1]!.error).toContain('answered 502');
    expect(log.every((a) => a.event_type === 'message.received')).toBe(true);
    expect((await get(tenant, '&limit=1')).json<{ data: unknown[] }>().data).toHaveLength(1);
    expect((await get(tenant, '&limit=0')).statusCode).toBe(400);
    const other = await world();
    const foreign = await get(other.tenant);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain(endpoint.url);
  });

  it('delivered only bodies that match their documented schema (OpenAPI webhooks)', () => {
    const webhooks = eventWebhooks() as unknown as Record<
      string,
      { post: { requestBody: { content: { 'application/json': { schema: object } } } } }
    >;
    const ajv = new Ajv({ strict: false });
    const bodies = receivers.flatMap((r) => r.got.map((g) => g.event));
    expect(bodies.length).toBeGreaterThan(10);
    for (const event of bodies) {
      const validate = ajv.compile(webhooks[event.type]!.post.requestBody.content['application/json'].schema);
      expect(validate(event), `${event.type}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });
});
