import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';
import { sample, serveBytes, sha256, startSource, type SourceServer } from './helpers.js';

describe('signed media URLs served by the gateway', () => {
  let gw: SimGateway;
  let source: SourceServer;
  let signed: URL;
  let bytes: Buffer;
  beforeAll(async () => {
    source = await startSource();
    bytes = Buffer.concat([sample('.jpg'), Buffer.alloc(5000, 7)]);
    source.route('/photo.jpg', serveBytes(bytes));
    gw = await startSimGateway('sqlite', { MEDIA_ALLOW_PRIVATE_NETWORKS: 'true' });
    const res = await gw.send({
      phone_number: '+27123456789',
      message_type: 'image',
      media_url: `${source.url}/photo.jpg`,
    });
    const row = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select('media_url')
      .where('whatsapp_message_id', '=', res.json().data.message_id)
      .executeTakeFirstOrThrow();
    signed = new URL(gw.ctx.media.signer.url(row.media_url!)); // the row keeps the key, signed on read
  });
  afterAll(async () => {
    await gw.close();
    await source.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) => gw.app.inject({ method: 'GET', url, headers });

  it('serves the bytes with type, length, ETag and long cache headers', async () => {
    const res = await get(signed.pathname + signed.search);
    expect(res.statusCode).toBe(200);
    expect(sha256(res.rawPayload)).toBe(sha256(bytes));
    expect(res.headers).toMatchObject({
      'content-type': 'image/jpeg',
      'content-length': String(bytes.length),
      'accept-ranges': 'bytes',
    });
    expect(res.headers.etag).toBe(`"${sha256(bytes)}"`);
    expect(Number(/max-age=(\d+)/.exec(String(res.headers['cache-control']))![1])).toBeGreaterThan(364 * 86400);
    expect(
      (await get(signed.pathname + signed.search, { 'if-none-match': res.headers.etag as string })).statusCode,
    ).toBe(304);
  });

  it('answers Range requests with 206, and 416 out of range', async () => {
    const part = await get(signed.pathname + signed.search, { range: 'bytes=10-109' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-109/${bytes.length}`);
    expect(part.rawPayload.equals(bytes.subarray(10, 110))).toBe(true);
    const tail = await get(signed.pathname + signed.search, { range: 'bytes=-20' });
    expect(tail.rawPayload.equals(bytes.subarray(bytes.length - 20))).toBe(true);
    expect((await get(signed.pathname + signed.search, { range: `bytes=${bytes.length}-` })).statusCode).toBe(416);
  });

  it('answers 403 to a tampered signature, another key or expiry, and an expired URL', async () => {
    const key = signed.pathname.slice('/media/'.length);
    const exp = signed.searchParams.get('exp')!;
    const sig = signed.searchParams.get('sig')!;
    const otherKey = key.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const expired = new URL(gw.ctx.media.signer.url(key, Date.now() - 400 * 86400_000));
    for (const url of [
      `/media/${key}?exp=${exp}&sig=${sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`,
      `/media/${key}?exp=${Number(exp) + 1}&sig=${sig}`,
      `/media/${otherKey}?exp=${exp}&sig=${sig}`,
      `/media/${key}?exp=${exp}`,
      expired.pathname + expired.search,
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.json()).toMatchObject({ error: 'Forbidden' });
    }
    expect((await get(expired.pathname + expired.search)).json().message).toMatch(/expired/);
  });

  it('never serves a path outside the storage root', async () => {
    for (const url of [
      '/media/../../etc/passwd',
      '/media/%2e%2e/%2e%2e/etc/passwd?exp=9999999999&sig=x',
      '/media/org/..%2f..%2fflowiq-secret?exp=1&sig=x',
    ]) {
      const res = await get(url);
      expect([403, 404]).toContain(res.statusCode);
      expect(res.body).not.toContain('root:');
    }
  });
});
