import type { TextMessage } from '../schema.js';
import type { GraphMessageContent } from '../../meta/graph-types.js';

/** Meta: `text: {body}` (docs/META.md §1). Link previews stay off, Meta's default. */
export function buildTextMessage(req: TextMessage): Extract<GraphMessageContent, { type: 'text' }> {
  return { type: 'text', text: { body: req.text } };
}
