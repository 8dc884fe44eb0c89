import type { ContactsMessage } from '../schema.js';
import { optional, withoutBlanks } from './fields.js';
import type { GraphContactCard, GraphMessageContent } from '../../meta/graph-types.js';

type Card = ContactsMessage['contacts'][number];

/** `{ [key]: entries }` without blank fields and empty entries, or `{}` when nothing is left. */
function entries<K extends string, T extends Record<string, string | undefined>>(
  key: K,
  list: T[] | undefined,
): { [P in K]?: Partial<T>[] } {
  const kept = (list ?? []).map(withoutBlanks).filter((e) => e !== undefined);
  return (kept.length === 0 ? {} : { [key]: kept }) as { [P in K]?: Partial<T>[] };
}

function buildCard(card: Card): GraphContactCard {
  const org = card.org === undefined ? undefined : withoutBlanks(card.org);
  return {
    name: { ...withoutBlanks(card.name), formatted_name: card.name.formatted_name },
    ...entries('phones', card.phones),
    ...entries('emails', card.emails),
    ...entries('addresses', card.addresses),
    ...entries('urls', card.urls),
    ...(org ? { org } : {}),
    ...optional('birthday', card.birthday),
  };
}

/** Meta's card format is ours (docs/META.md §1): cards pass through, minus blank fields. */
export function buildContactsMessage(req: ContactsMessage): Extract<GraphMessageContent, { type: 'contacts' }> {
  return { type: 'contacts', contacts: req.contacts.map(buildCard) };
}
