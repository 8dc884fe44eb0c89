import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';
import { sample, serveBytes, startSource, type SourceServer } from './helpers.js';

describe('a button message with a document header', () => {
  let gw: SimGateway;
  let source: SourceServer;
  beforeAll(async () => {
    source = await startSource();
    source.route('/terms.pdf', serveBytes(sample('.pdf')));
    gw = await startSimGateway('sqlite', { MEDIA_ALLOW_PRIVATE_NETWORKS: 'true' });
  });
  afterAll(async () => {
    await gw.close();
    await source.close();
  });

  it('uploads the document under its filename and sends it as the header by id', async () => {
    const res = await gw.send({
      phone_number: '+27123456789',
      message_type: 'interactive',
      interactive: {
        type: 'button',
        body: 'Please accept our terms',
        header_media: { type: 'document', url: `${source.url}/terms.pdf`, filename: 'Terms.pdf' },
        buttons: [{ id: 'ok', title: 'Accept' }],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const header = (gw.sim.messages()[0]!.payload as { interactive: { header: Record<string, unknown> } }).interactive
      .header;
    expect(header).toEqual({ type: 'document', document: { id: gw.sim.uploads()[0]!.id } });
    expect(gw.sim.uploads()[0]).toMatchObject({ filename: 'Terms.pdf', mimeType: 'application/pdf' });
  });
});
