// Every character limit of the document and of Meta: [name, body builder, limit, message past it].
import { buttonBody, listBody, mediaBody, row, s, textBody } from './bodies.js';

export type Body = Record<string, unknown>;

export const HEART = '❤️'; // two code points, one character
export const FAMILY = '👨‍👩‍👧‍👦'; // a ZWJ sequence of seven code points, one character

// [limit, body at the limit, body past it, the message for the one past it]
export const LIMITS: [string, (n: number, unit?: string) => Body, number, string][] = [
  ['text', (n, u) => textBody(s(n, u)), 4096, 'text must be at most 4096 characters'],
  [
    'image caption',
    (n, u) => mediaBody('image', { caption: s(n, u) }),
    1024,
    'caption must be at most 1024 characters',
  ],
  [
    'video caption',
    (n, u) => mediaBody('video', { caption: s(n, u) }),
    1024,
    'caption must be at most 1024 characters',
  ],
  [
    'document caption',
    (n, u) => mediaBody('document', { caption: s(n, u) }),
    1024,
    'caption must be at most 1024 characters',
  ],
  [
    'document filename',
    (n, u) => mediaBody('document', { filename: s(n, u) }),
    240,
    'filename must be at most 240 characters',
  ],
  ['button header', (n, u) => buttonBody({ header: s(n, u) }), 60, 'interactive.header must be at most 60 characters'],
  ['button body', (n, u) => buttonBody({ body: s(n, u) }), 1024, 'interactive.body must be at most 1024 characters'],
  ['button footer', (n, u) => buttonBody({ footer: s(n, u) }), 60, 'interactive.footer must be at most 60 characters'],
  [
    'button title',
    (n, u) => buttonBody({ buttons: [{ id: 'x', title: s(n, u) }] }),
    20,
    'interactive.buttons[0].title must be at most 20 characters',
  ],
  [
    'button id',
    (n, u) => buttonBody({ buttons: [{ id: s(n, u), title: 'x' }] }),
    256,
    'interactive.buttons[0].id must be at most 256 characters',
  ],
  ['list header', (n, u) => listBody({ header: s(n, u) }), 60, 'interactive.header must be at most 60 characters'],
  ['list body', (n, u) => listBody({ body: s(n, u) }), 1024, 'interactive.body must be at most 1024 characters'],
  ['list footer', (n, u) => listBody({ footer: s(n, u) }), 60, 'interactive.footer must be at most 60 characters'],
  ['list button', (n, u) => listBody({ button: s(n, u) }), 20, 'interactive.button must be at most 20 characters'],
  [
    'section title',
    (n, u) => listBody({ sections: [{ title: s(n, u), rows: [row('1')] }] }),
    24,
    'interactive.sections[0].title must be at most 24 characters',
  ],
  [
    'row title',
    (n, u) => listBody({ sections: [{ rows: [row('1', { title: s(n, u) })] }] }),
    24,
    'interactive.sections[0].rows[0].title must be at most 24 characters',
  ],
  [
    'row description',
    (n, u) => listBody({ sections: [{ rows: [row('1', { description: s(n, u) })] }] }),
    72,
    'interactive.sections[0].rows[0].description must be at most 72 characters',
  ],
  [
    'row id',
    (n, u) => listBody({ sections: [{ rows: [{ id: s(n, u), title: 'Row' }] }] }),
    200,
    'interactive.sections[0].rows[0].id must be at most 200 characters',
  ],
];
