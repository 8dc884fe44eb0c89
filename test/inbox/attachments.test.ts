// POST /inbox/api/conversations/{id}/attachments on each engine, against the simulator: a file from
// the agent's computer goes through the media pipeline (type from the bytes, Meta's sizes, stored,
// uploaded to Meta, sent by its id) and the simulator receives the message; refusals are clear 4xx
// in our shape that store, upload and send nothing.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { api, inbound, nowS, startInbox, threadOf, type InboxFixture } from '../conversations/inbox-helpers.js';
import { filesUnder, sample, sha256 } from '../media/helpers.js';
import { attach, signedInAgent, type FormPart } from './helpers.js';

let numberSeq = 0;
const number = () => `2781${String(process.pid % 1000).padStart(3, '0')}${String(++numberSeq).padStart(4, '0')}`;

const file = (filename: string, data: Buffer, type = 'application/octet-stream'): FormPart => ({
  name: 'file',
  filename,
  type,
  data,
});

describe.each(ENGINES)('attachments from the agent’s computer (%s)', (engine) => {
  let f: InboxFixture;
  beforeAll(async () => {
    f = await startInbox(engine);
  });
  afterAll(async () => f.close());

  async function conversation() {
    const t = await f.tenant();
    const n = number();
    const w = await inbound(f.gw, t, { from: n, at: nowS(), body: 'can you send the invoice?' });
    const th = await threadOf(f.gw, t, n);
    return { t, n, w, th, agent: await signedInAgent(f.gw, t.slug) };
  }
  const sentTo = (n: string) => f.sim.messages().filter((m) => m.to === n);
  const stored = () => filesUnder(path.join(f.gw.dataDir, 'media'));

  it('sends an image with its caption: uploaded to Meta, sent by id, shown with its agent', async () => {
    const { t, n, th, agent } = await conversation();
    const png = sample('.png');
    const res = await attach(agent, f.gw.app, th.id, [
      file('photo.png', png, 'image/png'),
      { name: 'caption', value: 'Your parcel' },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ success: true, data: { message_type: 'image', recipient: n } });
    const upload = f.sim.uploads().find((u) => u.sha256 === sha256(png))!;
    expect(upload).toMatchObject({ phoneId: t.phoneNumberId, mimeType: 'image/png' });
    expect(sentTo(n)).toEqual([
      expect.objectContaining({
        type: 'image',
        payload: expect.objectContaining({ image: { id: upload.id, caption: 'Your parcel' } }),
      }),
    ]);
    const page = (await api(f.gw, t).messages(th.id)).json<{ data: Record<string, unknown>[] }>().data;
    expect(page.at(-1)).toMatchObject({
      message_type: 'image',
      media: expect.objectContaining({ url: expect.stringContaining('/media/') }),
      sent_by: expect.objectContaining({ id: agent.agentId }),
    });
  });

  it('sends a document under its file name, as a reply named by our message id', async () => {
    const { t, n, w, th, agent } = await conversation();
    const ourId = (await api(f.gw, t).messages(th.id)).json<{ data: { id: string }[] }>().data[0]!.id;
    const res = await attach(agent, f.gw.app, th.id, [
      { name: 'context_message_id', value: ourId },
      file('Invoice 7781.pdf', sample('.pdf'), 'application/pdf'),
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const sent = sentTo(n).at(-1)!.payload as Record<string, Record<string, unknown>>;
    expect(sent['document']).toMatchObject({ filename: 'Invoice 7781.pdf', id: expect.any(String) });
    expect(sent['context']).toEqual({ message_id: w });
  });

  it('refuses what it cannot send, in our shape, and stores, uploads and sends nothing', async () => {
    const { n, th, agent } = await conversation();
    const before = { stored: stored(), uploads: f.sim.uploads().length };
    const bigPng = Buffer.concat([sample('.png'), Buffer.alloc(5_000_001)]);
    const cases: [string, FormPart[], number, string][] = [
      ['too big for an image', [file('big.png', bigPng, 'image/png')], 413, 'Payload too large'],
      [
        'not a type Meta takes',
        [file('notes.txt', Buffer.from('just text\n'), 'text/plain')],
        400,
        'Unsupported media type',
      ],
      ['no file', [{ name: 'caption', value: 'where is it?' }], 400, 'Missing required field'],
      ['two files', [file('a.png', sample('.png')), file('b.pdf', sample('.pdf'))], 400, 'Invalid request'],
      [
        'an unknown field',
        [file('a.png', sample('.png')), { name: 'phone_number', value: '+1555' }],
        400,
        'Invalid field',
      ],
      [
        'a caption on audio',
        [file('v.mp3', sample('.mp3')), { name: 'caption', value: 'listen' }],
        400,
        'Invalid field',
      ],
      ['an empty file', [file('empty.pdf', Buffer.alloc(0))], 400, 'Media download failed'],
      [
        'a caption given twice',
        [file('a.png', sample('.png')), { name: 'caption', value: 'one' }, { name: 'caption', value: 'two' }],
        400,
        'Invalid request',
      ],
    ];
    for (const [what, parts, status, error] of cases) {
      const res = await attach(agent, f.gw.app, th.id, parts);
      expect(res.statusCode, `${what}: ${res.body}`).toBe(status);
      expect(res.json(), what).toEqual({ error, message: expect.any(String), request_id: expect.any(String) });
    }
    const json = await f.gw.app.inject({
      method: 'POST',
      url: `/inbox/api/conversations/${th.id}/attachments`,
      headers: { cookie: agent.cookie, 'x-csrf-token': agent.csrf, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(json.statusCode, json.body).toBe(415);
    expect(json.json()).toMatchObject({ error: 'Unsupported content type' });
    expect(sentTo(n)).toEqual([]);
    expect(f.sim.uploads()).toHaveLength(before.uploads);
    expect(stored()).toEqual(before.stored);
    expect(filesUnder(path.join(f.gw.dataDir, 'tmp'))).toEqual([]);
  });

  it('answers 400 for a body that ends inside its file part, and leaves no temporary file', async () => {
    const { n, th, agent } = await conversation();
    // The whole body arrives (its Content-Length is right) but the closing boundary never does.
    for (const tail of ['', 'A'.repeat(100), 'A'.repeat(100_000)]) {
      const body = `--XX\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4${tail}`;
      const res = await f.gw.app.inject({
        method: 'POST',
        url: `/inbox/api/conversations/${th.id}/attachments`,
        headers: {
          cookie: agent.cookie,
          'x-csrf-token': agent.csrf,
          'content-type': 'multipart/form-data; boundary=XX',
        },
        payload: body,
      });
      expect(res.statusCode, `${tail.length}: ${res.body}`).toBe(400);
      expect(res.json()).toMatchObject({ error: 'Invalid request', message: expect.stringMatching(/not well formed/) });
    }
    expect(sentTo(n)).toEqual([]);
    expect(filesUnder(path.join(f.gw.dataDir, 'tmp'))).toEqual([]);
  });

  it('uploads nothing for another organization’s agent or without the CSRF token', async () => {
    const { n, th, agent } = await conversation();
    const stranger = await signedInAgent(f.gw, (await f.tenant()).slug);
    const before = f.sim.uploads().length;
    const res = await attach(stranger, f.gw.app, th.id, [file('a.png', sample('.png'))]);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'Not found' });
    const noCsrf = await attach(agent, f.gw.app, th.id, [file('a.png', sample('.png'))], { csrf: 'wrong' });
    expect(noCsrf.statusCode).toBe(403);
    expect(sentTo(n)).toEqual([]);
    expect(f.sim.uploads()).toHaveLength(before);
  });
});
