import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REFUSED_PORT } from '../helpers/constants.js';
import { SAMPLE } from '../meta-sim/helpers.js';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';
import { filesUnder, sample, serveBytes, startSource, type SourceServer } from './helpers.js';

// Each refused download is a 400 in the document's shape that says why, and leaves nothing behind:
// no stored object, no temporary file, no message row, nothing sent to Meta.
describe('media downloads that must fail', () => {
  let gw: SimGateway;
  let source: SourceServer;
  beforeAll(async () => {
    source = await startSource();
    gw = await startSimGateway('sqlite', { MEDIA_ALLOW_PRIVATE_NETWORKS: 'true', MEDIA_DOWNLOAD_TIMEOUT_MS: '1500' });
    const png = sample('.png');
    source.route('/image.png', serveBytes(png));
    source.route('/notes.txt', serveBytes(Buffer.from('just some text, not an image at all')));
    source.route('/big.jpg', serveBytes(Buffer.concat([sample('.jpg'), Buffer.alloc(5_000_001)])));
    source.route('/chunked.jpg', (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.write(sample('.jpg'));
      const chunk = Buffer.alloc(1_000_000);
      for (let i = 0; i < 6; i++) res.write(chunk);
      res.end();
    });
    source.route('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
    for (let i = 1; i <= 4; i++)
      source.route(`/hop${i}`, (_req, res) =>
        res.writeHead(302, { location: i === 4 ? '/image.png' : `/hop${i + 1}` }).end(),
      );
    source.route('/slow.png', (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(png.subarray(0, 10)); // then never finishes
    });
    source.route('/empty.png', serveBytes(Buffer.alloc(0)));
    source.route('/vorbis.ogg', serveBytes(Buffer.from(SAMPLE.oggVorbis)));
  });
  afterAll(async () => {
    await gw.close();
    await source.close();
  });
  beforeEach(() => gw.sim.reset());

  async function expectRefused(body: Record<string, unknown>, error: string, message: RegExp): Promise<void> {
    const before = await gw.ctx.db.kysely.selectFrom('helpdesk_messages').select('id').execute();
    const res = await gw.send({ phone_number: '+27123456789', ...body });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ error, message: expect.stringMatching(message) });
    expect(gw.sim.counts()).toMatchObject({ messageCalls: 0, mediaCalls: 0 });
    expect(filesUnder(gw.config.media.storage.kind === 'fs' ? gw.config.media.storage.dir : '/nonexistent')).toEqual(
      [],
    );
    expect(filesUnder(path.join(gw.dataDir, 'tmp'))).toEqual([]);
    expect(await gw.ctx.db.kysely.selectFrom('helpdesk_messages').select('id').execute()).toHaveLength(before.length);
  }

  it('refuses a PNG sent as a video, naming the detected type', () =>
    expectRefused(
      { message_type: 'video', media_url: `${source.url}/image.png` },
      'Unsupported media type',
      /image\/png.*video messages accept MP4/,
    ));
  it('refuses OGG audio that is not Opus, before uploading it', () =>
    expectRefused(
      { message_type: 'audio', media_url: `${source.url}/vorbis.ogg` },
      'Unsupported media type',
      /OGG audio without the Opus codec.*OGG \(Opus only\)/,
    ));
  it('refuses a text file sent as an image', () =>
    expectRefused(
      { message_type: 'image', media_url: `${source.url}/notes.txt` },
      'Unsupported media type',
      /unrecognised/,
    ));
  it('refuses an image over 5 MB with an honest Content-Length', () =>
    expectRefused(
      { message_type: 'image', media_url: `${source.url}/big.jpg` },
      'Media download failed',
      /larger than the 5000000 bytes/,
    ));
  it('refuses an image over 5 MB sent without a Content-Length', () =>
    expectRefused(
      { message_type: 'image', media_url: `${source.url}/chunked.jpg` },
      'Media download failed',
      /larger than the 5000000 bytes/,
    ));
  it('refuses a redirect loop', () =>
    expectRefused(
      { message_type: 'image', media_url: `${source.url}/loop` },
      'Media download failed',
      /redirected more than 3 times/,
    ));
  it('refuses four redirects', () =>
    expectRefused(
      { message_type: 'image', media_url: `${source.url}/hop1` },
      'Media download failed',
      /redirected more than 3 times/,
    ));
  it('refuses a source answering 404, naming the status', () =>
    expectRefused(
      { message_type: 'image', media_url: `${source.url}/missing.png` },
      'Media download failed',
      /HTTP 404/,
    ));
  it('refuses an unreachable source', () =>
    expectRefused(
      { message_type: 'image', media_url: `http://127.0.0.1:${REFUSED_PORT}/x.png` },
      'Media download failed',
      /unreachable/,
    ));
  it('refuses a source that stalls past the timeout', () =>
    expectRefused({ message_type: 'image', media_url: `${source.url}/slow.png` }, 'Media download failed', /in time/));
  it('refuses an empty file', () =>
    expectRefused({ message_type: 'image', media_url: `${source.url}/empty.png` }, 'Media download failed', /empty/));
  it('refuses a non-http scheme', () =>
    expectRefused({ message_type: 'image', media_url: 'ftp://127.0.0.1/x.png' }, 'Invalid field', /media_url/));

  it('follows three redirects', async () => {
    const res = await gw.send({ phone_number: '+27123456789', message_type: 'image', media_url: `${source.url}/hop2` });
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('the address check, on by default', () => {
  let gw: SimGateway;
  let source: SourceServer;
  beforeAll(async () => {
    source = await startSource();
    source.route('/image.png', serveBytes(sample('.png')));
    gw = await startSimGateway('sqlite'); // MEDIA_ALLOW_PRIVATE_NETWORKS not set
  });
  afterAll(async () => {
    await gw.close();
    await source.close();
  });

  it.each(['127.0.0.1', 'localhost', '2130706433', '0x7f.1', '[::1]'])(
    'refuses a source at %s before connecting to it',
    async (host) => {
      const port = new URL(source.url).port;
      const res = await gw.send({
        phone_number: '+27123456789',
        message_type: 'image',
        media_url: `http://${host}:${port}/image.png`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        error: 'Media download failed',
        message: expect.stringMatching(/address not allowed.*MEDIA_ALLOW_PRIVATE_NETWORKS=true/),
      });
      expect(source.connections).toBe(0);
      expect(gw.sim.counts().mediaCalls).toBe(0);
    },
  );
});
