// POST /{version}/{phone}/media: the types and sizes Meta accepts (REFERENCE §2), checked against
// the file's own first bytes, streamed without holding the file in memory.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MetaSim } from '../../meta-sim/index.js';
import {
  graphError,
  PHONE_ID,
  readResponse,
  SAMPLE,
  sized,
  TOKEN,
  upload,
  type GraphResponse,
  useTestSim,
} from './helpers.js';

let sim: MetaSim;
useTestSim((s) => (sim = s));

const ACCEPTED: [string, Uint8Array][] = [
  ['image/jpeg', SAMPLE.jpeg],
  ['image/png', SAMPLE.png],
  ['video/mp4', SAMPLE.mp4],
  ['video/3gpp', SAMPLE.threegp],
  ['audio/mpeg', SAMPLE.mp3],
  ['audio/aac', SAMPLE.aac],
  ['audio/amr', SAMPLE.amr],
  ['audio/mp4', SAMPLE.m4a],
  ['audio/ogg', SAMPLE.oggOpus],
  ['text/plain', SAMPLE.text],
  ['application/pdf', SAMPLE.pdf],
  ['application/msword', SAMPLE.doc],
  ['application/vnd.ms-excel', SAMPLE.doc],
  ['application/vnd.ms-powerpoint', SAMPLE.doc],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', SAMPLE.docx],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', SAMPLE.docx],
  ['application/vnd.openxmlformats-officedocument.presentationml.presentation', SAMPLE.docx],
  ['image/webp', SAMPLE.webp],
];

const MISMATCHED: [string, string, Uint8Array][] = [
  ['PNG bytes sent as image/jpeg', 'image/jpeg', SAMPLE.png],
  ['JPEG bytes sent as image/png', 'image/png', SAMPLE.jpeg],
  ['MP3 bytes sent as audio/ogg', 'audio/ogg', SAMPLE.mp3],
  ['OGG without OPUS sent as audio/ogg', 'audio/ogg', SAMPLE.oggVorbis],
  ['PDF bytes sent as a docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', SAMPLE.pdf],
  ['MP4 bytes sent as video/3gpp', 'video/3gpp', SAMPLE.mp4],
  ['binary bytes sent as text/plain', 'text/plain', SAMPLE.png],
  ['PNG bytes sent as image/webp', 'image/webp', SAMPLE.png],
];

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('Meta simulator media uploads', () => {
  it.each(ACCEPTED)('accepts %s with matching bytes and records it', async (mime, head) => {
    // Plain text may not carry NUL bytes, so pad it with spaces.
    const bytes = sized(head, 2048, mime === 'text/plain' ? 0x20 : 0);
    const res = await upload(sim, { bytes, type: mime, filename: 'sample.bin' });
    expect(res.status, res.text).toBe(200);
    const id = (res.body as { id: string }).id;
    expect(id).toMatch(/^\d{15,16}$/);
    expect(sim.uploads()).toEqual([
      {
        phoneId: PHONE_ID,
        id,
        mimeType: mime,
        size: 2048,
        sha256: sha256(bytes),
        filename: 'sample.bin',
        at: expect.any(Number),
      },
    ]);
  });

  it.each(MISMATCHED)('refuses %s with 131053', async (_name, mime, head) => {
    const res = await upload(sim, { bytes: sized(head, 512), type: mime });
    expect(res.status).toBe(400);
    expect(graphError(res)).toMatchObject({
      code: 131053,
      message: '(#131053) Media upload error',
      details: expect.stringContaining(mime),
    });
    expect(sim.uploads()).toHaveLength(0);
  });

  it('takes the MIME type from the file part when the type field is absent', async () => {
    const res = await upload(sim, { bytes: SAMPLE.pdf, type: null, partType: 'application/pdf' });
    expect(res.status, res.text).toBe(200);
    expect(sim.uploads()[0]?.mimeType).toBe('application/pdf');
  });

  it('accepts messaging_product as a query parameter', async () => {
    const res = await upload(sim, { bytes: SAMPLE.png, type: 'image/png', product: 'query' });
    expect(res.status, res.text).toBe(200);
  });

  it('reads a type with parameters as its bare MIME type', async () => {
    const res = await upload(sim, { bytes: SAMPLE.oggOpus, type: 'audio/ogg; codecs=opus' });
    expect(res.status, res.text).toBe(200);
    expect(sim.uploads()[0]?.mimeType).toBe('audio/ogg');
  });

  it.each([
    ['an unsupported type', { bytes: SAMPLE.png, type: 'image/gif' }, 131053],
    ['an empty file', { bytes: new Uint8Array(0), type: 'image/png' }, 131053],
    ['a missing messaging_product', { bytes: SAMPLE.png, type: 'image/png', product: 'none' as const }, 131008],
    ['an unknown field', { bytes: SAMPLE.png, type: 'image/png', extraFields: { caption: 'x' } }, 100],
  ])('refuses %s', async (_name, opts, code) => {
    const res = await upload(sim, opts);
    expect(res.status).toBe(400);
    expect(graphError(res).code).toBe(code);
  });

  it('refuses an upload without a file with 131008', async () => {
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('type', 'image/png');
    const res = await readResponse(
      await fetch(`${sim.url}/v23.0/${PHONE_ID}/media`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: form,
      }),
    );
    expect(graphError(res)).toMatchObject({ code: 131008, details: expect.stringContaining('file') });
  });

  it('refuses a JSON body with code 100', async () => {
    const res = await readResponse(
      await fetch(`${sim.url}/v23.0/${PHONE_ID}/media`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messaging_product: 'whatsapp', file: 'x' }),
      }),
    );
    expect(graphError(res).code).toBe(100);
  });

  it('answers 401 with code 190 for a wrong token', async () => {
    const res = await upload(sim, { bytes: SAMPLE.png, type: 'image/png', token: 'wrong' });
    expect(res.status).toBe(401);
    expect(graphError(res).code).toBe(190);
  });

  it.each([
    ['image/png', SAMPLE.png, 5_000_000],
    ['video/mp4', SAMPLE.mp4, 16_000_000],
    ['audio/mpeg', SAMPLE.mp3, 16_000_000],
    ['image/webp (static sticker)', SAMPLE.webp, 100_000],
    ['image/webp (animated sticker)', SAMPLE.animatedWebp, 500_000],
  ])('accepts %s at its size limit and refuses one byte more', async (label, head, max) => {
    const type = label.split(' ')[0] ?? label;
    const atLimit = await upload(sim, { bytes: sized(head, max), type });
    expect(atLimit.status, atLimit.text).toBe(200);
    const over = await upload(sim, { bytes: sized(head, max + 1), type });
    expect(over.status).toBe(400);
    expect(graphError(over)).toMatchObject({ code: 131053, details: expect.stringContaining(String(max)) });
  });

  it('streams a 100 MB document (accepted) and refuses 100 MB + 1 byte', async () => {
    const head = Buffer.from('%PDF-1.7\n');
    const ok = await streamUpload(100_000_000, head, 'application/pdf');
    expect(ok.res.status, ok.res.text).toBe(200);
    const recorded = sim.uploads()[0];
    expect(recorded).toMatchObject({ size: 100_000_000, sha256: ok.sha256, mimeType: 'application/pdf' });
    const over = await streamUpload(100_000_001, head, 'application/pdf');
    expect(graphError(over.res).code).toBe(131053);
    expect(sim.uploads()).toHaveLength(1);
  });
});

/** A multipart upload generated chunk by chunk, so neither side ever holds the whole file. */
async function streamUpload(size: number, head: Buffer, mime: string): Promise<{ res: GraphResponse; sha256: string }> {
  const boundary = `----meta-sim-${randomBytes(8).toString('hex')}`;
  const hash = createHash('sha256');
  const preamble =
    `--${boundary}\r\nContent-Disposition: form-data; name="messaging_product"\r\n\r\nwhatsapp\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\n${mime}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: ${mime}\r\n\r\n`;
  const chunk = Buffer.alloc(1 << 20, 0x20);
  async function* parts(): AsyncGenerator<Uint8Array> {
    yield Buffer.from(preamble);
    hash.update(head);
    yield head;
    for (let left = size - head.length; left > 0; left -= chunk.length) {
      const piece = chunk.subarray(0, Math.min(left, chunk.length));
      hash.update(piece);
      yield piece;
    }
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  const res = await fetch(`${sim.url}/v23.0/${PHONE_ID}/media`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: ReadableStream.from(parts()),
    duplex: 'half',
  });
  return { res: await readResponse(res), sha256: hash.digest('hex') };
}
