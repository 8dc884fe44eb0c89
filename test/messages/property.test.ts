import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { validateSendRequest } from '../../src/messages/validate.js';
import { buildGraphPayload } from '../../src/messages/to-graph/index.js';
import { DOCUMENT_EXAMPLES } from './document-examples.js';

/** The property: a body is accepted (and can be turned into a Graph payload) or refused with a 400 AppError. */
function acceptedOrRefused(body: unknown): void {
  let accepted;
  try {
    accepted = validateSendRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.status).toBe(400);
    expect(['Missing required field', 'Invalid field', 'Invalid message type']).toContain(e.error);
    expect(e.message.length).toBeGreaterThan(0);
    return;
  }
  expect(() => buildGraphPayload(accepted, { to: '+27123456789', mediaId: '123', filename: 'f.pdf' })).not.toThrow();
}

type Json = unknown;

/** Every path into a JSON value, as keys. */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const here = [at];
  if (Array.isArray(v)) return here.concat(...v.map((x, i) => paths(x, [...at, i])));
  if (typeof v === 'object' && v !== null)
    return here.concat(...Object.entries(v).map(([k, x]) => paths(x, [...at, k])));
  return here;
}

/** A copy of `v` with the value at `path` replaced (or removed when `value` is undefined). */
function replaceAt(v: Json, path: (string | number)[], value: Json): Json {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy = (Array.isArray(v) ? [...v] : { ...(v as Record<string, Json>) }) as Record<string | number, Json>;
  const next = replaceAt(copy[head!], rest, value);
  if (next === undefined) delete copy[head!];
  else copy[head!] = next;
  return copy;
}

const examples = Object.values(DOCUMENT_EXAMPLES);

/** A document example with one value somewhere replaced by arbitrary JSON, or removed. */
const mutatedExample = fc
  .constantFrom(...examples)
  .chain((ex) =>
    fc.tuple(fc.constant(ex), fc.constantFrom(...paths(ex)), fc.option(fc.jsonValue(), { nil: undefined })),
  )
  .map(([ex, path, value]) => replaceAt(ex, path, value));

/** The same with an extra key anywhere. */
const extendedExample = fc
  .constantFrom(...examples)
  .chain((ex) => fc.tuple(fc.constant(ex), fc.constantFrom(...paths(ex)), fc.string(), fc.jsonValue()))
  .map(([ex, path, key, value]) => {
    const at = paths(ex).find((p) => p.length === path.length + 1 && path.every((k, i) => p[i] === k))
      ? [...path, key]
      : [key];
    return replaceAt(ex, at, value);
  });

describe("any body is accepted or refused with a 400 in the document's words", () => {
  it('for arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), acceptedOrRefused), { numRuns: 2000 });
  });

  it('for objects with a real message_type and arbitrary fields', () => {
    const body = fc
      .record({
        phone_number: fc.oneof(fc.constant('+27123456789'), fc.jsonValue()),
        message_type: fc.constantFrom(
          'text',
          'image',
          'video',
          'audio',
          'document',
          'location',
          'contacts',
          'interactive',
          'reaction',
        ),
        fields: fc.dictionary(
          fc.constantFrom(
            'text',
            'media_url',
            'caption',
            'filename',
            'location',
            'contacts',
            'interactive',
            'reaction',
            'context_message_id',
          ),
          fc.jsonValue(),
        ),
      })
      .map(({ fields, ...rest }) => ({ ...rest, ...fields }));
    fc.assert(fc.property(body, acceptedOrRefused), { numRuns: 2000 });
  });

  it("for the document's examples with one value changed or removed", () => {
    fc.assert(fc.property(mutatedExample, acceptedOrRefused), { numRuns: 3000 });
  });

  it("for the document's examples with one key added", () => {
    fc.assert(fc.property(extendedExample, acceptedOrRefused), { numRuns: 1000 });
  });
});
