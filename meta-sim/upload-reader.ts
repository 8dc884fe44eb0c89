// Reads a multipart upload as it streams in: the file is hashed and counted chunk by chunk and its
// bytes thrown away, keeping only the first few for the magic-number check, so a 100 MB upload
// costs a few kilobytes of memory.
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { HEAD_BYTES } from './magic.js';

export interface ReceivedFile {
  /** The Content-Type of the file part (busboy reports text/plain when the part has none). */
  partMime: string;
  filename: string | undefined;
  size: number;
  sha256: string;
  head: Buffer;
  /** Cut off at the multipart size limit: larger than anything Meta accepts. */
  truncated: boolean;
}

export interface ReceivedUpload {
  fields: Map<string, string>;
  file: ReceivedFile | undefined;
  /** Names of parts the upload should not have had (a second file, a file under another name). */
  unexpected: string[];
}

export async function readUpload(request: FastifyRequest): Promise<ReceivedUpload> {
  const upload: ReceivedUpload = { fields: new Map(), file: undefined, unexpected: [] };
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname === 'file' && upload.file === undefined) {
        upload.file = await receiveFile(part);
      } else {
        upload.unexpected.push(part.fieldname);
        // Drain it: busboy delivers the next part only once this one is consumed.
        for await (const _chunk of part.file) continue;
      }
    } else {
      upload.fields.set(part.fieldname, String(part.value));
    }
  }
  return upload;
}

async function receiveFile(part: MultipartFile): Promise<ReceivedFile> {
  const hash = createHash('sha256');
  const head = Buffer.allocUnsafe(HEAD_BYTES);
  let headLength = 0;
  let size = 0;
  for await (const chunk of part.file) {
    const buf = chunk as Buffer;
    hash.update(buf);
    size += buf.length;
    if (headLength < HEAD_BYTES) headLength += buf.copy(head, headLength, 0, HEAD_BYTES - headLength);
  }
  return {
    partMime: part.mimetype,
    filename: part.filename === '' ? undefined : part.filename,
    size,
    sha256: hash.digest('hex'),
    head: head.subarray(0, headLength),
    truncated: part.file.truncated,
  };
}
