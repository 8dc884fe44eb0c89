import { invalidValue, missingParam, wrongType } from '../errors.js';
import { isOneEmoji } from './chars.js';
import { expectObject, onlyKeys, requiredString, sub } from './check.js';

const REACTION_KEYS = new Set(['message_id', 'emoji']);

/**
 * Meta: message_id and emoji, the emoji as the character itself (docs/META.md §1). An empty emoji
 * removes a reaction: not on Meta's current page but what libraries send, so accepted.
 * Whether the target exists is checked by Meta asynchronously (131009 by webhook), not here.
 */
export function validateReaction(v: unknown): void {
  const reaction = expectObject(v, 'reaction');
  onlyKeys(reaction, REACTION_KEYS, 'reaction');
  requiredString(reaction, 'message_id', 'reaction');
  const path = sub('reaction', 'emoji');
  const emoji = reaction['emoji'];
  if (emoji === undefined) throw missingParam(path);
  if (typeof emoji !== 'string') throw wrongType(path, 'a string');
  if (emoji !== '' && !isOneEmoji(emoji))
    throw invalidValue(`Param ${path} must be a single emoji, or "" to remove the reaction.`);
}
