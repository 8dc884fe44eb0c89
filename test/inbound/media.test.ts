// Inbound media end to end on the real simulator: a customer's file arrives in a signed webhook, the
// message is visible at once with its media pending, and the fetcher stores the bytes under a key
// that the gateway's signer turns into a URL serving them.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundMediaFetching } from '../../src/jobs/inbound-media.js';
import { claimDueMedia, recordMediaFailure, recordMediaStored } from '../../src/inbound/media-rows.js';
import { isMediaKey } from '../../src/media/storage/types.js';
import { ENGINES } from '../helpers/db.js';
import { fetchSigned, pngBytes, startMediaWorld, until, type MediaWorld } from './media-setup.js';

describe.each(ENGINES)('inbound media (%s)', (engine) => {
  let w: MediaWorld;
  beforeAll(async () => {
    w = await startMediaWorld(engine);
  });
  afterAll(async () => w.close());

  it('shows the message at once with its media pending, then stores it under a key that signs into a URL serving the bytes', async () => {
    const bytes = pngBytes(4096);
    const { wamid, media } = await w.customerSends({
      type: 'image',
      image: { data: bytes.toString('base64'), mime_type: 'image/png', caption: 'look' },
    });
    // Meta has its 200 and the row is there, media pending: nothing was downloaded yet.
    const pending = await w.row(wamid);
    expect(pending).toMatchObject({
      direction: 'inbound',
      message_type: 'image',
      media_status: 'pending',
      media_url: null,
    });
    expect(JSON.parse(pending.content)).toMatchObject({ type: 'image', id: media['id'], caption: 'look' });

    const fetcher = w.fetcher();
    expect(await fetcher.runDue()).toBe(1);
    const row = await w.row(wamid);
    expect(row.media_status).toBe('stored');
    expect(row.error_code).toBeNull();
    const sha = createHash('sha256').update(bytes).digest('hex');
    // The key, never a signed URL: no signature is stored.
    expect(row.media_url).toBe(`org/${w.tenant.organizationId}/${sha}`);
    expect(isMediaKey(row.media_url!)).toBe(true);
    expect(row.media_url).not.toMatch(/sig=|exp=|https?:/);

    const served = await fetchSigned(w.gw, w.gw.ctx.media.signer.url(row.media_url!));
    expect(served.status).toBe(200);
    expect(served.type).toBe('image/png');
    expect(served.body.equals(bytes)).toBe(true);
    // Settled: nothing is due any more.
    expect(await fetcher.runDue()).toBe(0);
    // Its event, written with the outcome: the storage key, never a signed URL (signed when sent).
    const events = await w.gw.ctx.db.kysely
      .selectFrom('events')
      .selectAll()
      .where('type', '=', 'message.media_ready')
      .execute();
    const ready = events
      .map((e) => JSON.parse(e.payload) as Record<string, unknown>)
      .find((d) => d['message_id'] === row.id);
    expect(ready).toMatchObject({ whatsapp_message_id: wamid, media_key: row.media_url });
    expect(JSON.stringify(ready)).not.toMatch(/sig=/);
  });

  it('stores a sticker (WebP), a type the gateway never sends', async () => {
    const { wamid } = await w.customerSends({ type: 'sticker', sticker: { animated: false } });
    await w.fetcher().runDue();
    const row = await w.row(wamid);
    expect(row.media_status).toBe('stored');
    const stored = await w.gw.ctx.media.storage.head(row.media_url!);
    expect(stored?.contentType).toBe('image/webp');
    const served = await fetchSigned(w.gw, w.gw.ctx.media.signer.url(row.media_url!));
    expect(served.body.subarray(8, 12).toString('latin1')).toBe('WEBP');
  });

  it('stores documents, audio and video, with the type read from the bytes', async () => {
    const sent = [
      await w.customerSends({ type: 'document', document: { filename: 'invoice.pdf' } }),
      await w.customerSends({ type: 'audio', audio: { voice: true } }),
      await w.customerSends({ type: 'video', video: {} }),
    ];
    await w.fetcher().runDue();
    const types: string[] = [];
    for (const s of sent) {
      const row = await w.row(s.wamid);
      expect(row.media_status).toBe('stored');
      types.push((await w.gw.ctx.media.storage.head(row.media_url!))!.contentType);
    }
    expect(types).toEqual(['application/pdf', 'audio/ogg', 'video/mp4']);
  });

  it('is woken by the webhook processor as soon as a message with media is stored', async () => {
    // The job's timer is an hour: only the processor's wake can fetch within the test.
    const job = inboundMediaFetching({ fetcher: w.gw.ctx.inboundMedia, intervalMs: 3_600_000 });
    await job.start();
    try {
      const { wamid } = await w.customerSends({ type: 'image', image: { size: 3000 } });
      const row = await until('media stored by the wake', async () => {
        const r = await w.row(wamid);
        return r.media_status === 'stored' ? r : undefined;
      });
      expect(isMediaKey(row.media_url!)).toBe(true);
    } finally {
      await job.stop();
    }
  });

  it('lets several fetchers share the work: each message is fetched once', async () => {
    const sent = [];
    for (let i = 0; i < 6; i++)
      sent.push(await w.customerSends({ type: 'image', image: { data: pngBytes(1500, i + 10).toString('base64') } }));
    const [a, b] = [w.fetcher({ concurrency: 2 }), w.fetcher({ concurrency: 2 })];
    const counts = await Promise.all([a.runDue(), b.runDue()]);
    expect(counts[0] + counts[1]).toBe(6);
    for (const s of sent) {
      const row = await w.row(s.wamid);
      expect(row).toMatchObject({ media_status: 'stored', media_attempts: 1 });
    }
  });

  it('takes over a row whose claimant died once its lease passes, and the late claimant cannot overwrite it', async () => {
    const { wamid } = await w.customerSends({ type: 'image', image: { data: pngBytes(1200, 77).toString('base64') } });
    // Another instance claims the row for a minute, then dies without settling it.
    const t0 = Date.now();
    const [dead] = await claimDueMedia(
      w.gw.ctx.db,
      new Date(t0).toISOString(),
      new Date(t0 + 60_000).toISOString(),
      10,
    );
    expect(dead).toMatchObject({ media_attempts: 1 });
    // While its lease holds, nobody else touches the row.
    expect(await w.fetcher().runDue()).toBe(0);
    expect(await w.row(wamid)).toMatchObject({ media_status: 'pending', media_attempts: 1 });
    // Past the lease, the row is due again: this fetcher takes it as attempt 2 and stores it.
    expect(await w.fetcher({ now: () => Date.now() + 61_000 }).runDue()).toBe(1);
    const stored = await w.row(wamid);
    expect(stored).toMatchObject({ media_status: 'stored', media_attempts: 2, error_code: null });
    // The first claimant wakes up late: neither its success nor its failure may replace the result.
    const now = new Date().toISOString();
    expect(await recordMediaStored(w.gw.ctx.db, dead!, 'org/x/not-the-stored-key', now)).toBe(false);
    expect(
      await recordMediaFailure(w.gw.ctx.db, dead!, { final: true, code: 'late', message: 'late', details: {} }, now),
    ).toBe(false);
    expect(await w.row(wamid)).toEqual(stored);
  });

  it('lets only the newest claim settle a row that is still pending', async () => {
    const { wamid } = await w.customerSends({ type: 'image', image: { data: pngBytes(1200, 78).toString('base64') } });
    const db = w.gw.ctx.db;
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const [first] = await claimDueMedia(db, at(0), at(60_000), 10);
    // The first claim's lease passed while it still worked: a second instance claims the row.
    const [second] = await claimDueMedia(db, at(61_000), at(121_000), 10);
    expect([first?.media_attempts, second?.media_attempts]).toEqual([1, 2]);
    const failure = { final: false, nextAt: at(0), code: 'late', message: 'late', details: {} };
    expect(await recordMediaFailure(db, first!, failure, at(0))).toBe(false);
    expect(await recordMediaStored(db, first!, 'org/x/first-claims-key', at(0))).toBe(false);
    expect(await w.row(wamid)).toMatchObject({ media_status: 'pending', media_attempts: 2, media_url: null });
    expect(await recordMediaStored(db, second!, 'org/x/second-claims-key', at(0))).toBe(true);
    expect(await w.row(wamid)).toMatchObject({ media_status: 'stored', media_url: 'org/x/second-claims-key' });
  });
});
