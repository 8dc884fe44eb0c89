// GET /media/<key>?exp=&sig=: serves stored media behind the signed URL, with Range (players need
// it), ETag and long cache headers. HTTP only; the signature check is MediaSigner's.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Forbidden, NotFound } from '../errors.js';
import type { MediaSigner } from './signing.js';
import { isMediaKey, type MediaStorage } from './storage/types.js';

// RFC 9110 §14.2: a Range header that does not parse (another unit, bad syntax, last < first) is
// ignored and the whole file served; only a well-formed single range that misses the file is 416.
// Several ranges would need a multipart/byteranges answer, which is not implemented, so they are
// ignored too (the RFC allows ignoring Range at any time). Empty list elements are allowed (§5.6.1).
const RANGE_SPEC = /^(\d*)-(\d*)$/;

function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return undefined;
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length !== 1) return undefined;
  const m = RANGE_SPEC.exec(specs[0]!);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    // Suffix range: the last N bytes; N = 0 selects nothing.
    const n = Number(m[2]);
    return n === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

export async function mediaRoutes(
  app: FastifyInstance,
  opts: { storage: MediaStorage; signer: MediaSigner },
): Promise<void> {
  app.get<{ Params: { '*': string }; Querystring: Record<string, string | string[] | undefined> }>(
    '/media/*',
    { schema: { hide: true } },
    async (request, reply: FastifyReply) => {
      const key = request.params['*'];
      // A repeated parameter parses to an array: such a link was not signed by us.
      const exp = typeof request.query.exp === 'string' ? request.query.exp : undefined;
      const sig = typeof request.query.sig === 'string' ? request.query.sig : undefined;
      if (!isMediaKey(key)) throw new Forbidden('Invalid media signature');
      const verdict = opts.signer.verify(key, exp, sig);
      if (verdict === 'bad') throw new Forbidden('Invalid media signature');
      if (verdict === 'expired') throw new Forbidden('This media URL has expired');
      const obj = await opts.storage.head(key);
      if (!obj) throw new NotFound('Media not found');
      const maxAge = Math.max(0, Number(exp) - Math.floor(Date.now() / 1000));
      reply
        .header('content-type', obj.contentType)
        .header('etag', obj.etag)
        .header('accept-ranges', 'bytes')
        .header('cache-control', `private, max-age=${maxAge}, immutable`);
      if (request.headers['if-none-match'] === obj.etag) return reply.code(304).send();
      const range = parseRange(request.headers.range, obj.size);
      if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${obj.size}`).send();
      if (range) {
        reply
          .code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${obj.size}`)
          .header('content-length', range.end - range.start + 1);
        return reply.send(await opts.storage.read(key, range));
      }
      reply.header('content-length', obj.size);
      return reply.send(await opts.storage.read(key));
    },
  );
}
