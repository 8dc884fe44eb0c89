import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';
import { sample, serveBytes, startSource, type SourceServer } from './helpers.js';

// A plain server that closes the connection after its body (`Connection: close`, as python's
// http.server does) used to end the whole gateway: undici 7 asserted on a paused parser when the
// socket ended under backpressure or after a refused, unread body (nodejs/undici#5360). Here the
// crash would be an uncaught exception in the test's process, failing the file.
describe('media sources that close the connection after the body', () => {
  let gw: SimGateway;
  let source: SourceServer;
  const pdf = Buffer.concat([sample('.pdf'), Buffer.alloc(6 * 1024 * 1024, 0x20)]);
  beforeAll(async () => {
    source = await startSource();
    source.route('/big.pdf', serveBytes(pdf, { 'content-type': 'application/pdf', connection: 'close' }));
    gw = await startSimGateway('sqlite', { MEDIA_ALLOW_PRIVATE_NETWORKS: 'true' });
  });
  afterAll(async () => {
    await gw.close();
    await source.close();
  });
  beforeEach(() => gw.sim.reset());

  it('refuses a 6 MB image by its Content-Length, then sends the same file as a document', async () => {
    const image = await gw.send({
      phone_number: '+27123456789',
      message_type: 'image',
      media_url: `${source.url}/big.pdf`,
    });
    expect(image.statusCode).toBe(400);
    const doc = await gw.send({
      phone_number: '+27123456789',
      message_type: 'document',
      media_url: `${source.url}/big.pdf`,
    });
    expect(doc.statusCode, doc.body).toBe(200);
    await new Promise((r) => setTimeout(r, 200)); // a late socket end would crash here
  });

  it('sends ten such documents at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        gw.send({ phone_number: '+27123456789', message_type: 'document', media_url: `${source.url}/big.pdf` }),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    await new Promise((r) => setTimeout(r, 200));
  });
});
