import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mediaKey } from '../../src/media/storage/types.js';
import { SAMPLE } from '../meta-sim/helpers.js';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';
import { cfb, filesUnder, sample, serveBytes, sha256, startS3, startSource, type SourceServer } from './helpers.js';

// The document's Media Upload Flow, all five steps, on both storage backends: download, store, sign
// for a year, upload to Meta and send by id, keep the storage key on the row. The bytes Meta receives,
// the bytes the signed URL serves and the source's bytes are the same.
const CASES: {
  name: string;
  file: string;
  bytes: () => Buffer;
  mime: string;
  body: (url: string) => Record<string, unknown>;
  graphType: string;
  filename?: string;
}[] = [
  {
    name: 'image (JPEG)',
    file: '/photo.jpg',
    bytes: () => sample('.jpg'),
    mime: 'image/jpeg',
    body: (url) => ({ message_type: 'image', media_url: url, caption: 'Our latest product!' }),
    graphType: 'image',
  },
  {
    name: 'image (PNG)',
    file: '/logo.png',
    bytes: () => sample('.png'),
    mime: 'image/png',
    body: (url) => ({ message_type: 'image', media_url: url }),
    graphType: 'image',
  },
  {
    name: 'video (MP4)',
    file: '/demo.mp4',
    bytes: () => sample('.mp4'),
    mime: 'video/mp4',
    body: (url) => ({ message_type: 'video', media_url: url, caption: 'Watch our demo video' }),
    graphType: 'video',
  },
  {
    name: 'audio (MP3)',
    file: '/message.mp3',
    bytes: () => sample('.mp3'),
    mime: 'audio/mpeg',
    body: (url) => ({ message_type: 'audio', media_url: url }),
    graphType: 'audio',
  },
  {
    name: 'audio (OGG Opus)',
    file: '/voice.ogg',
    bytes: () => Buffer.from(SAMPLE.oggOpus),
    mime: 'audio/ogg',
    body: (url) => ({ message_type: 'audio', media_url: url }),
    graphType: 'audio',
  },
  {
    name: 'document (PDF, filename given)',
    file: '/invoice.pdf',
    bytes: () => sample('.pdf'),
    mime: 'application/pdf',
    body: (url) => ({
      message_type: 'document',
      media_url: url,
      filename: 'Invoice_2025.pdf',
      caption: 'Please find your invoice attached',
    }),
    graphType: 'document',
    filename: 'Invoice_2025.pdf',
  },
  {
    name: 'document (PDF, name from the URL)',
    file: '/reports/Monthly%20Report.pdf',
    bytes: () => sample('.pdf'),
    mime: 'application/pdf',
    body: (url) => ({ message_type: 'document', media_url: url }),
    graphType: 'document',
    filename: 'Monthly Report.pdf',
  },
  {
    name: 'document (DOC, told apart by its extension)',
    file: '/letter.doc',
    bytes: cfb,
    mime: 'application/msword',
    body: (url) => ({ message_type: 'document', media_url: url }),
    graphType: 'document',
    filename: 'letter.doc',
  },
  // The document lists header_media.filename for every header type; an image's is accepted and unused.
  {
    name: 'button header_media (image, with a filename)',
    file: '/banner.jpg',
    bytes: () => sample('.jpg'),
    mime: 'image/jpeg',
    body: (url) => ({
      message_type: 'interactive',
      interactive: {
        type: 'button',
        body: 'New arrivals',
        header_media: { type: 'image', url, filename: 'banner.jpg' },
        buttons: [{ id: 'see', title: 'See them' }],
      },
    }),
    graphType: 'interactive',
  },
  {
    name: 'button header_media',
    file: '/product.jpg',
    bytes: () => sample('.jpg'),
    mime: 'image/jpeg',
    body: (url) => ({
      message_type: 'interactive',
      interactive: {
        type: 'button',
        body: 'Check out our new product!',
        header_media: { type: 'image', url },
        buttons: [{ id: 'buy', title: 'Buy Now' }],
      },
    }),
    graphType: 'interactive',
  },
];

const BACKENDS = [
  { name: 'filesystem', start: async () => ({ env: {}, close: async () => {} }) },
  { name: 's3 (s3rver)', start: startS3 },
];

describe.each(BACKENDS)('media pipeline on $name storage', ({ start }) => {
  let gw: SimGateway;
  let source: SourceServer;
  let backend: { env: Record<string, string>; close(): Promise<void> };
  beforeAll(async () => {
    backend = await start();
    source = await startSource();
    gw = await startSimGateway('sqlite', { MEDIA_ALLOW_PRIVATE_NETWORKS: 'true', ...backend.env });
  });
  afterAll(async () => {
    await gw.close();
    await source.close();
    await backend.close();
  });
  beforeEach(() => gw.sim.reset());

  it.each(CASES)('$name: downloads, stores, signs, uploads to Meta and sends by id', async (c) => {
    const bytes = c.bytes();
    source.route(c.file, serveBytes(bytes, { 'content-type': 'application/octet-stream' }));
    const res = await gw.send({ phone_number: '+27123456789', ...c.body(`${source.url}${c.file}`) });
    expect(res.statusCode, res.body).toBe(200);

    const [upload] = gw.sim.uploads();
    expect(upload).toMatchObject({ sha256: sha256(bytes), size: bytes.length, mimeType: c.mime });
    const payload = gw.sim.messages()[0]!.payload as Record<string, Record<string, unknown>>;
    const media =
      c.graphType === 'interactive'
        ? (payload.interactive!.header as Record<string, Record<string, unknown>>).image!
        : payload[c.graphType]!;
    expect(media.id).toBe(upload!.id);
    expect(media.link).toBeUndefined();
    if (c.filename) expect(media.filename).toBe(c.filename);

    const row = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .selectAll()
      .where('whatsapp_message_id', '=', res.json().data.message_id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('sent');
    const signed = new URL(gw.ctx.media.signer.url(row.media_url!)); // the row keeps the key, signed on read
    expect(Number(signed.searchParams.get('exp')) * 1000).toBeGreaterThan(Date.now() + 364 * 86400_000);
    const served = await gw.app.inject({ method: 'GET', url: signed.pathname + signed.search });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe(c.mime);
    expect(sha256(served.rawPayload)).toBe(sha256(bytes));
    expect(filesUnder(path.join(gw.dataDir, 'tmp'))).toEqual([]);
  });

  it('stores the same file once per organization, while each message keeps its own row and URL', async () => {
    const bytes = Buffer.concat([sample('.png'), Buffer.from('dedupe')]);
    source.route('/same.png', serveBytes(bytes));
    for (let i = 0; i < 2; i++)
      expect(
        (await gw.send({ phone_number: '+27123456789', message_type: 'image', media_url: `${source.url}/same.png` }))
          .statusCode,
      ).toBe(200);
    const rows = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['id', 'media_url'])
      .where('media_url', 'like', `%${sha256(bytes)}%`)
      .execute();
    expect(rows).toHaveLength(2);
    expect(await gw.ctx.media.storage.head(mediaKey(gw.tenant.organizationId, sha256(bytes)))).toMatchObject({
      size: bytes.length,
    });
  });

  it('never deletes an object a sent message points at: two identical sends at once, the second upload refused', async () => {
    const bytes = Buffer.concat([sample('.png'), Buffer.from(`race-${Math.random()}`)]);
    source.route('/race.png', serveBytes(bytes));
    gw.sim.injectFault({ path: 'media', skip: 1, action: { kind: 'graph_error', code: 131053, httpStatus: 400 } });
    const results = await Promise.all(
      [0, 1].map(() =>
        gw.send({ phone_number: '+27123456789', message_type: 'image', media_url: `${source.url}/race.png` }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 500]);
    const sent = results.find((r) => r.statusCode === 200)!;
    const row = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select('media_url')
      .where('whatsapp_message_id', '=', sent.json().data.message_id)
      .executeTakeFirstOrThrow();
    const signed = new URL(gw.ctx.media.signer.url(row.media_url!)); // the row keeps the key, signed on read
    const served = await gw.app.inject({ method: 'GET', url: signed.pathname + signed.search });
    expect(served.statusCode).toBe(200);
    expect(sha256(served.rawPayload)).toBe(sha256(bytes));
  });

  it('answers 500 Meta upload failed when Meta refuses the file, and leaves no sent row and no temporary file', async () => {
    const bytes = Buffer.concat([sample('.jpg'), Buffer.from('refused')]);
    source.route('/refused.jpg', serveBytes(bytes));
    gw.sim.injectFault({ path: 'media', action: { kind: 'graph_error', code: 131053, httpStatus: 400 } });
    const res = await gw.send({
      phone_number: '+27123456789',
      message_type: 'image',
      media_url: `${source.url}/refused.jpg`,
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({
      error: 'Meta upload failed',
      message: 'Failed to upload media to Meta',
      meta_error: { code: 131053 },
    });
    // The stored object stays: another message with the same bytes may reference it (media/service.ts).
    const rows = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['status', 'media_url'])
      .where('request_id', '=', res.json().request_id)
      .execute();
    expect(rows).toEqual([{ status: 'failed', media_url: null }]);
    expect(gw.sim.counts().messageCalls).toBe(0);
    expect(filesUnder(path.join(gw.dataDir, 'tmp'))).toEqual([]);
  });
});
