// Range handling on GET /media (RFC 9110 §14.2): a Range header the server cannot parse is
// ignored (200, whole file); a well-formed range past the end is 416 with `bytes */size`; every
// answer, 416 included, carries the same security headers as a 200.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';
import { sample, serveBytes, sha256, startSource, type SourceServer } from './helpers.js';

describe('Range on signed media URLs', () => {
  let gw: SimGateway;
  let source: SourceServer;
  let path: string;
  let bytes: Buffer;
  beforeAll(async () => {
    source = await startSource();
    bytes = Buffer.concat([sample('.jpg'), Buffer.alloc(3000, 9)]);
    source.route('/range.jpg', serveBytes(bytes));
    gw = await startSimGateway('sqlite', { MEDIA_ALLOW_PRIVATE_NETWORKS: 'true' });
    const res = await gw.send({
      phone_number: '+27123456789',
      message_type: 'image',
      media_url: `${source.url}/range.jpg`,
    });
    const row = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select('media_url')
      .where('whatsapp_message_id', '=', res.json().data.message_id)
      .executeTakeFirstOrThrow();
    const signed = new URL(gw.ctx.media.signer.url(row.media_url!)); // the row keeps the key, signed on read
    path = signed.pathname + signed.search;
  });
  afterAll(async () => {
    await gw.close();
    await source.close();
  });

  const get = (headers: Record<string, string> = {}) => gw.app.inject({ method: 'GET', url: path, headers });

  it.each([
    'bytes=abc',
    'items=0-5',
    'bytes=5-2',
    'bytes=-',
    'bytes=0-5;x',
    'bytes 0-5',
    'bytes=1-2-3',
    'bytes=0-5,10-20',
  ])('ignores the Range %j it cannot parse or honour, serving the whole file', async (range) => {
    const res = await get({ range });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-range']).toBeUndefined();
    expect(res.headers['content-length']).toBe(String(bytes.length));
    expect(sha256(res.rawPayload)).toBe(sha256(bytes));
  });

  it.each([
    () => `bytes=${bytes.length}-`,
    () => `bytes=${bytes.length + 100}-${bytes.length + 200}`,
    () => 'bytes=-0',
  ])('answers a valid but unsatisfiable range with 416 and bytes */size', async (range) => {
    const res = await get({ range: range() });
    expect(res.statusCode).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${bytes.length}`);
  });

  it('still serves satisfiable ranges, clamped to the end', async () => {
    const res = await get({ range: `bytes=${bytes.length - 10}-${bytes.length + 50}` });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${bytes.length - 10}-${bytes.length - 1}/${bytes.length}`);
    expect(res.rawPayload.equals(bytes.subarray(bytes.length - 10))).toBe(true);
  });

  it('gives a 416 the same security headers as a 200', async () => {
    const ok = await get();
    const unsatisfiable = await get({ range: `bytes=${bytes.length}-` });
    expect(unsatisfiable.statusCode).toBe(416);
    const security = [
      'content-security-policy',
      'strict-transport-security',
      'x-content-type-options',
      'x-frame-options',
      'referrer-policy',
      'cross-origin-embedder-policy',
    ];
    const present = security.filter((h) => ok.headers[h] !== undefined);
    expect(present.length).toBeGreaterThan(3);
    for (const h of present) expect(unsatisfiable.headers[h], h).toBe(ok.headers[h]);
  });
});
