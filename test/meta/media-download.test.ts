// The bearer download of Meta's media URL: the organization's token goes to the origin Meta's
// answer named and nowhere else, whatever redirects that origin answers with.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SAME_ORIGIN_REDIRECTS, downloadWithBearer } from '../../src/meta/media-download.js';

const TOKEN = 'EAAG-media-download-token-0123456789';

interface Host {
  origin: string;
  seen: { url: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

/** A loopback server answering by path: /bytes serves a body, /to?u=… redirects to u. */
async function host(): Promise<Host> {
  const seen: Host['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/bytes') return res.writeHead(200, { 'content-type': 'image/png' }).end('the-bytes');
    if (u.pathname === '/to') return res.writeHead(302, { location: u.searchParams.get('u') ?? '' }).end();
    if (u.pathname === '/loop') return res.writeHead(301, { location: '/loop' }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, seen, close: () => new Promise((r) => server.close(() => r())) };
}

describe('media download with the bearer token', () => {
  let meta: Host;
  let elsewhere: Host;
  let tmpDir: string;
  const opts = () => ({ token: TOKEN, maxBytes: 1024, tmpDir, connectTimeoutMs: 2000, timeoutMs: 5000 });
  beforeAll(async () => {
    [meta, elsewhere] = await Promise.all([host(), host()]);
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bearer-'));
  });
  afterAll(async () => {
    await Promise.all([meta.close(), elsewhere.close()]);
    fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it('follows a redirect on the same origin, token included', async () => {
    meta.seen.length = 0;
    const r = await downloadWithBearer(`${meta.origin}/to?u=/bytes`, opts());
    expect(r).toMatchObject({ ok: true, size: 9 });
    if (r.ok) expect(fs.readFileSync(r.filePath, 'utf8')).toBe('the-bytes');
    expect(meta.seen.map((s) => s.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it.each([
    ['another port', () => `${elsewhere.origin}/bytes`],
    ['another host name', () => `${elsewhere.origin.replace('127.0.0.1', 'localhost')}/bytes`],
    ['https on the same host', () => `${meta.origin.replace('http:', 'https:')}/bytes`],
  ])('never follows a redirect to %s, so neither the token nor a request reaches it', async (_name, target) => {
    elsewhere.seen.length = 0;
    const location = target();
    const r = await downloadWithBearer(`${meta.origin}/to?u=${encodeURIComponent(location)}`, opts());
    expect(r).toEqual({ ok: false, reason: 'redirect', statusCode: 302, location });
    expect(elsewhere.seen).toEqual([]);
  });

  it(`stops after ${MAX_SAME_ORIGIN_REDIRECTS} redirects on the same origin`, async () => {
    meta.seen.length = 0;
    const r = await downloadWithBearer(`${meta.origin}/loop`, opts());
    expect(r).toMatchObject({ ok: false, reason: 'redirect', statusCode: 301 });
    expect(meta.seen).toHaveLength(MAX_SAME_ORIGIN_REDIRECTS + 1);
  });
});
