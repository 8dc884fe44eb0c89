import { Busboy, type BusboyHeaders } from '@fastify/busboy';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetaCallError, MetaClient } from '../../src/meta/client.js';
import { contentDisposition, multipartParts } from '../../src/meta/multipart.js';

describe('contentDisposition', () => {
  it('keeps a plain ASCII name as is', () => {
    expect(contentDisposition('report.pdf')).toBe('form-data; name="file"; filename="report.pdf"');
  });

  it('escapes quotes so the name cannot end the quoted string', () => {
    expect(contentDisposition('a"b\\c.pdf')).toBe('form-data; name="file"; filename="a%22b\\c.pdf"');
  });

  it('never lets CR/LF through, so the name cannot split a header', () => {
    const v = contentDisposition('x.pdf\r\nX-Injected: 1');
    expect(v).not.toMatch(/[\r\n]/);
    expect(v).toBe('form-data; name="file"; filename="x.pdf%0D%0AX-Injected: 1"');
  });

  it("sends non-ASCII names as UTF-8, as undici's FormData did", () => {
    expect(contentDisposition("Relatório d'été 📄.pdf")).toBe(
      `form-data; name="file"; filename="Relatório d'été 📄.pdf"`,
    );
  });
});

describe('multipartParts', () => {
  it('strips CR/LF from the MIME type and frames the parts with the boundary', () => {
    const { head, tail } = multipartParts('application/pdf\r\nX-Evil: 1', 'r.pdf', 'BOUND');
    const h = head.toString();
    expect(
      h.startsWith('--BOUND\r\nContent-Disposition: form-data; name="messaging_product"\r\n\r\nwhatsapp\r\n'),
    ).toBe(true);
    expect(h).toContain('name="type"\r\n\r\napplication/pdfX-Evil: 1\r\n');
    expect(h).not.toContain('\r\nX-Evil');
    expect(h.endsWith('Content-Type: application/pdfX-Evil: 1\r\n\r\n')).toBe(true);
    expect(tail.toString()).toBe('\r\n--BOUND--\r\n');
  });
});

interface Received {
  contentLength: number;
  bytes: number;
  fields: Record<string, string>;
  filename: string;
  mime: string;
  fileSize: number;
  fileSha: string;
}

describe('MetaClient.uploadMedia over a real socket', () => {
  let server: http.Server;
  let url: string;
  let tmp: string;
  let client: MetaClient;
  const received: Received[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-upload-mp-'));
    server = http.createServer((req, res) => {
      const r: Received = {
        contentLength: Number(req.headers['content-length']),
        bytes: 0,
        fields: {},
        filename: '',
        mime: '',
        fileSize: 0,
        fileSha: '',
      };
      req.on('data', (d: Buffer) => (r.bytes += d.length));
      const bb = Busboy({ headers: req.headers as BusboyHeaders });
      bb.on('field', (name, value) => (r.fields[name] = value));
      bb.on('file', (_name, stream, filename, _enc, mime) => {
        r.filename = filename;
        r.mime = mime;
        const hash = createHash('sha256');
        stream.on('data', (d: Buffer) => {
          r.fileSize += d.length;
          hash.update(d);
        });
        stream.on('end', () => (r.fileSha = hash.digest('hex')));
      });
      bb.on('finish', () => {
        received.push(r);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ id: `media-${received.length}` }));
      });
      req.pipe(bb);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new MetaClient({
      graphUrl: url,
      apiVersion: 'v23.0',
      connectTimeoutMs: 5_000,
      timeoutMs: 10_000,
      retryBudgetMs: 0,
    });
  });
  afterAll(async () => {
    await client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it.each([
    ['report.pdf', 0, 'report.pdf'],
    // busboy keeps what follows the last backslash, as it would a Windows path.
    ['a"b\\c\r\n.pdf', 1, 'c%0D%0A.pdf'],
    ['Relatório été 📄.pdf', 3_000_017, 'Relatório été 📄.pdf'],
  ])('sends exactly Content-Length bytes and the file intact (%j, %i bytes)', async (filename, size, seen) => {
    const file = path.join(tmp, `f-${size}`);
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = (i * 31) & 0xff;
    fs.writeFileSync(file, data);
    const id = await client.uploadMedia('123', 't', { path: file, mimeType: 'application/pdf', filename });
    expect(id).toBe(`media-${received.length}`);
    const r = received.at(-1)!;
    expect(r.bytes).toBe(r.contentLength);
    expect(r.fields).toEqual({ messaging_product: 'whatsapp', type: 'application/pdf' });
    expect(r.mime).toBe('application/pdf');
    expect(r.fileSize).toBe(size);
    expect(r.fileSha).toBe(createHash('sha256').update(data).digest('hex'));
    expect(r.filename).toBe(seen);
  });
});

describe('MetaClient.uploadMedia when Graph gives no usable id', () => {
  let server: http.Server;
  let client: MetaClient;
  let tmp: string;
  let answer: { status: number; body: string } = { status: 200, body: '' };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-upload-bad-'));
    fs.writeFileSync(path.join(tmp, 'f'), 'data');
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new MetaClient({
      graphUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      apiVersion: 'v23.0',
      connectTimeoutMs: 5_000,
      timeoutMs: 10_000,
      retryBudgetMs: 0,
    });
  });
  afterAll(async () => {
    await client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const upload = () =>
    client.uploadMedia('123', 't', { path: path.join(tmp, 'f'), mimeType: 'application/pdf', filename: 'f.pdf' });

  it.each([
    ['a 2xx that is not JSON', { status: 200, body: '<html>' }, { kind: 'http', httpStatus: 200 }],
    ['a 2xx without an id', { status: 200, body: '{}' }, { kind: 'http', httpStatus: 200 }],
    ['an error status without an envelope', { status: 502, body: 'bad gateway' }, { kind: 'http', httpStatus: 502 }],
    [
      "Graph's error envelope",
      { status: 400, body: JSON.stringify({ error: { code: 131053, message: 'Media upload error' } }) },
      { kind: 'graph', httpStatus: 400 },
    ],
  ])('fails with %s as a MetaCallError', async (_name, given, failure) => {
    answer = given;
    const err = await upload().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetaCallError);
    expect((err as MetaCallError).failure).toMatchObject(failure);
  });
});
