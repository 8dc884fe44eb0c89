import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetaSim, type MetaSim } from '../../meta-sim/index.js';
import { META_TOKEN, PHONE_ID } from '../helpers/sim.js';
import { sample } from '../media/helpers.js';
import { seedDatabase, sendText, spawnGateway, type GatewayProcess, type SeededDatabase } from './process.js';

// Media sources that misbehave in every way a hostile tenant can arrange, sent all at once to the
// real gateway process: each request gets an answer in the document's shape, and the process stays
// up and keeps sending.
const PDF = Buffer.concat([sample('.pdf'), Buffer.alloc(6 * 1024 * 1024, 0x20)]);

function hostileSource(): http.Server {
  return http.createServer((req, res) => {
    const socket = req.socket;
    switch (new URL(req.url ?? '/', 'http://x').pathname) {
      case '/close-after-body': // Content-Length and Connection: close, like python's http.server
        res
          .writeHead(200, { 'content-type': 'application/pdf', 'content-length': PDF.length, connection: 'close' })
          .end(PDF);
        return;
      case '/early-close': // headers promise 6 MB, the socket ends after 64 KB
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': PDF.length });
        res.write(PDF.subarray(0, 65536), () => socket.end());
        return;
      case '/reset-mid-body':
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': PDF.length });
        res.write(PDF.subarray(0, 65536), () => socket.resetAndDestroy());
        return;
      case '/slow-drip': {
        res.writeHead(200, { 'content-type': 'application/pdf' });
        const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(' ')), 200);
        res.once('close', () => clearInterval(t));
        return;
      }
      case '/lies-short': // declares less than it sends
        socket.end(
          `HTTP/1.1 200 OK\r\ncontent-type: application/pdf\r\ncontent-length: 100\r\n\r\n${PDF.subarray(0, 4096).toString('latin1')}`,
          'latin1',
        );
        return;
      case '/lies-long': // declares more than it sends, then closes
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': 200 * 1024 * 1024 });
        res.write(PDF.subarray(0, 1024 * 1024), () => socket.end());
        return;
      case '/endless': {
        res.writeHead(200, { 'content-type': 'application/pdf' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        res.write(sample('.pdf'));
        pump();
        return;
      }
      case '/garbage':
        socket.end('this is not HTTP at all\r\n\r\n');
        return;
      default:
        res.writeHead(404).end();
    }
  });
}

describe('hostile media sources against the real gateway', () => {
  let sim: MetaSim;
  let source: http.Server;
  let base: string;
  let seeded: SeededDatabase;
  let gw: GatewayProcess;
  beforeAll(async () => {
    sim = await startMetaSim({ phones: { [PHONE_ID]: META_TOKEN } });
    source = hostileSource();
    await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
    seeded = await seedDatabase();
    gw = await spawnGateway(seeded, {
      META_GRAPH_URL: sim.url,
      MEDIA_ALLOW_PRIVATE_NETWORKS: 'true',
      MEDIA_DOWNLOAD_TIMEOUT_MS: '3000',
    });
  });
  afterAll(async () => {
    gw.proc.kill('SIGTERM');
    await gw.exited;
    source.closeAllConnections();
    await new Promise((r) => source.close(r));
    await sim.close();
  });

  it("answers every request, in the document's shape, and stays up", async () => {
    const cases: [path: string, type: string][] = [];
    for (const p of [
      '/close-after-body',
      '/early-close',
      '/reset-mid-body',
      '/slow-drip',
      '/lies-short',
      '/lies-long',
      '/endless',
      '/garbage',
    ]) {
      for (const type of ['image', 'document']) cases.push([p, type]);
    }
    const all = [...cases, ...cases]; // twice each, all at once
    const pending = new Set<string>();
    const report = setTimeout(() => console.error('still waiting for', [...pending]), 15_000);
    const answers = await Promise.all(
      all.map(async ([p, type], i) => {
        pending.add(`${i}${p} ${type}`);
        const started = Date.now();
        const res = await fetch(`${gw.url}/send-whatsapp?tenantId=${seeded.slug}`, {
          signal: AbortSignal.timeout(20_000),
          method: 'POST',
          headers: { authorization: `Bearer ${seeded.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ phone_number: '+27123456789', message_type: type, media_url: `${base}${p}` }),
        });
        const body = (await res.json()) as Record<string, unknown>;
        pending.delete(`${i}${p} ${type}`);
        if (process.env.DEBUG_HOSTILE) console.log(p, type, res.status, Date.now() - started, JSON.stringify(body));
        return { p, type, status: res.status, body };
      }),
    );
    clearTimeout(report);
    for (const a of answers) {
      if (a.status === 200) {
        // A well-formed file: the 6 MB document, or the first 100 bytes the short liar declared
        // (HTTP says the body is what Content-Length says; the rest is not part of it).
        expect(['/close-after-body', '/lies-short'], JSON.stringify(a)).toContain(a.p);
        continue;
      }
      expect(a.status, JSON.stringify(a)).toBe(400);
      expect(Object.keys(a.body).sort(), JSON.stringify(a)).toEqual(['error', 'message', 'request_id']);
    }
    expect(gw.proc.exitCode, gw.output()).toBeNull();
    expect((await sendText(gw, seeded, 'still here')).status).toBe(200);
    expect(gw.output()).not.toMatch(/AssertionError|uncaught/i);
  }, 60_000);
});
