// Files an agent uploads from their computer (the inbox's attachments): streamed to a temporary
// file with its SHA-256 and a size cap, the kind of message read from the bytes, then checked and
// stored by the same rules as a media_url's (sniffMedia, MAX_BYTES, the content-addressed key).
// The send then names the stored file by `flowiq-upload:<sha256>`, which MediaService.ingest reads
// back from storage instead of downloading: the rest of the pipeline (upload to Meta, send by id)
// is the one every send takes. That scheme is no http(s) URL, so the send route's schema never
// lets a client name one; and the key is built from the sending organization, so it can only ever
// be that organization's own file.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { finished, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromFile } from 'file-type';
import { MediaDownloadFailed, PayloadTooLarge, UnsupportedMediaType } from '../errors.js';
import { MAX_BYTES, sniffMedia, type MediaKind } from './sniff.js';
import { mediaKey, type MediaStorage } from './storage/types.js';

const UPLOAD_REF = 'flowiq-upload:';
const SHA256 = /^[0-9a-f]{64}$/;

/** The largest upload of any kind: what is read before the kind is known. */
export const MAX_UPLOAD_BYTES = Math.max(...Object.values(MAX_BYTES));

/** The sha256 a `flowiq-upload:` reference names; undefined for any other URL. */
export function uploadSha(url: string): string | undefined {
  if (!url.startsWith(UPLOAD_REF)) return undefined;
  const sha = url.slice(UPLOAD_REF.length);
  return SHA256.test(sha) ? sha : undefined;
}

export interface TempFile {
  filePath: string;
  size: number;
  sha256: string;
}

function hashingCap(maxBytes: number, hash: ReturnType<typeof createHash>, count: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      count.n += chunk.length;
      if (count.n > maxBytes) return cb(new PayloadTooLarge(`The file is larger than the ${maxBytes} bytes allowed`));
      hash.update(chunk);
      cb(null, chunk);
    },
  });
}

/** `stream` into a new temporary file (mode 0600), at most `maxBytes`; removed again on any failure. */
export async function streamToTemp(stream: Readable, tmpDir: string, maxBytes: number): Promise<TempFile> {
  await fs.promises.mkdir(tmpDir, { recursive: true });
  const filePath = path.join(tmpDir, `up-${randomUUID()}`);
  const hash = createHash('sha256');
  const count = { n: 0 };
  const sink = fs.createWriteStream(filePath, { mode: 0o600 });
  // A source destroyed without an error after its end was pushed (as @fastify/multipart leaves a
  // part that the body ended inside) never ends, and a pipeline from it never settles (Node 20):
  // the sink fails with it instead.
  const stopWatching = finished(stream, (err) => {
    if (err) sink.destroy(err);
  });
  try {
    await pipeline(stream, hashingCap(maxBytes, hash, count), sink);
  } catch (err) {
    await fs.promises.rm(filePath, { force: true });
    throw err;
  } finally {
    stopWatching();
  }
  return { filePath, size: count.n, sha256: hash.digest('hex') };
}

/** The message kind a file's bytes make it: Meta's image, video and audio types; anything else a document. */
async function kindOf(filePath: string): Promise<MediaKind> {
  const mime = (await fileTypeFromFile(filePath))?.mime ?? '';
  if (mime === 'image/jpeg' || mime === 'image/png') return 'image';
  if (mime === 'video/mp4') return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'document';
}

export interface InspectedUpload {
  kind: MediaKind;
  mimeType: string;
}

/**
 * Checks an uploaded temporary file as a media_url's download is checked: the type from the bytes,
 * which also picks the message type, and Meta's size for that kind. Stores nothing.
 */
export async function inspectUpload(file: TempFile, filename: string | undefined): Promise<InspectedUpload> {
  if (file.size === 0) throw new MediaDownloadFailed('The file is empty');
  const kind = await kindOf(file.filePath);
  if (file.size > MAX_BYTES[kind])
    throw new PayloadTooLarge(`The file is larger than the ${MAX_BYTES[kind]} bytes allowed for ${kind} messages`);
  try {
    const { mimeType } = await sniffMedia(file.filePath, kind, filename);
    return { kind, mimeType };
  } catch (err) {
    // The same refusal as for a media_url, naming what the agent gave: the file.
    if (err instanceof UnsupportedMediaType)
      throw new UnsupportedMediaType(err.message.replace(/^media_url/, 'The file'));
    throw err;
  }
}

/** Stores an inspected upload once per content; the send request's media_url: `flowiq-upload:<sha256>`. */
export async function storeUpload(opts: {
  storage: MediaStorage;
  organizationId: string;
  file: TempFile;
  mimeType: string;
}): Promise<string> {
  const { file } = opts;
  const key = mediaKey(opts.organizationId, file.sha256);
  if ((await opts.storage.head(key)) === undefined)
    await opts.storage.put(key, file.filePath, { contentType: opts.mimeType, size: file.size, sha256: file.sha256 });
  return `${UPLOAD_REF}${file.sha256}`;
}

/** A stored upload copied to a temporary file, for the pipeline's next steps (sniff, upload to Meta). */
export async function storedToTemp(
  storage: MediaStorage,
  organizationId: string,
  sha256: string,
  tmpDir: string,
): Promise<TempFile> {
  const key = mediaKey(organizationId, sha256);
  const head = await storage.head(key);
  if (head === undefined) throw new MediaDownloadFailed('The uploaded file is no longer stored; upload it again');
  const file = await streamToTemp(await storage.read(key), tmpDir, head.size);
  if (file.sha256 !== sha256) {
    await fs.promises.rm(file.filePath, { force: true });
    throw new MediaDownloadFailed('The stored file does not match its upload; upload it again');
  }
  return file;
}
