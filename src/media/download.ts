// Downloads a media URL to a temporary file: http(s) only, at most 3 redirects each checked like the
// first, connect and overall timeouts, and the size limit enforced on the bytes as they stream, so a
// missing or lying Content-Length cannot get past it. The SHA-256 is computed on the way.
//
// Node's own http client, not undici: undici 7 (the last line that runs on Node 20) crashes the
// process with an uncatchable `assert(!this.paused)` when a server closes the connection while a
// response body is paused by backpressure or left unread (nodejs/undici#5360, fixed only in 8.x,
// which needs Node 22). Any media source could end the gateway that way.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import net, { type LookupFunction } from 'node:net';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MediaDownloadFailed } from '../errors.js';
import { checkHttpUrl } from '../lib/http-url.js';
import { guardedLookup, isAllowedAddress } from '../lib/address-guard.js';

export const MAX_REDIRECTS = 3;

export class AddressNotAllowed extends Error {
  constructor(readonly address: string) {
    super(`address ${address} is not allowed`);
  }
}

export interface DownloadOptions {
  allowPrivateNetworks: boolean;
  connectTimeoutMs: number;
  timeoutMs: number;
  tmpDir: string;
}

export interface Downloaded {
  filePath: string;
  size: number;
  sha256: string;
  contentType: string | undefined;
  contentDisposition: string | undefined;
  finalUrl: URL;
}

/** Connections that go only to allowed addresses: the check is on what is dialled, every hop. */
export interface MediaFetcher {
  allowPrivateNetworks: boolean;
  connectTimeoutMs: number;
  lookup: LookupFunction;
}

export function mediaFetcher(opts: { allowPrivateNetworks: boolean; connectTimeoutMs: number }): MediaFetcher {
  return { ...opts, lookup: guardedLookup(opts.allowPrivateNetworks, (address) => new AddressNotAllowed(address)) };
}

interface Response {
  statusCode: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

/** One GET through the fetcher's checks; the body is left to the caller. */
function get(fetcher: MediaFetcher, url: URL, signal: AbortSignal): Promise<Response> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) && !fetcher.allowPrivateNetworks && !isAllowedAddress(host))
    return Promise.reject(new AddressNotAllowed(host));
  return new Promise<Response>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(
      url,
      {
        method: 'GET',
        lookup: fetcher.lookup,
        signal,
        agent: false,
        headers: { 'user-agent': 'FlowIQ-Gateway/0.1 (media fetch)' },
      },
      (res) => {
        clearTimeout(connectTimer);
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: res });
      },
    );
    const connectTimer = setTimeout(
      () =>
        req.destroy(
          Object.assign(new Error('connect timeout'), { name: 'TimeoutError', code: 'UND_ERR_CONNECT_TIMEOUT' }),
        ),
      fetcher.connectTimeoutMs,
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

function sizeLimiter(maxBytes: number, hash: ReturnType<typeof createHash>, count: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      count.n += chunk.length;
      if (count.n > maxBytes)
        return cb(new MediaDownloadFailed(`media_url is larger than the ${maxBytes} bytes allowed`));
      hash.update(chunk);
      cb(null, chunk);
    },
  });
}

function describeFailure(err: unknown, url: URL): MediaDownloadFailed {
  if (err instanceof MediaDownloadFailed) return err;
  const cause = (err as { cause?: unknown }).cause ?? err;
  if (cause instanceof AddressNotAllowed || err instanceof AddressNotAllowed) {
    return new MediaDownloadFailed(
      `media_url address not allowed: ${url.hostname} resolves to a private, loopback or reserved address (for local development, MEDIA_ALLOW_PRIVATE_NETWORKS=true allows them)`,
    );
  }
  const name = (err as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError' || /timeout/i.test((err as Error).message)) {
    return new MediaDownloadFailed(`media_url could not be downloaded in time from ${url.host}`);
  }
  return new MediaDownloadFailed(
    `media_url is unreachable: ${url.host} (${(cause as { code?: string }).code ?? (err as Error).message})`,
  );
}

function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function parseMediaUrl(raw: string): URL {
  const check = checkHttpUrl(raw);
  if (!check.ok)
    throw new MediaDownloadFailed(
      check.problem === 'not-http' ? 'media_url must be an http or https URL' : 'media_url is not a valid URL',
    );
  const url = check.url;
  if (url.username || url.password) throw new MediaDownloadFailed('media_url must not contain credentials');
  return url;
}

/** Follows redirects by hand so each hop goes through the guarded agent and is counted. */
async function fetchFollowing(
  fetcher: MediaFetcher,
  start: URL,
  signal: AbortSignal,
): Promise<{ res: Response; url: URL }> {
  let url = start;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await get(fetcher, url, signal);
    } catch (err) {
      throw describeFailure(err, url);
    }
    if (res.statusCode < 300 || res.statusCode >= 400 || res.statusCode === 304) return { res, url };
    res.body.destroy();
    const location = header(res, 'location');
    if (!location) throw new MediaDownloadFailed(`media_url answered HTTP ${res.statusCode} without a Location`);
    if (hop >= MAX_REDIRECTS) throw new MediaDownloadFailed(`media_url redirected more than ${MAX_REDIRECTS} times`);
    url = parseMediaUrl(new URL(location, url).toString());
  }
}

export async function downloadToFile(
  rawUrl: string,
  maxBytes: number,
  opts: DownloadOptions & { fetcher: MediaFetcher; signal?: AbortSignal },
): Promise<Downloaded> {
  const url = parseMediaUrl(rawUrl);
  // A timer and a controller held here, not AbortSignal.any(AbortSignal.timeout(…)): on Node 20 the
  // composite's timeout signal could be collected before it fired, and a slow-drip source then
  // held its download open past the timeout (seen in the hostile-media fault test).
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('media download timed out', 'TimeoutError')),
    opts.timeoutMs,
  );
  const onClientAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onClientAbort, { once: true });
  if (opts.signal?.aborted) onClientAbort();
  try {
    return await download(url, maxBytes, opts, controller.signal);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onClientAbort);
  }
}

async function download(
  url: URL,
  maxBytes: number,
  opts: DownloadOptions & { fetcher: MediaFetcher },
  signal: AbortSignal,
): Promise<Downloaded> {
  const { res, url: finalUrl } = await fetchFollowing(opts.fetcher, url, signal);
  if (res.statusCode !== 200) {
    res.body.destroy();
    throw new MediaDownloadFailed(`media_url answered HTTP ${res.statusCode}`);
  }
  const declared = Number(header(res, 'content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.body.destroy();
    throw new MediaDownloadFailed(
      `media_url is larger than the ${maxBytes} bytes allowed (Content-Length ${declared})`,
    );
  }
  fs.mkdirSync(opts.tmpDir, { recursive: true });
  const filePath = path.join(opts.tmpDir, `dl-${randomUUID()}`);
  const hash = createHash('sha256');
  const count = { n: 0 };
  try {
    await pipeline(res.body, sizeLimiter(maxBytes, hash, count), fs.createWriteStream(filePath, { mode: 0o600 }), {
      signal,
    });
  } catch (err) {
    await fs.promises.rm(filePath, { force: true });
    throw describeFailure(err, finalUrl);
  }
  if (count.n === 0) {
    await fs.promises.rm(filePath, { force: true });
    throw new MediaDownloadFailed('media_url returned an empty file');
  }
  return {
    filePath,
    size: count.n,
    sha256: hash.digest('hex'),
    contentType: header(res, 'content-type'),
    contentDisposition: header(res, 'content-disposition'),
    finalUrl,
  };
}
