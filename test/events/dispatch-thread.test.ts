// The dispatcher in its own thread (EVENTS_DISPATCH=thread, for a database the gateway opens
// itself): the gateway's own wakes reach the thread, which delivers with its own connection,
// in commit order per conversation, signed; shutdown waits for it; a thread that dies is replaced.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DispatchThread } from '../../src/events/dispatch-thread.js';
import { replayEvents } from '../../src/events/replay.js';
import type { EventEnvelope } from '../../src/events/dispatcher.js';
import { startGateway, type TestGateway } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import { deliver, envelope, seedApp, seedWebhookTenant, type WebhookTenant } from '../inbound/helpers.js';
import { until } from '../inbound/media-setup.js';

interface Got {
  headers: http.IncomingHttpHeaders;
  body: string;
  event: EventEnvelope;
}

async function receiver(): Promise<{ url: string; got: Got[]; close(): Promise<void> }> {
  const got: Got[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body, event: JSON.parse(body) as EventEnvelope });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let seq = 0;

describe.each(ENGINES)('event dispatch in its own thread (%s)', (engine) => {
  let gw: TestGateway;
  let t: WebhookTenant;
  let r: Awaited<ReturnType<typeof receiver>>;
  let secret: string;
  let endpointId: string;

  beforeAll(async () => {
    gw = await startGateway(engine, { EVENTS_ALLOW_PRIVATE_NETWORKS: 'true', EVENTS_DISPATCH: 'thread' }, undefined, {
      ownDatabase: true,
    });
    await seedApp(gw);
    t = await seedWebhookTenant(gw);
    r = await receiver();
    ({ secret, id: endpointId } = await gw.ctx.endpoints.create(t.organizationId, {
      url: r.url,
      eventTypes: ['message.received'],
    }));
  });
  afterAll(async () => {
    await gw.close();
    await r.close();
  });

  const notDelivered = () =>
    gw.ctx.db.kysely.selectFrom('event_deliveries').select('state').where('state', '!=', 'delivered').execute();

  async function customerSends(texts: string[]): Promise<void> {
    const from = t.phone.replace('+', '');
    await deliver(
      gw,
      envelope(t.phoneNumberId, {
        contacts: [{ profile: { name: 'Customer' }, wa_id: from }],
        messages: texts.map((body) => ({
          from,
          id: `wamid.thr${process.pid}x${++seq}`,
          timestamp: String(1_700_000_000 + seq),
          type: 'text',
          text: { body },
        })),
      }),
    );
  }

  it('delivers what the gateway commits from the thread, in commit order, signed', async () => {
    expect(gw.ctx.events).toBeInstanceOf(DispatchThread);
    const texts = Array.from({ length: 12 }, (_, i) => `message ${i}`);
    for (let i = 0; i < texts.length; i += 3) await customerSends(texts.slice(i, i + 3));
    await until('all delivered', async () => (r.got.length >= texts.length ? true : undefined), 20_000);
    const bodies = r.got.map((g) => (g.event.data['content'] as { body: string }).body);
    expect(bodies).toEqual(texts);
    const wh = new Webhook(secret);
    for (const g of r.got) expect(() => wh.verify(g.body, g.headers as Record<string, string>)).not.toThrow();
  });

  it('starts the thread again when it dies, and delivers what was due meanwhile', async () => {
    const thread = gw.ctx.events as DispatchThread;
    await thread.crashForTests();
    const before = r.got.length;
    await customerSends(['after the crash']);
    await until('delivered by the new thread', async () => (r.got.length > before ? true : undefined), 20_000);
    expect((r.got.at(-1)!.event.data['content'] as { body: string }).body).toBe('after the crash');
  });

  it('answers idle once what was due has been delivered, including what a wake not yet sent asked for', async () => {
    await until('settled', async () => ((await notDelivered()).length === 0 ? true : undefined), 20_000);
    // A replay makes deliveries due without waking anyone (the CLI's, in another process).
    const before = r.got.length;
    const replayed = await replayEvents(gw.ctx.db, {
      organizationId: t.organizationId,
      endpointId,
      since: new Date(0).toISOString(),
    });
    expect(replayed).toBeGreaterThan(0);
    gw.ctx.events.wake();
    await gw.ctx.events.idle();
    expect(r.got.length).toBe(before + replayed);
    expect(await notDelivered()).toEqual([]);
  });
});
