import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidField } from '../../src/errors.js';
import { decodeCursor, encodeCursor, pageQuery, toPage } from '../../src/lib/pagination.js';

const opts = { defaultLimit: 50, maxLimit: 200, decode: (c: string) => (c.startsWith('id-') ? c : undefined) };

describe('keyset pagination', () => {
  it('reads one row more than the page and names the next cursor only when more follow', () => {
    const page = pageQuery({ limit: '2' }, opts);
    expect(page).toEqual({ limit: 2, readLimit: 3, after: undefined });
    const rows = ['id-1', 'id-2', 'id-3'];
    expect(
      toPage(
        rows,
        page,
        (r) => r,
        (r) => r.toUpperCase(),
      ),
    ).toEqual({
      data: ['ID-1', 'ID-2'],
      next_cursor: 'id-2',
    });
    expect(
      toPage(
        rows.slice(0, 2),
        page,
        (r) => r,
        (r) => r,
      ),
    ).toEqual({ data: ['id-1', 'id-2'], next_cursor: null });
    expect(
      toPage(
        [],
        page,
        (r) => r,
        (r) => r,
      ),
    ).toEqual({ data: [], next_cursor: null });
  });

  it('takes the default limit and a cursor it can decode', () => {
    expect(pageQuery({ cursor: 'id-9' }, opts)).toEqual({ limit: 50, readLimit: 51, after: 'id-9' });
  });

  it.each(['0', '201', '-1', '1.5', '1e2', ' 5', 'ten', ''])('refuses limit %j', (limit) => {
    expect(() => pageQuery({ limit }, opts)).toThrow(new InvalidField('limit must be an integer between 1 and 200'));
  });

  it('refuses a cursor it did not hand out', () => {
    expect(() => pageQuery({ cursor: 'other' }, opts)).toThrow(new InvalidField('cursor is not valid'));
  });

  it('round-trips composite cursors and refuses anything else', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })), {
          minLength: 1,
          maxLength: 4,
        }),
        (values) => {
          const decoded = decodeCursor(encodeCursor(values), values.length);
          expect(decoded).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
        },
      ),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (s) => {
        const d = decodeCursor(s, 2);
        if (d !== undefined) expect(encodeCursor(d)).toBe(s);
      }),
    );
    expect(decodeCursor(encodeCursor(['a', 1]), 3)).toBeUndefined();
    expect(decodeCursor(Buffer.from('{"a":1}').toString('base64url'), 1)).toBeUndefined();
    expect(decodeCursor(Buffer.from('[null,{}]').toString('base64url'), 2)).toBeUndefined();
    expect(decodeCursor('not+base64/', 1)).toBeUndefined();
  });
});
