import type { MediaMessage } from '../schema.js';
import { optional } from './fields.js';
import type { GraphMessageContent } from '../../meta/graph-types.js';

export interface UploadedMedia {
  /** Meta's media id, from POST /{phone-number-id}/media. */
  id: string;
  /** The API contract's display filename as the media pipeline resolved it. */
  filename?: string;
}

type MediaContent = Extract<GraphMessageContent, { type: 'image' | 'video' | 'audio' | 'document' }>;

/**
 * Meta: send by id (docs/META.md §1). Only image, video and document take a caption, only document a
 * filename, and audio neither.
 */
export function buildMediaMessage(req: MediaMessage, media: UploadedMedia): MediaContent {
  const id = media.id;
  switch (req.message_type) {
    case 'image':
      return { type: 'image', image: { id, ...optional('caption', req.caption) } };
    case 'video':
      return { type: 'video', video: { id, ...optional('caption', req.caption) } };
    case 'audio':
      return { type: 'audio', audio: { id } };
    case 'document': {
      const filename = media.filename ?? req.filename;
      return {
        type: 'document',
        document: { id, ...optional('caption', req.caption), ...optional('filename', filename) },
      };
    }
  }
}
