// POST /{version}/{phone_number_id}/media (docs/META.md §2): multipart with messaging_product (also
// accepted as a query parameter, as libraries send it), type (the MIME type; the file part's
// Content-Type stands in when absent, as in Meta's own curl example) and file.
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  GraphError,
  internalError,
  invalidParam,
  mediaError,
  missingParam,
  unexpectedKey,
  wrongType,
} from './errors.js';
import { applyFault } from './fault-actions.js';
import { authorize, type GraphParams } from './graph-auth.js';
import { dropConnection, errorAnswer, sendAnswer, type GraphAnswer } from './graph-reply.js';
import { isAnimatedWebp, magicMatches } from './magic.js';
import { MAX_UPLOAD_BYTES, mediaKindOf, normalizeMime, sizeLimitOf, STATIC_STICKER_LIMIT } from './media-types.js';
import type { SimState } from './state.js';
import { readUpload, type ReceivedFile, type ReceivedUpload } from './upload-reader.js';

export const MEDIA_ROUTE = '/:version/:phoneId/media';

const UPLOAD_FIELDS = new Set(['messaging_product', 'type']);

type MediaRequest = FastifyRequest<{ Params: GraphParams; Querystring: Record<string, string | undefined> }>;

/** Registered as its own plugin so multipart parsing (and its hooks) only touch this route. */
export function mediaRoutes(state: SimState) {
  return async function registerMedia(app: FastifyInstance): Promise<void> {
    await app.register(multipart, {
      throwFileSizeLimit: false,
      // Past the largest size any type allows the file is cut off (and refused), never buffered.
      limits: { fileSize: MAX_UPLOAD_BYTES, files: 10, fields: 20, parts: 40 },
    });
    app.post(MEDIA_ROUTE, mediaHandler(state));
  };
}

function mediaHandler(state: SimState) {
  return async function postMedia(request: MediaRequest, reply: FastifyReply): Promise<void> {
    state.counts.mediaCalls += 1;
    let dropAfter = false;
    if (state.faults.size > 0) {
      const action = state.faults.take('media', undefined);
      if (action !== undefined) {
        const outcome = await applyFault(action, reply, state);
        if (outcome === 'answered') return;
        dropAfter = outcome === 'drop-after';
      }
    }
    const answer = await answerUpload(state, request);
    if (dropAfter) dropConnection(reply);
    else sendAnswer(reply, answer);
  };
}

async function answerUpload(state: SimState, request: MediaRequest): Promise<GraphAnswer> {
  try {
    authorize(state, request, 'media');
    if (!request.isMultipart())
      throw invalidParam('Upload media as multipart/form-data with the fields messaging_product, type and file.');
    const upload = await readUpload(request).catch((err: unknown) => {
      throw mediaError(`The multipart body could not be read: ${err instanceof Error ? err.message : String(err)}`);
    });
    const { file, mime } = checkUpload(upload, request.query['messaging_product']);
    const phoneId = request.params.phoneId;
    const id = state.newMediaId();
    state.recordUpload({
      phoneId,
      id,
      mimeType: mime,
      size: file.size,
      sha256: file.sha256,
      at: Date.now(),
      ...(file.filename !== undefined ? { filename: file.filename } : {}),
    });
    return { status: 200, body: JSON.stringify({ id }) };
  } catch (err) {
    state.counts.refused += 1;
    if (err instanceof GraphError) return errorAnswer(err);
    request.log.error({ err }, 'meta-sim: unexpected error answering /media');
    return errorAnswer(internalError());
  }
}

/** The upload's fields, then its file: type, size and magic bytes. Answers the file and its MIME type. */
function checkUpload(upload: ReceivedUpload, queryProduct: string | undefined): { file: ReceivedFile; mime: string } {
  const product = upload.fields.get('messaging_product') ?? queryProduct;
  if (product === undefined) throw missingParam('messaging_product');
  if (product !== 'whatsapp') throw wrongType('messaging_product', 'one of {whatsapp}');
  for (const key of upload.fields.keys()) if (!UPLOAD_FIELDS.has(key)) throw unexpectedKey(key, 'media');
  const extra = upload.unexpected[0];
  if (extra !== undefined) throw unexpectedKey(extra, 'media');
  const file = upload.file;
  if (file === undefined) throw missingParam('file');
  const mime = normalizeMime(upload.fields.get('type') ?? file.partMime);
  checkFile(file, mime);
  return { file, mime };
}

function checkFile(file: ReceivedFile, mime: string): void {
  const kind = mediaKindOf(mime);
  if (kind === undefined) throw mediaError(`Media type ${mime} is not supported by WhatsApp.`);
  if (file.size === 0) throw mediaError('The uploaded file is empty.');
  // Meta: 100 KB for static stickers, 500 KB for animated ones.
  const limit = kind === 'sticker' && !isAnimatedWebp(file.head) ? STATIC_STICKER_LIMIT : sizeLimitOf(kind);
  if (file.truncated || file.size > limit) {
    throw mediaError(`The file is larger than the ${limit} bytes WhatsApp accepts for ${mime}.`);
  }
  if (!magicMatches(mime, file.head)) {
    throw mediaError(`The file's content does not match its type ${mime}.`);
  }
}
