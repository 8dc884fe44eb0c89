// The inbox page (GET /inbox, /inbox/set-password) and its files (GET /inbox/assets/…): plain
// HTML, CSS and ES modules from web/inbox, with no build step. The files are read once at start
// into memory (a few dozen kB), so a request never touches the disk and no path from a URL ever
// reaches the file system: only the names found in the folder are served.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFound } from '../errors.js';

export interface InboxPageOptions {
  /** Signed media URLs are absolute on PUBLIC_URL: the page may load images and audio from there. */
  publicUrl: string;
  /** Where the page's files are; default web/inbox of the package. */
  folder?: string;
}

interface PageFile {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The package root: the nearest folder above this module with a package.json (src/ or dist/src/). */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

function readFiles(folder: string): Map<string, PageFile> {
  const files = new Map<string, PageFile>();
  for (const name of fs.readdirSync(folder)) {
    const type = TYPES[path.extname(name)];
    if (type === undefined) continue;
    const body = fs.readFileSync(path.join(folder, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    files.set(name, { body, type, etag });
  }
  return files;
}

/**
 * The page's own policy, stricter than a page usually gets: scripts, styles and fetches only from
 * the gateway itself (no inline script or style attribute, no eval, nothing external), media also
 * from PUBLIC_URL (signed URLs) and blob: (a preview of the file being attached), no frames, no
 * plugins, forms posting nowhere else.
 */
export function inboxCsp(publicUrl: string): string {
  const media = `'self' ${new URL(publicUrl).origin} blob:`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${media}`,
    `media-src ${media}`,
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

export async function inboxPageRoutes(app: FastifyInstance, opts: InboxPageOptions): Promise<void> {
  const files = readFiles(opts.folder ?? path.join(packageRoot(), 'web', 'inbox'));
  const csp = inboxCsp(opts.publicUrl);
  // No build step, so names carry no content hash: every load revalidates (ETag, 304), which costs
  // a round trip and never serves a stale module after an upgrade.
  const send = (request: FastifyRequest, reply: FastifyReply, name: string) => {
    const file = files.get(name);
    if (file === undefined) throw new NotFound(`No inbox file is named ${JSON.stringify(name.slice(0, 100))}`);
    reply
      .header('content-security-policy', csp)
      .header('cache-control', 'no-cache')
      .header('etag', file.etag)
      .header('referrer-policy', 'no-referrer');
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.type(file.type).send(file.body);
  };
  const page = { schema: { hide: true } };
  app.get('/inbox', page, (request, reply) => send(request, reply, 'index.html'));
  app.get('/inbox/', page, (request, reply) => send(request, reply, 'index.html'));
  app.get('/inbox/set-password', page, (request, reply) => send(request, reply, 'index.html'));
  app.get<{ Params: { name: string } }>('/inbox/assets/:name', page, (request, reply) => {
    // The page itself is only at /inbox, with its own headers; not an asset.
    if (request.params.name === 'index.html')
      throw new NotFound('No inbox file is named "index.html" under /inbox/assets: the page is at /inbox');
    return send(request, reply, request.params.name);
  });
}
