// Downloads a media file from the URL Meta's media lookup named, with the organization's bearer
// token, to a temporary file: the size limit enforced on the bytes as they stream (a missing or
// lying Content-Length cannot get past it), the SHA-256 computed on the way.
//
// The token goes to that URL's origin only. Redirects are followed (at most 3) while they stay on
// that origin; one to any other origin is not followed at all, so neither the token nor a request
// ever reaches a host Meta's answer did not name. No address guard (lib/address-guard.ts): the URL
// comes from Meta's own answer on the Graph connection and is trusted as the Graph URL is (on the
// simulator it is loopback); a redirect elsewhere, which would not be, is refused instead.
//
// Node's http client, not undici, for the reason media/download.ts gives (nodejs/undici#5360): a server
// closing the connection while a body is paused must not be able to end the process.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const MAX_SAME_ORIGIN_REDIRECTS = 3;
/** Of an error answer, only this much is read (Graph's envelope is small). */
const ERROR_BODY_LIMIT = 64 * 1024;

export interface BearerDownloadOptions {
  token: string;
  maxBytes: number;
  tmpDir: string;
  connectTimeoutMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export type BearerDownload =
  | { ok: true; filePath: string; size: number; sha256: string; contentType: string | undefined }
  /** An answer other than 200: its status, headers and (the start of) its body. */
  | { ok: false; reason: 'status'; statusCode: number; headers: IncomingMessage['headers']; body: string }
  | { ok: false; reason: 'too_large'; maxBytes: number; declared?: number }
  /** A redirect to another origin (or too many on the same one), not followed. */
  | { ok: false; reason: 'redirect'; statusCode: number; location: string | undefined };

class TooLarge extends Error {}

function get(url: URL, token: string, connectTimeoutMs: number, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(
      url,
      {
        method: 'GET',
        signal,
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          // Meta's download fails without a User-Agent (docs/META.md §6, WEBHOOKS.md §7).
          'user-agent': 'FlowIQ-Gateway/0.1 (media fetch)',
          accept: '*/*',
        },
      },
      (res) => {
        clearTimeout(connectTimer);
        resolve(res);
      },
    );
    const connectTimer = setTimeout(
      () =>
        req.destroy(
          Object.assign(new Error('connect timeout'), { name: 'TimeoutError', code: 'UND_ERR_CONNECT_TIMEOUT' }),
        ),
      connectTimeoutMs,
    );
    req.once('socket', (socket) => {
      socket.once('connect', () => clearTimeout(connectTimer));
      socket.once('secureConnect', () => clearTimeout(connectTimer));
    });
    req.once('error', (err) => {
      clearTimeout(connectTimer);
      reject(err);
    });
    req.end();
  });
}

async function readSome(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      n += chunk.length;
      if (n >= ERROR_BODY_LIMIT) break;
    }
  } catch {
    // what was read is enough to describe the failure
  } finally {
    res.destroy();
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT).toString('utf8');
}

/** Transport failures (connect, reset, timeout) are thrown as they come, for the caller to classify. */
export async function downloadWithBearer(rawUrl: string, opts: BearerDownloadOptions): Promise<BearerDownload> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(Object.assign(new Error('media download timed out'), { name: 'TimeoutError' })),
    opts.timeoutMs,
  );
  const onAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  try {
    return await follow(new URL(rawUrl), opts, controller.signal);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

async function follow(start: URL, opts: BearerDownloadOptions, signal: AbortSignal): Promise<BearerDownload> {
  let url = start;
  for (let hop = 0; ; hop++) {
    const res = await get(url, opts.token, opts.connectTimeoutMs, signal);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && status !== 304) {
      res.destroy();
      const raw = res.headers.location;
      let next: URL | undefined;
      try {
        next = raw === undefined ? undefined : new URL(raw, url);
      } catch {
        next = undefined;
      }
      if (next === undefined || next.origin !== start.origin || hop >= MAX_SAME_ORIGIN_REDIRECTS)
        return { ok: false, reason: 'redirect', statusCode: status, location: raw };
      url = next;
      continue;
    }
    if (status !== 200)
      return { ok: false, reason: 'status', statusCode: status, headers: res.headers, body: await readSome(res) };
    return toFile(res, opts, signal);
  }
}

async function toFile(res: IncomingMessage, opts: BearerDownloadOptions, signal: AbortSignal): Promise<BearerDownload> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    res.destroy();
    return { ok: false, reason: 'too_large', maxBytes: opts.maxBytes, declared };
  }
  await fs.promises.mkdir(opts.tmpDir, { recursive: true });
  const filePath = path.join(opts.tmpDir, `in-${randomUUID()}`);
  const hash = createHash('sha256');
  let size = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > opts.maxBytes) return cb(new TooLarge());
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(res, limiter, fs.createWriteStream(filePath, { mode: 0o600 }), { signal });
  } catch (err) {
    await fs.promises.rm(filePath, { force: true });
    if (err instanceof TooLarge) return { ok: false, reason: 'too_large', maxBytes: opts.maxBytes };
    throw err;
  }
  const type = res.headers['content-type'];
  return { ok: true, filePath, size, sha256: hash.digest('hex'), contentType: type };
}
