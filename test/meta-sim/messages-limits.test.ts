// Every limit of REFERENCE §1 at the limit (accepted) and one past it (refused with Meta's code).
// Lengths count user-perceived characters: an emoji is one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaSim } from '../../meta-sim/index.js';
import { button, buttons, contactCard, list, row, sections } from './fixtures.js';
import { graphError, message, postMessage, startTestSim } from './helpers.js';

let sim: MetaSim;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(async () => {
  await sim.close();
});

const a = (n: number): string => 'a'.repeat(n);
const thumbs = (n: number): string => '👍'.repeat(n);

interface LimitRow {
  name: string;
  payload: Record<string, unknown>;
  /** 200, or the Graph error code expected. */
  expected: number;
}

/** The two rows of one limit: at it, and one past it. */
function limit(name: string, build: (n: number) => Record<string, unknown>, max: number, code = 131009): LimitRow[] {
  return [
    { name: `${name} at ${max}`, payload: build(max), expected: 200 },
    { name: `${name} at ${max + 1}`, payload: build(max + 1), expected: code },
  ];
}

const ROWS: LimitRow[] = [
  ...limit('text body (characters)', (n) => message('text', { body: a(n) }), 4096),
  ...limit('text body (emoji count as one)', (n) => message('text', { body: thumbs(n) }), 4096),
  ...limit('image caption', (n) => message('image', { link: 'https://example.com/a.jpg', caption: a(n) }), 1024),
  ...limit('video caption', (n) => message('video', { link: 'https://example.com/a.mp4', caption: a(n) }), 1024),
  ...limit('document caption', (n) => message('document', { link: 'https://example.com/a.pdf', caption: a(n) }), 1024),
  ...limit('button body', (n) => buttons({ body: a(n) }), 1024),
  ...limit('button body in emoji', (n) => buttons({ body: thumbs(n) }), 1024),
  ...limit('button header text', (n) => buttons({ header: { type: 'text', text: a(n) } }), 60),
  ...limit('button footer', (n) => buttons({ footer: a(n) }), 60),
  ...limit('button title', (n) => buttons({ buttons: [button('b1', a(n))] }), 20),
  ...limit('button title in emoji', (n) => buttons({ buttons: [button('b1', thumbs(n))] }), 20),
  ...limit(
    'button title in family emoji (one grapheme each)',
    (n) => buttons({ buttons: [button('b1', '👨‍👩‍👧'.repeat(n))] }),
    20,
  ),
  ...limit(
    'row title in decomposed accents',
    (n) => list({ sections: [{ rows: [row('r1', 'e\u0301'.repeat(n))] }] }),
    24,
  ),
  ...limit('button id', (n) => buttons({ buttons: [button(a(n), 'Yes')] }), 256),
  ...limit(
    'number of buttons',
    (n) => buttons({ buttons: Array.from({ length: n }, (_, i) => button(`b${i}`, `B${i}`)) }),
    3,
  ),
  { name: 'number of buttons at 0', payload: buttons({ buttons: [] }), expected: 131009 },
  ...limit('list body', (n) => list({ body: a(n) }), 1024),
  ...limit('list header text', (n) => list({ header: { type: 'text', text: a(n) } }), 60),
  ...limit('list button', (n) => list({ button: a(n) }), 20),
  ...limit('list sections (one row each)', (n) => list({ sections: sections(n, 1) }), 10),
  ...limit('list rows in one section', (n) => list({ sections: sections(1, n) }), 10),
  ...limit(
    'list rows across two sections',
    (n) =>
      list({
        sections: [sections(1, 5)[0], { title: 'More', rows: Array.from({ length: n - 5 }, (_, i) => row(`m${i}`)) }],
      }),
    10,
  ),
  ...limit('list row id', (n) => list({ sections: [{ rows: [row(a(n), 'Row')] }] }), 200),
  ...limit('list row title', (n) => list({ sections: [{ rows: [row('r1', a(n))] }] }), 24),
  ...limit('list row description', (n) => list({ sections: [{ rows: [row('r1', 'Row', a(n))] }] }), 72),
  ...limit('list section title', (n) => list({ sections: [{ title: a(n), rows: [row('r1')] }] }), 24),
  ...limit(
    'contact cards',
    (n) =>
      message(
        'contacts',
        Array.from({ length: n }, (_, i) => contactCard(`Person ${i}`)),
      ),
    257,
  ),
  { name: 'contact cards at 0', payload: message('contacts', []), expected: 131009 },
  ...limit('biz_opaque_callback_data', (n) => message('text', { body: 'hi' }, { biz_opaque_callback_data: a(n) }), 512),
  { name: 'latitude at 90', payload: message('location', { latitude: 90, longitude: 0 }), expected: 200 },
  { name: 'latitude past 90', payload: message('location', { latitude: 90.0001, longitude: 0 }), expected: 131009 },
  { name: 'longitude at -180', payload: message('location', { latitude: 0, longitude: '-180' }), expected: 200 },
  { name: 'longitude past -180', payload: message('location', { latitude: 0, longitude: '-180.5' }), expected: 131009 },
  {
    name: 'recipient with 15 digits',
    payload: message('text', { body: 'hi' }, { to: '+123456789012345' }),
    expected: 200,
  },
  {
    name: 'recipient with 16 digits',
    payload: message('text', { body: 'hi' }, { to: '+1234567890123456' }),
    expected: 131009,
  },
  { name: 'recipient with 8 digits', payload: message('text', { body: 'hi' }, { to: '12345678' }), expected: 200 },
  { name: 'recipient with 7 digits', payload: message('text', { body: 'hi' }, { to: '1234567' }), expected: 131009 },
];

describe('Meta simulator enforces Meta limits', () => {
  it.each(ROWS)('$name → $expected', async ({ payload, expected }) => {
    const res = await postMessage(sim, payload);
    if (expected === 200) {
      expect(res.status, res.text).toBe(200);
      return;
    }
    expect(res.status).toBe(400);
    const err = graphError(res);
    expect(err.code, res.text).toBe(expected);
    expect(err.details).toEqual(expect.any(String));
  });
});
