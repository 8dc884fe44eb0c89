// The multipart body of POST /inbox/api/conversations/{id}/attachments, read part by part: one
// file (streamed to a temporary file, never held in memory), and the text fields caption and
// context_message_id. Every refusal is ours, in words: no file, two files, an unknown field, a
// body that is not multipart or not well formed, a file over the largest size any kind allows.
import fs from 'node:fs';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Caption, ContextMessageId } from '../messages/schema-fields.js';
import { InvalidField, InvalidRequest, MissingField, PayloadTooLarge, UnsupportedContentType } from '../errors.js';
import { MAX_UPLOAD_BYTES, streamToTemp } from '../media/upload.js';

export const ATTACHMENT_FIELDS = ['caption', 'context_message_id'] as const;

/**
 * The form, for OpenAPI only (multipart/form-data, http/keywords' MULTIPART_FORM): the parts are
 * streamed and checked by the handler, so no validator is compiled from it.
 */
export const AttachmentForm = Type.Unsafe({
  type: 'object',
  required: ['file'],
  properties: {
    file: { type: 'string', format: 'binary', description: 'The file: exactly one part named file' },
    caption: {
      ...Caption,
      description: 'Shown under an image, video or document (max 1024 characters); not for audio',
    },
    context_message_id: {
      ...ContextMessageId,
      description: 'A reply: our message id or its wamid, of a message in this conversation',
    },
  },
  additionalProperties: false,
});
type FieldName = (typeof ATTACHMENT_FIELDS)[number];

export interface AttachmentParts {
  file: { filePath: string; size: number; sha256: string; filename: string | undefined };
  fields: Partial<Record<FieldName, string>>;
}

/** @fastify/multipart's limits for this route: one more file and byte than allowed, so we can say so. */
export const MULTIPART_LIMITS = {
  fileSize: MAX_UPLOAD_BYTES + 1,
  files: 2,
  fields: ATTACHMENT_FIELDS.length + 1,
  fieldSize: 4096,
  parts: ATTACHMENT_FIELDS.length + 3,
};

/** @fastify/multipart's and busboy's errors as ours. */
function translate(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new UnsupportedContentType(
        'Send the attachment as multipart/form-data: a file part named file, and optional caption and context_message_id',
      );
    case 'FST_REQ_FILE_TOO_LARGE':
      return new PayloadTooLarge(`The file is larger than the ${MAX_UPLOAD_BYTES} bytes allowed`);
    case 'FST_FILES_LIMIT':
      return new InvalidRequest('Attach one file per message: this request has more');
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new InvalidRequest(`Too many parts: send one file and at most ${ATTACHMENT_FIELDS.join(' and ')}`);
    case 'ERR_STREAM_PREMATURE_CLOSE':
      // The part was ended before its closing boundary: the body stops inside it (media/upload.ts).
      return new InvalidRequest('The multipart body is not well formed: it ends inside the file');
    case 'FST_PROTO_VIOLATION':
      return new InvalidRequest('A multipart field is named __proto__, constructor or prototype');
  }
  if (
    err instanceof Error &&
    !(err instanceof PayloadTooLarge) &&
    /multipart|boundary|Unexpected end/i.test(err.message)
  )
    return new InvalidRequest('The multipart body is not well formed');
  return err;
}

async function readParts(request: FastifyRequest, tmpDir: string, out: Partial<AttachmentParts>): Promise<void> {
  const fields: AttachmentParts['fields'] = {};
  out.fields = fields;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file')
        throw new InvalidField(`The file part must be named file, not ${JSON.stringify(part.fieldname)}`);
      if (out.file !== undefined) throw new InvalidRequest('Attach one file per message: this request has more');
      const saved = await streamToTemp(part.file, tmpDir, MAX_UPLOAD_BYTES);
      out.file = { ...saved, filename: part.filename === '' ? undefined : part.filename };
      if (part.file.truncated)
        throw new PayloadTooLarge(`The file is larger than the ${MAX_UPLOAD_BYTES} bytes allowed`);
      continue;
    }
    if (!(ATTACHMENT_FIELDS as readonly string[]).includes(part.fieldname))
      throw new InvalidField(
        `${part.fieldname} is not a field of an attachment: send file, caption, context_message_id`,
      );
    if (part.valueTruncated) throw new InvalidField(`${part.fieldname} is too long`);
    const value = part.value;
    if (typeof value !== 'string') throw new InvalidField(`${part.fieldname} must be text`);
    if (fields[part.fieldname as FieldName] !== undefined)
      throw new InvalidRequest(`${part.fieldname} is given twice: send it once`);
    fields[part.fieldname as FieldName] = value;
  }
}

/**
 * The request's parts; the temporary file is the caller's to remove. On any refusal it is removed
 * here, and the rest of the body is not read.
 */
export async function attachmentParts(request: FastifyRequest, tmpDir: string): Promise<AttachmentParts> {
  const out: Partial<AttachmentParts> = {};
  try {
    await readParts(request, tmpDir, out);
  } catch (err) {
    if (out.file) await fs.promises.rm(out.file.filePath, { force: true });
    throw translate(err);
  }
  if (out.file === undefined) throw new MissingField('file is required: attach the file as a part named file');
  return out as AttachmentParts;
}
