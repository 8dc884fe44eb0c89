import { describe, expect, it } from 'vitest';
import { validateSendRequest } from '../../src/messages/validate.js';
import { buttonBody, card, contactsBody, listBody, locationBody, s, sections } from './bodies.js';
import { expectRefused, INVALID } from './helpers.js';
import { FAMILY, HEART, LIMITS, type Body } from './limit-table.js';

describe('character limits, counted as people count characters', () => {
  describe.each(LIMITS)('%s', (_name, build, limit, message) => {
    it(`accepts ${limit} characters`, () => {
      expect(() => validateSendRequest(build(limit))).not.toThrow();
    });
    it(`refuses ${limit + 1} characters: ${message}`, () => {
      expectRefused(build(limit + 1), INVALID, message);
    });
    it.each([['👍'], [HEART], [FAMILY], ['🇿🇦'], ['e\u0301']])(
      `counts %s as one character (${limit} accepted, ${limit + 1} refused)`,
      (unit) => {
        expect(() => validateSendRequest(build(limit, unit))).not.toThrow();
        expectRefused(build(limit + 1, unit), INVALID, message);
      },
    );
  });

  it('accepts a 20-emoji button title and refuses 21', () => {
    expect(() => validateSendRequest(buttonBody({ buttons: [{ id: 'x', title: s(20, HEART) }] }))).not.toThrow();
    expectRefused(
      buttonBody({ buttons: [{ id: 'x', title: s(21, HEART) }] }),
      INVALID,
      'interactive.buttons[0].title must be at most 20 characters',
    );
  });
});

const buttons = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `b${i}`, title: `Button ${i}` }));

// [what, body at the limit, body past it, message]
const COUNTS: [string, Body, Body, string][] = [
  [
    '3 buttons',
    buttonBody({ buttons: buttons(3) }),
    buttonBody({ buttons: buttons(4) }),
    'interactive.buttons must have at most 3 items',
  ],
  [
    '10 sections',
    listBody({ sections: sections(1, 1, 1, 1, 1, 1, 1, 1, 1, 1) }),
    listBody({ sections: sections(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1) }),
    'interactive.sections must have at most 10 items',
  ],
  [
    '10 rows in one section',
    listBody({ sections: sections(10) }),
    listBody({ sections: sections(11) }),
    'interactive.sections[0].rows must have at most 10 items',
  ],
  [
    '10 rows across sections',
    listBody({ sections: sections(5, 5) }),
    listBody({ sections: sections(5, 6) }),
    'interactive.sections must have at most 10 rows in total across all sections (has 11)',
  ],
  [
    '257 contact cards',
    contactsBody(Array.from({ length: 257 }, (_, i) => card(i))),
    contactsBody(Array.from({ length: 258 }, (_, i) => card(i))),
    'contacts must have at most 257 items',
  ],
];

describe('counts', () => {
  it.each(COUNTS)('accepts %s and refuses one more', (_what, atLimit, past, message) => {
    expect(() => validateSendRequest(atLimit)).not.toThrow();
    expectRefused(past, INVALID, message);
  });

  it.each([
    ['no buttons', buttonBody({ buttons: [] }), 'interactive.buttons must have at least 1 item'],
    ['no sections', listBody({ sections: [] }), 'interactive.sections must have at least 1 item'],
    [
      'a section without rows',
      listBody({ sections: [{ title: 'Empty', rows: [] }] }),
      'interactive.sections[0].rows must have at least 1 item',
    ],
    ['no contact cards', contactsBody([]), 'contacts must have at least 1 item'],
  ])('refuses %s', (_what, body, message) => {
    expectRefused(body, INVALID, message);
  });
});

describe('coordinates', () => {
  it.each([[{ latitude: 90, longitude: 180 }], [{ latitude: -90, longitude: -180 }], [{ latitude: 0, longitude: 0 }]])(
    'accepts %o',
    (location) => {
      expect(() => validateSendRequest(locationBody(location))).not.toThrow();
    },
  );

  it.each([
    [{ latitude: 90.0001, longitude: 0 }, 'location.latitude must be at most 90'],
    [{ latitude: -90.5, longitude: 0 }, 'location.latitude must be at least -90'],
    [{ latitude: 0, longitude: 180.01 }, 'location.longitude must be at most 180'],
    [{ latitude: 0, longitude: -181 }, 'location.longitude must be at least -180'],
    [{ latitude: '-33.9249', longitude: 18.4241 }, 'location.latitude must be a number'],
    [{ latitude: -33.9249, longitude: null }, 'location.longitude must be a number'],
  ])('refuses %o', (location, message) => {
    expectRefused(locationBody(location), INVALID, message);
  });
});
