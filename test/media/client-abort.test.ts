import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';
import { sample } from './helpers.js';

// A client that hangs up takes its media download with it: the gateway must not go on fetching
// (a slow source, many clients) for answers nobody will read.
describe('a client hanging up during the media download', () => {
  let gw: SimGateway;
  let source: http.Server;
  let open = 0;
  let base: string;
  let gatewayUrl: string;
  beforeAll(async () => {
    source = http.createServer((_req, res) => {
      open++;
      res.once('close', () => open--);
      res.writeHead(200, { 'content-type': 'application/pdf' });
      res.write(sample('.pdf'));
      const t = setInterval(() => res.write(' '), 100);
      res.once('close', () => clearInterval(t));
    });
    await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
    gw = await startSimGateway('sqlite', { MEDIA_ALLOW_PRIVATE_NETWORKS: 'true' });
    await gw.app.listen({ host: '127.0.0.1', port: 0 });
    gatewayUrl = `http://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    source.closeAllConnections();
    await new Promise((r) => source.close(r));
    await gw.close();
  });

  it('closes the connection to the source soon after the client goes', async () => {
    const clients = Array.from({ length: 5 }, () => {
      const controller = new AbortController();
      const done = fetch(`${gatewayUrl}/send-whatsapp?tenantId=${gw.tenant.slug}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gw.tenant.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ phone_number: '+27123456789', message_type: 'document', media_url: `${base}/slow.pdf` }),
        signal: controller.signal,
      }).catch(() => undefined);
      return { controller, done };
    });
    const deadline = Date.now() + 5000;
    while (open < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(open).toBe(5);
    for (const c of clients) c.controller.abort();
    await Promise.all(clients.map((c) => c.done));
    const until = Date.now() + 3000;
    while (open > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(open).toBe(0);
  });
});
