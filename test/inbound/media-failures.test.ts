// Inbound media failures on the real simulator: each is recorded on the row, retried while it may
// succeed, failed for good when it cannot.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { envelope, post } from './helpers.js';
import { META_TOKEN, PHONE_ID, pngBytes, startMediaWorld, until, type MediaWorld } from './media-setup.js';

describe.each(ENGINES)('inbound media failures (%s)', (engine) => {
  let w: MediaWorld;
  beforeAll(async () => {
    w = await startMediaWorld(engine);
  });
  afterAll(async () => w.close());

  /** A fetcher whose retries fall due an hour later, and one that lives an hour ahead to take them. */
  const slow = () => w.fetcher({ firstRetryMs: 3_600_000, maxRetryMs: 3_600_000 });
  const ahead = () => w.fetcher({ now: () => Date.now() + 2 * 3_600_000 });

  async function settle(wamid: string, status: string, fetcher = w.fetcher()) {
    return until(`media ${status}`, async () => {
      await fetcher.runDue();
      const r = await w.row(wamid);
      return r.media_status === status ? r : undefined;
    });
  }

  it('fails an image over 5 MB for good, with the reason, from the size Meta gives', async () => {
    const { wamid } = await w.customerSends({ type: 'image', image: { size: 5_000_001 } });
    const row = await settle(wamid, 'failed');
    expect(row).toMatchObject({ error_code: 'media_too_large', media_url: null, media_attempts: 1 });
    expect(row.error_message).toMatch(/5000000 bytes/);
  });

  it('records a SHA-256 that does not match the bytes, retries, then fails for good; a base64 one that matches is stored', async () => {
    const bytes = pngBytes(2000, 99);
    const { media } = await w.customerSends({ type: 'image', image: { data: bytes.toString('base64') } });
    const wrong = createHash('sha256').update('other bytes').digest('base64');
    const right = createHash('sha256').update(bytes).digest('base64');
    const message = (id: string, sha256: string) => ({
      from: '16505551234',
      id,
      timestamp: String(Math.floor(Date.now() / 1000)),
      type: 'image',
      image: { id: media['id'], mime_type: 'image/png', sha256 },
    });
    const body = envelope(PHONE_ID, {
      contacts: [{ profile: { name: 'C' }, wa_id: '16505551234' }],
      messages: [message('wamid.sha-wrong', wrong), message('wamid.sha-right', right)],
    });
    expect((await post(w.gw, body)).statusCode).toBe(200);
    await until('rows written', async () => {
      await w.gw.ctx.inbound.idle();
      return (await w.row('wamid.sha-wrong').catch(() => undefined)) ?? undefined;
    });
    await slow().runDue();
    const first = await w.row('wamid.sha-wrong');
    expect(first).toMatchObject({ media_status: 'pending', error_code: 'media_sha256_mismatch', media_attempts: 1 });
    expect(first.media_next_at).not.toBeNull();
    const failed = await settle('wamid.sha-wrong', 'failed', ahead());
    expect(failed).toMatchObject({ error_code: 'media_sha256_mismatch', media_attempts: 3, media_url: null });
    expect((await w.row('wamid.sha-right')).media_status).toBe('stored');
  });

  it('retries an expired download URL, and stores the media once URLs last again', async () => {
    w.sim.webhooks.configure({ mediaUrlTtlMs: 1 });
    const { wamid } = await w.customerSends({ type: 'image', image: { size: 2000 } });
    let expire = true;
    const meta = w.gw.ctx.meta;
    const fetcher = w.fetcher({
      firstRetryMs: 3_600_000,
      meta: {
        getMedia: (id, token, opts) => meta.getMedia(id, token, opts),
        // Waits, by asking, until the 1 ms URL has expired: no fixed sleep.
        downloadMedia: async (url, token, opts) => {
          if (expire)
            await until('the URL expired', async () => {
              const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
              await res.arrayBuffer();
              return res.status === 404 ? true : undefined;
            });
          return meta.downloadMedia(url, token, opts);
        },
      },
    });
    await fetcher.runDue();
    const row = await w.row(wamid);
    expect(row).toMatchObject({ media_status: 'pending', error_code: 'media_download_failed', media_attempts: 1 });
    expect(JSON.parse(row.error_details!)).toMatchObject({ http_status: 404, attempts: 1 });
    expire = false;
    w.sim.webhooks.configure({ mediaUrlTtlMs: 300_000 });
    const stored = await settle(wamid, 'stored', ahead());
    expect(stored.error_code).toBeNull();
    expect(stored.media_attempts).toBeGreaterThanOrEqual(2);
  });

  it('retries while Meta refuses the token (190), and stores once the token is right', async () => {
    await w.gw.ctx.organizations.update(w.tenant.slug, { metaToken: 'EAAG-not-the-right-token' });
    const { wamid } = await w.customerSends({ type: 'document', document: {} });
    await slow().runDue();
    const row = await w.row(wamid);
    expect(row).toMatchObject({ media_status: 'pending', error_code: 'media_lookup_failed', media_attempts: 1 });
    expect(JSON.parse(row.error_details!)).toMatchObject({ http_status: 401, meta_error: { code: 190 } });
    await w.gw.ctx.organizations.update(w.tenant.slug, { metaToken: META_TOKEN });
    await settle(wamid, 'stored', ahead());
  });

  it('fails for good once the media id is past Meta’s 7 days', async () => {
    const { wamid } = await w.customerSends({ type: 'image', image: { size: 2000 } });
    const later = w.fetcher({ now: () => Date.now() + 8 * 24 * 3600 * 1000 });
    const row = await settle(wamid, 'failed', later);
    expect(row.error_code).toBe('media_expired');
  });
});
