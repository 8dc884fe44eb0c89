// GET /media/<key>?exp=&sig=: serves stored media behind the signed URL, with Range (players need
// it), ETag and long cache headers. HTTP only; the signature check is MediaSigner's.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Forbidden, NotFound } from '../errors.js';
import type { MediaSigner } from './signing.js';
import { isMediaKey, type MediaStorage } from './storage/types.js';

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? 'invalid' : { start, end };
}

export async function mediaRoutes(app: FastifyInstance, opts: { storage: MediaStorage; signer: MediaSigner }): Promise<void> {
  app.get('/media/*', { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const key = (request.params as { '*': string })['*'];
    const q = request.query as { exp?: string; sig?: string };
    if (!isMediaKey(key)) throw new Forbidden('Invalid media signature');
    const verdict = opts.signer.verify(key, q.exp, q.sig);
    if (verdict === 'bad') throw new Forbidden('Invalid media signature');
    if (verdict === 'expired') throw new Forbidden('This media URL has expired');
    const obj = await opts.storage.head(key);
    if (!obj) throw new NotFound('Media not found');
    const maxAge = Math.max(0, Number(q.exp) - Math.floor(Date.now() / 1000));
    reply.header('content-type', obj.contentType).header('etag', obj.etag).header('accept-ranges', 'bytes').header('cache-control', `private, max-age=${maxAge}, immutable`);
    if (request.headers['if-none-match'] === obj.etag) return reply.code(304).send();
    const range = parseRange(request.headers.range, obj.size);
    if (range === 'invalid') return reply.code(416).header('content-range', `bytes */${obj.size}`).send();
    if (range) {
      reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${obj.size}`).header('content-length', range.end - range.start + 1);
      return reply.send(await opts.storage.read(key, range));
    }
    reply.header('content-length', obj.size);
    return reply.send(await opts.storage.read(key));
  });
}
