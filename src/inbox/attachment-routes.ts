// POST /inbox/api/conversations/{id}/attachments: an agent sends a file from their computer, as
// multipart/form-data (file, and optional caption and context_message_id). HTTP only: the parts are
// read by attachment-parts.ts; the file is checked and stored by the media pipeline's rules
// (media/upload.ts); the message is the answer route's, through the one send service.
import fs from 'node:fs';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { threadId, type CallerOrganization } from '../conversations/inbox-routes.js';
import { ConversationParams } from '../conversations/inbox-schema.js';
import { SendWhatsAppSuccess } from '../messages/schema.js';
import { assertMetaConfigured } from '../messages/service.js';
import type { MediaStorage } from '../media/storage/types.js';
import { inspectUpload, storeUpload } from '../media/upload.js';
import { sanitizeFilename } from '../media/filename.js';
import { SEND_ERRORS, hangUpSignal, sendOutcome } from './answer-routes.js';
import type { AnswerService } from './answer-service.js';
import { validateAnswer } from './answer-validate.js';
import { MULTIPART_FORM } from '../http/keywords/index.js';
import { AttachmentForm, MULTIPART_LIMITS, attachmentParts, type AttachmentParts } from './attachment-parts.js';

export interface AttachmentRoutesOptions {
  answers: AnswerService;
  organization: CallerOrganization;
  storage: MediaStorage;
  /** Where an upload is streamed before it is checked (the data directory's tmp/). */
  tmpDir: string;
}

/**
 * The message an attachment makes, checked by the answer schema. media_url stands for the upload
 * while the schema checks the rest (caption on audio, lengths, the file name): an http(s) URL the
 * schema accepts, under a name that can never resolve (RFC 2606 .invalid), replaced before sending.
 */
function attachmentAnswer(kind: string, parts: AttachmentParts) {
  const filename = parts.file.filename === undefined ? undefined : sanitizeFilename(parts.file.filename);
  return validateAnswer({
    message_type: kind,
    media_url: 'https://upload.invalid/file',
    ...(kind === 'document' && filename !== undefined ? { filename } : {}),
    ...parts.fields,
  });
}

export async function attachmentRoutes(fastify: FastifyInstance, opts: AttachmentRoutesOptions): Promise<void> {
  // This plugin's routes only: the rest of the inbox scope reads JSON alone.
  await fastify.register(fastifyMultipart, { limits: MULTIPART_LIMITS });
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/inbox/api/conversations/:id/attachments',
    {
      schema: {
        tags: ['inbox'],
        summary: "Send a file from the agent's computer in a conversation",
        description:
          'multipart/form-data: one part named file, and optional text parts caption (images, videos, documents) and context_message_id (our message id or its wamid, in this conversation). The type is read from the bytes and picks the message type: JPEG or PNG an image, MP4 a video, MP3, AAC or OGG (Opus) an audio, PDF and Office files a document (its file name shown). Meta’s sizes per type (5 MB images, 16 MB video and audio, 100 MB documents). Then the file goes the way of every media send: stored, uploaded to Meta, sent by its id; the answer is the send route’s. A refused file (too big, wrong type, no file, two files) is stored nowhere and sends nothing.',
        params: ConversationParams,
        [MULTIPART_FORM]: AttachmentForm,
        response: { 200: SendWhatsAppSuccess, ...SEND_ERRORS, 415: SEND_ERRORS[400]! },
      },
    },
    async (request, reply) => {
      const conversationId = threadId(request.params.id);
      const org = await opts.organization.row(request);
      assertMetaConfigured(org);
      // Before the body is read: another organization's conversation costs no upload.
      await opts.answers.recipient(org.id, conversationId);
      const parts = await attachmentParts(request, opts.tmpDir);
      try {
        const { kind, mimeType } = await inspectUpload(parts.file, parts.file.filename);
        const req = await opts.answers.prepare(org, conversationId, attachmentAnswer(kind, parts));
        const mediaUrl = await storeUpload({
          storage: opts.storage,
          organizationId: org.id,
          file: parts.file,
          mimeType,
        });
        const outcome = await opts.answers.send({
          org,
          agentId: request.agent.agentId,
          conversationId,
          req: { ...req, media_url: mediaUrl } as typeof req,
          requestId: request.id,
          hangUp: hangUpSignal(reply.raw),
        });
        return sendOutcome(reply, outcome);
      } finally {
        await fs.promises.rm(parts.file.filePath, { force: true });
      }
    },
  );
}
