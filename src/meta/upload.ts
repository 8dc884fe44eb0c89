// POST /{version}/{phone-id}/media: the stored file, streamed from disk as multipart, with the
// detected MIME type both as the `type` field and on the file part (REFERENCE §2).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { MetaUploadFailed } from '../errors.js';
import { parseGraphError, publicMetaError } from './graph-errors.js';

export interface UploadOptions {
  dispatcher: Dispatcher;
  graphUrl: string;
  apiVersion: string;
  phoneId: string;
  token: string;
  filePath: string;
  mimeType: string;
  filename: string;
  timeoutMs: number;
}

// The file part's name, escaped as browsers and undici's FormData do (WHATWG's multipart/form-data
// encoding): `"`, CR and LF become %22, %0D, %0A, so the name can neither end the quoted string nor
// split a header; everything else, non-ASCII included, goes as UTF-8, which is what Graph (and
// busboy) read. The message's own `filename` field is what the customer sees; this one only names
// the upload.
export function contentDisposition(filename: string): string {
  const escaped = filename.replace(/["\r\n]/g, (c) => (c === '"' ? '%22' : c === '\r' ? '%0D' : '%0A'));
  return `form-data; name="file"; filename="${escaped}"`;
}

export function multipartParts(mimeType: string, filename: string, boundary: string): { head: Buffer; tail: Buffer } {
  // mimeType comes from our own sniffing; still strip CR/LF so it can never split a header.
  const mime = mimeType.replace(/[\r\n]/g, '');
  const field = (name: string, value: string): string =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field('messaging_product', 'whatsapp') + field('type', mime) +
      `--${boundary}\r\nContent-Disposition: ${contentDisposition(filename)}\r\nContent-Type: ${mime}\r\n\r\n`,
  );
  return { head, tail: Buffer.from(`\r\n--${boundary}--\r\n`) };
}

export async function uploadMediaToMeta(opts: UploadOptions): Promise<string> {
  let body: unknown;
  let status: number;
  try {
    // fetch with FormData+openAsBlob buffers the whole file; a stream body with an exact
    // Content-Length keeps only a few chunks in memory per upload.
    const size = (await fs.promises.stat(opts.filePath)).size;
    const boundary = `----flowiq${randomBytes(16).toString('hex')}`;
    const { head, tail } = multipartParts(opts.mimeType, opts.filename, boundary);
    const filePath = opts.filePath;
    const stream = Readable.from((async function* () {
      yield head;
      for await (const chunk of fs.createReadStream(filePath)) yield chunk as Buffer;
      yield tail;
    })(), { objectMode: false });
    const url = new URL(`${opts.graphUrl}/${opts.apiVersion}/${encodeURIComponent(opts.phoneId)}/media`);
    const res = await opts.dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: 'POST',
      headers: {
        authorization: `Bearer ${opts.token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + size + tail.length),
      },
      body: stream,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    status = res.statusCode;
    const text = await res.body.text();
    try { body = JSON.parse(text); } catch { body = undefined; }
  } catch (err) {
    throw new MetaUploadFailed({ cause: err });
  }
  const graphError = parseGraphError(body);
  if (graphError) throw new MetaUploadFailed({ extra: { meta_error: publicMetaError(graphError) } });
  const id = (body as { id?: unknown } | undefined)?.id;
  if (status < 200 || status >= 300 || typeof id !== 'string') throw new MetaUploadFailed({ extra: { meta_error: { http_status: status } } });
  return id;
}
