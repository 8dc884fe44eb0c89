// A sent message's media: the row keeps the storage key, and GET /api/messages/{id} answers a URL
// signed for that answer, which serves the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaKey } from '../../src/media/storage/types.js';
import { ENGINES } from '../helpers/db.js';
import { bearer } from '../helpers/app.js';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';
import { sample, serveBytes, sha256, startSource, type SourceServer } from '../media/helpers.js';

describe.each(ENGINES)('media of a message read back (%s)', (engine) => {
  let gw: SimGateway;
  let source: SourceServer;
  beforeAll(async () => {
    source = await startSource();
    gw = await startSimGateway(engine, { MEDIA_ALLOW_PRIVATE_NETWORKS: 'true' });
  });
  afterAll(async () => {
    await gw.close();
    await source.close();
  });

  it('stores the key, and answers a freshly signed URL that serves the file', async () => {
    const bytes = Buffer.concat([sample('.jpg'), Buffer.from(`read-${engine}`)]);
    source.route('/photo.jpg', serveBytes(bytes));
    const sent = await gw.send({
      phone_number: '+27123456789',
      message_type: 'image',
      media_url: `${source.url}/photo.jpg`,
      caption: 'Look',
    });
    expect(sent.statusCode, sent.body).toBe(200);
    const wamid = sent.json().data.message_id as string;
    const row = await gw.ctx.db.kysely
      .selectFrom('helpdesk_messages')
      .select(['id', 'media_url'])
      .where('whatsapp_message_id', '=', wamid)
      .executeTakeFirstOrThrow();
    expect(row.media_url).toBe(mediaKey(gw.tenant.organizationId, sha256(bytes)));

    const res = await gw.app.inject({
      method: 'GET',
      url: `/api/messages/${encodeURIComponent(wamid)}?tenantId=${gw.tenant.slug}`,
      headers: bearer(gw.tenant.key),
    });
    expect(res.statusCode, res.body).toBe(200);
    const { data } = res.json();
    expect(data).toMatchObject({
      id: row.id,
      message_type: 'image',
      status: 'sent',
      content: { message_type: 'image', caption: 'Look', media_url: `${source.url}/photo.jpg` },
      media: { status: 'stored', url: expect.stringContaining(`/media/${row.media_url}?exp=`) },
    });
    const url = new URL(data.media.url as string);
    expect(url.origin).toBe(new URL(gw.config.publicUrl).origin);
    expect(data.media.expires_at).toBe(new Date(Number(url.searchParams.get('exp')) * 1000).toISOString());
    expect(Date.parse(data.media.expires_at as string)).toBeGreaterThan(Date.now() + 364 * 86_400_000);
    const served = await gw.app.inject({ method: 'GET', url: url.pathname + url.search });
    expect(served.statusCode).toBe(200);
    expect(sha256(served.rawPayload)).toBe(sha256(bytes));
  });
});
