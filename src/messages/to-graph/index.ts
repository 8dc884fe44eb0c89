// Our request → Meta's Graph message (docs/META.md §1): the envelope here, one builder per message type.
// Pure functions: media is uploaded before (the media pipeline), and only its id comes in.
import type { SendRequest } from '../schema.js';
import { buildContactsMessage } from './contacts.js';
import { isGiven } from '../../lib/text.js';
import { buildInteractiveMessage } from './interactive.js';
import { buildLocationMessage } from './location.js';
import { buildMediaMessage } from './media.js';
import { buildReactionMessage } from './reaction.js';
import { buildTemplateMessage, templateComponents } from './template.js';
import { buildTextMessage } from './text.js';
import type { GraphMessageContent, GraphMessagePayload, GraphTemplateComponent } from '../../meta/graph-types.js';

export interface PayloadOptions {
  /** The recipient as "+digits". */
  to: string;
  /** Meta's media id: for image, video, audio and document, and for an interactive header_media. */
  mediaId?: string;
  /** The resolved display filename of a document (message or header). */
  filename?: string;
  /** A template's components as checked against the catalogue (else spelled out from the request). */
  templateComponents?: readonly GraphTemplateComponent[];
}

function uploaded(req: SendRequest, opts: PayloadOptions): { id: string; filename?: string } {
  if (opts.mediaId === undefined) throw new Error(`a ${req.message_type} message needs its uploaded media id`);
  return { id: opts.mediaId, ...(opts.filename !== undefined ? { filename: opts.filename } : {}) };
}

function buildContent(req: SendRequest, opts: PayloadOptions): GraphMessageContent {
  switch (req.message_type) {
    case 'text':
      return buildTextMessage(req);
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
      return buildMediaMessage(req, uploaded(req, opts));
    case 'location':
      return buildLocationMessage(req);
    case 'contacts':
      return buildContactsMessage(req);
    case 'interactive':
      return buildInteractiveMessage(req, opts.mediaId === undefined ? undefined : uploaded(req, opts));
    case 'reaction':
      return buildReactionMessage(req);
    case 'template':
      return buildTemplateMessage(
        req,
        opts.templateComponents ?? templateComponents(req.template),
        opts.mediaId === undefined ? undefined : uploaded(req, opts),
      );
  }
}

/** The body of POST /{version}/{phone-number-id}/messages for a validated request. */
export function buildGraphPayload(req: SendRequest, opts: PayloadOptions): GraphMessagePayload {
  const envelope = { messaging_product: 'whatsapp' as const, recipient_type: 'individual' as const, to: opts.to };
  // Meta: context.message_id makes a reply. Reactions cannot be replies (docs/META.md §1): their
  // schema admits only an empty context_message_id, which is not sent.
  const replyTo = req.context_message_id;
  // Object.assign rather than a spread into a literal: V8's slow path (docs/PERFORMANCE.md).
  const payload: GraphMessagePayload = Object.assign(envelope, buildContent(req, opts));
  if (isGiven(replyTo)) payload.context = { message_id: replyTo };
  return payload;
}
