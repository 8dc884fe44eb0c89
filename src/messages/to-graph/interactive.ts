import type { InteractiveButton, InteractiveList, InteractiveMessage } from '../schema.js';
import { isGiven } from '../../lib/text.js';
import { optional } from './fields.js';
import type {
  GraphButtonInteractive,
  GraphHeader,
  GraphListInteractive,
  GraphMessageContent,
} from '../../meta/graph-types.js';

export interface HeaderMediaUpload {
  /** Meta's media id of the header_media file. */
  id: string;
}

/** header_media → Meta's media header; header text → a text header (docs/META.md §1). */
function buttonHeader(inter: InteractiveButton, media: HeaderMediaUpload | undefined): GraphHeader | undefined {
  const hm = inter.header_media;
  if (hm === undefined) return isGiven(inter.header) ? { type: 'text', text: inter.header } : undefined;
  if (media === undefined) throw new Error('interactive.header_media needs its uploaded media id');
  switch (hm.type) {
    case 'image':
      return { type: 'image', image: { id: media.id } };
    case 'video':
      return { type: 'video', video: { id: media.id } };
    case 'document':
      // Header media objects take only id or link (docs/META.md §1 lists no filename for headers, and
      // the simulator refuses it as Meta's schema does); the API contract's name reaches Meta with the
      // upload's file part instead.
      return { type: 'document', document: { id: media.id } };
  }
}

/** Meta: `{type:"button", header?, body:{text}, footer?:{text}, action:{buttons:[{type:"reply", reply:{id,title}}]}}`. */
export function buildButtonMessage(inter: InteractiveButton, media?: HeaderMediaUpload): GraphButtonInteractive {
  const header = buttonHeader(inter, media);
  return {
    type: 'button',
    ...(header ? { header } : {}),
    body: { text: inter.body },
    ...(isGiven(inter.footer) ? { footer: { text: inter.footer } } : {}),
    action: { buttons: inter.buttons.map(({ id, title }) => ({ type: 'reply', reply: { id, title } })) },
  };
}

/** Meta: `{type:"list", header?, body, footer?, action:{button, sections:[{title?, rows:[{id,title,description?}]}]}}`. */
export function buildListMessage(inter: InteractiveList): GraphListInteractive {
  return {
    type: 'list',
    ...(isGiven(inter.header) ? { header: { type: 'text', text: inter.header } } : {}),
    body: { text: inter.body },
    ...(isGiven(inter.footer) ? { footer: { text: inter.footer } } : {}),
    action: {
      button: inter.button,
      sections: inter.sections.map((section) => ({
        ...optional('title', section.title),
        rows: section.rows.map((row) => ({
          id: row.id,
          title: row.title,
          ...optional('description', row.description),
        })),
      })),
    },
  };
}

export function buildInteractiveMessage(
  req: InteractiveMessage,
  media?: HeaderMediaUpload,
): Extract<GraphMessageContent, { type: 'interactive' }> {
  const inter = req.interactive;
  return {
    type: 'interactive',
    interactive: inter.type === 'button' ? buildButtonMessage(inter, media) : buildListMessage(inter),
  };
}
