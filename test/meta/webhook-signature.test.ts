import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkMetaSignature,
  escapeNonAscii,
  hasNonAscii,
  verifyMetaSignature,
} from '../../src/meta/webhook-signature.js';

const SECRET = 'app-secret-1';
const OLD_SECRET = 'app-secret-0';

function sign(data: string | Buffer, secret = SECRET): string {
  return 'sha256=' + createHmac('sha256', secret).update(data).digest('hex');
}

// A status body as Meta sends it, ASCII only, with Meta's `\/` escaping kept in the raw bytes.
const ASCII_BODY = Buffer.from(
  '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages",' +
    '"value":{"messaging_product":"whatsapp","statuses":[{"id":"wamid.A","status":"read",' +
    '"timestamp":"1700000000","recipient_id":"16505551234","note":"a\\/b"}]}}]}]}',
);

// The same text twice: as raw UTF-8 on the wire, and in the escaped form Meta signed it in,
// written out by hand (lowercase hex, the emoji as its two UTF-16 surrogates).
const UNICODE_TEXT = "J'ai mangé des pâtes äöå 😀 / ok";
const UNICODE_ESCAPED = "J'ai mang\\u00e9 des p\\u00e2tes \\u00e4\\u00f6\\u00e5 \\ud83d\\ude00 / ok";
const unicodeBody = (text: string) => `{"messages":[{"type":"text","text":{"body":"${text}"}}]}`;
const RAW_UNICODE = Buffer.from(unicodeBody(UNICODE_TEXT), 'utf8');
const ESCAPED_UNICODE = Buffer.from(unicodeBody(UNICODE_ESCAPED), 'ascii');

describe('checkMetaSignature: headers', () => {
  const hex = createHmac('sha256', SECRET).update(ASCII_BODY).digest('hex');
  const rows: [string, string | undefined, ReturnType<typeof checkMetaSignature>][] = [
    ['the right signature', sign(ASCII_BODY), { ok: true, secretIndex: 0, form: 'raw' }],
    ['upper-case hex digits', 'sha256=' + hex.toUpperCase(), { ok: true, secretIndex: 0, form: 'raw' }],
    ['surrounding spaces', `  sha256=${hex} `, { ok: true, secretIndex: 0, form: 'raw' }],
    ['another secret', sign(ASCII_BODY, 'someone-else'), { ok: false, reason: 'mismatch' }],
    ['another body', sign(Buffer.concat([ASCII_BODY, Buffer.from(' ')])), { ok: false, reason: 'mismatch' }],
    ['no header', undefined, { ok: false, reason: 'missing' }],
    ['an empty header', '', { ok: false, reason: 'missing' }],
    ['a blank header', '   ', { ok: false, reason: 'missing' }],
    ['no hex', 'sha256=', { ok: false, reason: 'malformed' }],
    ['no prefix', hex, { ok: false, reason: 'malformed' }],
    ['an upper-case prefix', 'SHA256=' + hex, { ok: false, reason: 'malformed' }],
    ['the old SHA-1 header', 'sha1=' + 'a'.repeat(40), { ok: false, reason: 'malformed' }],
    ['one hex digit short', 'sha256=' + hex.slice(1), { ok: false, reason: 'malformed' }],
    ['one hex digit long', 'sha256=' + hex + '0', { ok: false, reason: 'malformed' }],
    ['trailing garbage', 'sha256=' + hex + 'zz', { ok: false, reason: 'malformed' }],
    ['non-hex of the right length', 'sha256=' + 'g'.repeat(64), { ok: false, reason: 'malformed' }],
    ['two values joined', `${sign(ASCII_BODY)}, ${sign(ASCII_BODY)}`, { ok: false, reason: 'malformed' }],
  ];
  it.each(rows)('%s', (_name, header, expected) => {
    expect(checkMetaSignature(ASCII_BODY, header, [SECRET])).toEqual(expected);
    expect(verifyMetaSignature(ASCII_BODY, header, [SECRET])).toBe(expected.ok);
  });

  it('refuses everything when no usable secret is configured', () => {
    expect(checkMetaSignature(ASCII_BODY, sign(ASCII_BODY), [])).toEqual({ ok: false, reason: 'no-secret' });
    // An empty key is one anybody can sign with.
    expect(checkMetaSignature(ASCII_BODY, sign(ASCII_BODY, ''), [''])).toEqual({ ok: false, reason: 'no-secret' });
  });

  it('hashes the raw bytes: re-serialised JSON (without Meta\'s "\\/") does not match', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(ASCII_BODY.toString())));
    expect(reserialised.equals(ASCII_BODY)).toBe(false);
    expect(verifyMetaSignature(ASCII_BODY, sign(reserialised), [SECRET])).toBe(false);
  });
});

describe('checkMetaSignature: escaped unicode', () => {
  it('accepts a raw UTF-8 body signed over its raw bytes', () => {
    expect(checkMetaSignature(RAW_UNICODE, sign(RAW_UNICODE), [SECRET])).toEqual({
      ok: true,
      secretIndex: 0,
      form: 'raw',
    });
  });

  it("accepts a raw UTF-8 body signed over Meta's escaped form (accents, surrogate pairs)", () => {
    expect(checkMetaSignature(RAW_UNICODE, sign(ESCAPED_UNICODE), [SECRET])).toEqual({
      ok: true,
      secretIndex: 0,
      form: 'escaped',
    });
  });

  it('keeps the "\\/" Meta wrote in the raw body when it builds the escaped form', () => {
    const raw = Buffer.from('{"url":"https:\\/\\/example.com\\/caf\u00e9"}', 'utf8');
    const signed = Buffer.from('{"url":"https:\\/\\/example.com\\/caf\\u00e9"}', 'ascii');
    expect(checkMetaSignature(raw, sign(signed), [SECRET])).toEqual({ ok: true, secretIndex: 0, form: 'escaped' });
  });

  it('refuses an escaped form written with upper-case hex, which Meta does not sign', () => {
    const upper = Buffer.from(
      unicodeBody(UNICODE_ESCAPED.replace(/\\u([0-9a-f]{4})/g, (_m, h: string) => `\\u${h.toUpperCase()}`)),
    );
    expect(verifyMetaSignature(RAW_UNICODE, sign(upper), [SECRET])).toBe(false);
  });

  it('refuses an escaped form that also escapes "/", which Meta does not do in that form', () => {
    const slashes = Buffer.from(ESCAPED_UNICODE.toString().replace('/ ok', '\\/ ok'));
    expect(verifyMetaSignature(RAW_UNICODE, sign(slashes), [SECRET])).toBe(false);
  });

  it('refuses an escaped-form signature under a wrong secret', () => {
    expect(checkMetaSignature(RAW_UNICODE, sign(ESCAPED_UNICODE, 'nope'), [SECRET])).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });
});

describe('checkMetaSignature: several secrets (rotation)', () => {
  it('accepts a signature under any configured secret and says which', () => {
    const secrets = [SECRET, OLD_SECRET];
    expect(checkMetaSignature(ASCII_BODY, sign(ASCII_BODY, OLD_SECRET), secrets)).toEqual({
      ok: true,
      secretIndex: 1,
      form: 'raw',
    });
    expect(checkMetaSignature(RAW_UNICODE, sign(ESCAPED_UNICODE, OLD_SECRET), secrets)).toEqual({
      ok: true,
      secretIndex: 1,
      form: 'escaped',
    });
  });

  it('skips blank secrets and keeps the indexes of the given list', () => {
    expect(checkMetaSignature(ASCII_BODY, sign(ASCII_BODY, OLD_SECRET), ['', OLD_SECRET])).toEqual({
      ok: true,
      secretIndex: 1,
      form: 'raw',
    });
  });

  it('refuses a signature under none of them', () => {
    expect(verifyMetaSignature(ASCII_BODY, sign(ASCII_BODY, 'x'), [SECRET, OLD_SECRET])).toBe(false);
  });
});

describe('escapeNonAscii and hasNonAscii', () => {
  const rows: [string, string, string][] = [
    ['accented letters', 'é à ñ', '\\u00e9 \\u00e0 \\u00f1'],
    ['an emoji as two surrogates', '😀', '\\ud83d\\ude00'],
    ['a flag (two astral characters)', '🇫🇷', '\\ud83c\\uddeb\\ud83c\\uddf7'],
    ['the first non-ASCII code unit', '\u0080', '\\u0080'],
    ['a BMP character above U+0FFF', '€中', '\\u20ac\\u4e2d'],
    ['ASCII, DEL and existing escapes unchanged', 'a/\\/\\u00e9\u007f"', 'a/\\/\\u00e9\u007f"'],
  ];
  it.each(rows)('%s', (_name, input, expected) => {
    expect(escapeNonAscii(Buffer.from(input, 'utf8')).toString('ascii')).toBe(expected);
  });

  it("checks Meta's largest body (3 MB), all non-ASCII, in well under two seconds", () => {
    const raw = Buffer.from(`{"body":"${'é😀'.repeat(500_000)}"}`);
    const started = performance.now();
    expect(checkMetaSignature(raw, sign(escapeNonAscii(raw), OLD_SECRET), [SECRET, OLD_SECRET])).toMatchObject({
      ok: true,
      form: 'escaped',
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('does not throw on bytes that are not UTF-8', () => {
    expect(escapeNonAscii(Buffer.from([0x61, 0xff, 0xfe, 0x62])).toString()).toBe('a\\ufffd\\ufffdb');
    expect(verifyMetaSignature(Buffer.from([0xc3]), sign(Buffer.from([0xc3])), [SECRET])).toBe(true);
  });

  it('tells ASCII bodies from the others', () => {
    expect(hasNonAscii(Buffer.from('plain \u007f ascii'))).toBe(false);
    expect(hasNonAscii(Buffer.from('caf\u00e9'))).toBe(true);
    expect(hasNonAscii(Buffer.alloc(0))).toBe(false);
  });
});
