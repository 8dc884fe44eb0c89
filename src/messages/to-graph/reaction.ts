import { DEFAULT_REACTION_EMOJI, type ReactionMessage } from '../schema.js';
import type { GraphMessageContent } from '../../meta/graph-types.js';

/** Meta: `reaction: {message_id, emoji}`; a reaction is never a reply (docs/META.md §1). */
export function buildReactionMessage(req: ReactionMessage): Extract<GraphMessageContent, { type: 'reaction' }> {
  // The schema's default fills emoji in on validation; a caller that skipped it still gets 👍.
  return {
    type: 'reaction',
    reaction: { message_id: req.reaction.message_id, emoji: req.reaction.emoji ?? DEFAULT_REACTION_EMOJI },
  };
}
