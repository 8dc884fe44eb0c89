// The body of POST /{version}/{phone-id}/media: the stored file streamed from disk as multipart,
// with the detected MIME type both as the `type` field and on the file part (docs/META.md §2).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';

export interface UploadFile {
  path: string;
  mimeType: string;
  filename: string;
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
    field('messaging_product', 'whatsapp') +
      field('type', mime) +
      `--${boundary}\r\nContent-Disposition: ${contentDisposition(filename)}\r\nContent-Type: ${mime}\r\n\r\n`,
  );
  return { head, tail: Buffer.from(`\r\n--${boundary}--\r\n`) };
}

/**
 * The multipart body as a stream with its exact length. fetch with FormData+openAsBlob buffers the
 * whole file; a stream with a computed Content-Length keeps a few chunks in memory per upload.
 */
export async function multipartFileBody(
  file: UploadFile,
): Promise<{ body: Readable; contentType: string; contentLength: number }> {
  const size = (await fs.promises.stat(file.path)).size;
  const boundary = `----flowiq${randomBytes(16).toString('hex')}`;
  const { head, tail } = multipartParts(file.mimeType, file.filename, boundary);
  const body = Readable.from(
    (async function* () {
      yield head;
      for await (const chunk of fs.createReadStream(file.path)) yield chunk as Buffer;
      yield tail;
    })(),
    { objectMode: false },
  );
  return {
    body,
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: head.length + size + tail.length,
  };
}
