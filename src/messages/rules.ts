// The body rules JSON Schema cannot say: uniqueness, totals across sections, fields that depend on
// each other. Runs after the schema has checked the body, so every field has its declared type.
import { phoneOrThrow } from '../contacts/phone.js';
import { InvalidField, MissingField } from '../errors.js';
import { isGiven } from '../lib/text.js';
import type { InteractiveButton, InteractiveList, SendRequest } from './schema.js';
import { checkTemplateRules } from './template-rules.js';

// Meta: at most 10 rows across all sections (docs/META.md §1; ⚠ the spec says 10 per section).
export const MAX_LIST_ROWS = 10;

/**
 * Throws MissingField or InvalidField, naming the field by its full path; when the body may be
 * sent, answers the recipient's number as digits (normalised once, here, for the whole send).
 */
export function checkMessageRules(req: SendRequest): string {
  // The API contract: "The API removes special characters automatically" — but it must come to a phone number.
  const recipient = phoneOrThrow(req.phone_number);
  if (req.message_type === 'interactive') {
    if (req.interactive.type === 'button') checkButtons(req.interactive);
    else checkList(req.interactive);
  } else if (req.message_type === 'template') checkTemplateRules(req.template);
  return recipient;
}

// Blank as the schema's notBlank counts it: invisible characters show nothing either.

function checkButtons(inter: InteractiveButton): void {
  const media = inter.header_media;
  // Meta: a message has one header, text or media (docs/META.md §1).
  if (media !== undefined && isGiven(inter.header)) {
    throw new InvalidField(
      'interactive.header_media cannot be combined with interactive.header: a message has one header',
    );
  }
  // header_media.filename is in the API contract for every header type. No header object carries it
  // to Meta (docs/META.md §1); a document's travels with the upload, an image's or video's is unused.
  const ids = new Set<string>();
  const titles = new Set<string>();
  inter.buttons.forEach((button, i) => {
    const path = `interactive.buttons[${i}]`;
    // Meta: a button id has no leading or trailing spaces.
    if (button.id.trim() !== button.id) throw new InvalidField(`${path}.id must not start or end with spaces`);
    // Meta: button ids and titles must be unique (docs/META.md §1).
    if (ids.has(button.id))
      throw new InvalidField(`${path}.id must be unique: ${JSON.stringify(button.id)} is used twice`);
    if (titles.has(button.title))
      throw new InvalidField(`${path}.title must be unique: ${JSON.stringify(button.title)} is used twice`);
    ids.add(button.id);
    titles.add(button.title);
  });
}

function checkList(inter: InteractiveList): void {
  const total = inter.sections.reduce((n, section) => n + section.rows.length, 0);
  if (total > MAX_LIST_ROWS) {
    throw new InvalidField(
      `interactive.sections must have at most ${MAX_LIST_ROWS} rows in total across all sections (has ${total})`,
    );
  }
  const ids = new Set<string>();
  inter.sections.forEach((section, s) => {
    // ⚠ Meta's docs: section title required; the spec: required when there is more than one section.
    // We follow the spec, and a single section may go untitled (docs/META.md §1).
    if (inter.sections.length > 1 && !isGiven(section.title)) {
      throw new MissingField(`interactive.sections[${s}].title is required when a list has more than one section`);
    }
    section.rows.forEach((row, r) => {
      // Meta: row ids are unique across the whole message.
      if (ids.has(row.id)) {
        throw new InvalidField(
          `interactive.sections[${s}].rows[${r}].id must be unique across all sections: ${JSON.stringify(row.id)} is used twice`,
        );
      }
      ids.add(row.id);
    });
  });
}
