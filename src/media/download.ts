// Downloads a media URL to a temporary file: http(s) only, at most 3 redirects each checked like the
// first, connect and overall timeouts, and the size limit enforced on the bytes as they stream, so a
// missing or lying Content-Length cannot get past it. The SHA-256 is computed on the way.
import { createHash, randomUUID } from 'node:crypto';
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { MediaDownloadFailed } from '../errors.js';
import { isAllowedAddress } from './address-guard.js';

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

/** An undici Agent whose connections go only to allowed addresses: the check is on what is dialled. */
export function guardedAgent(opts: { allowPrivateNetworks: boolean; connectTimeoutMs: number }): Agent {
  const connect = buildConnector({ timeout: opts.connectTimeoutMs });
  return new Agent({
    connect: (options, callback) => {
      const host = options.hostname.replace(/^\[|\]$/g, '');
      const dial = (address: string) => {
        if (!opts.allowPrivateNetworks && !isAllowedAddress(address)) return callback(new AddressNotAllowed(address), null);
        connect({ ...options, hostname: address, servername: net.isIP(host) ? undefined : host }, callback);
      };
      if (net.isIP(host)) return dial(host);
      dns.lookup(host, { all: true }, (err, addresses) => {
        if (err) return callback(err, null);
        // Refuse the host if any of its addresses is private: a mixed answer is a rebinding attempt.
        const bad = opts.allowPrivateNetworks ? undefined : addresses.find((a) => !isAllowedAddress(a.address));
        if (bad) return callback(new AddressNotAllowed(bad.address), null);
        dial(addresses[0]!.address);
      });
    },
  });
}

function sizeLimiter(maxBytes: number, hash: ReturnType<typeof createHash>, count: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      count.n += chunk.length;
      if (count.n > maxBytes) return cb(new MediaDownloadFailed(`media_url is larger than the ${maxBytes} bytes allowed`));
      hash.update(chunk);
      cb(null, chunk);
    },
  });
}

function describeFailure(err: unknown, url: URL): MediaDownloadFailed {
  if (err instanceof MediaDownloadFailed) return err;
  const cause = (err as { cause?: unknown }).cause ?? err;
  if (cause instanceof AddressNotAllowed || err instanceof AddressNotAllowed) {
    return new MediaDownloadFailed(`media_url address not allowed: ${url.hostname} resolves to a private, loopback or reserved address`);
  }
  const name = (err as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError' || /timeout/i.test((err as Error).message)) {
    return new MediaDownloadFailed(`media_url could not be downloaded in time from ${url.host}`);
  }
  return new MediaDownloadFailed(`media_url is unreachable: ${url.host} (${(cause as { code?: string }).code ?? (err as Error).message})`);
}

function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function parseMediaUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MediaDownloadFailed('media_url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MediaDownloadFailed('media_url must be an http or https URL');
  if (url.username || url.password) throw new MediaDownloadFailed('media_url must not contain credentials');
  return url;
}

/** Follows redirects by hand so each hop goes through the guarded agent and is counted. */
async function fetchFollowing(agent: Agent, start: URL, signal: AbortSignal): Promise<{ res: Dispatcher.ResponseData; url: URL }> {
  let url = start;
  for (let hop = 0; ; hop++) {
    let res: Dispatcher.ResponseData;
    try {
      res = await agent.request({ origin: url.origin, path: url.pathname + url.search, method: 'GET', signal, headers: { 'user-agent': 'FlowIQ-Gateway/0.1 (media fetch)' } });
    } catch (err) {
      throw describeFailure(err, url);
    }
    if (res.statusCode < 300 || res.statusCode >= 400 || res.statusCode === 304) return { res, url };
    res.body.resume();
    const location = header(res, 'location');
    if (!location) throw new MediaDownloadFailed(`media_url answered HTTP ${res.statusCode} without a Location`);
    if (hop >= MAX_REDIRECTS) throw new MediaDownloadFailed(`media_url redirected more than ${MAX_REDIRECTS} times`);
    url = parseMediaUrl(new URL(location, url).toString());
  }
}

export async function downloadToFile(rawUrl: string, maxBytes: number, opts: DownloadOptions & { agent: Agent; signal?: AbortSignal }): Promise<Downloaded> {
  const url = parseMediaUrl(rawUrl);
  const signal = AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])]);
  const { res, url: finalUrl } = await fetchFollowing(opts.agent, url, signal);
  if (res.statusCode !== 200) {
    res.body.resume();
    throw new MediaDownloadFailed(`media_url answered HTTP ${res.statusCode}`);
  }
  const declared = Number(header(res, 'content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.body.destroy();
    throw new MediaDownloadFailed(`media_url is larger than the ${maxBytes} bytes allowed (Content-Length ${declared})`);
  }
  fs.mkdirSync(opts.tmpDir, { recursive: true });
  const filePath = path.join(opts.tmpDir, `dl-${randomUUID()}`);
  const hash = createHash('sha256');
  const count = { n: 0 };
  try {
    await pipeline(res.body, sizeLimiter(maxBytes, hash, count), fs.createWriteStream(filePath, { mode: 0o600 }), { signal });
  } catch (err) {
    await fs.promises.rm(filePath, { force: true });
    throw describeFailure(err, finalUrl);
  }
  if (count.n === 0) {
    await fs.promises.rm(filePath, { force: true });
    throw new MediaDownloadFailed('media_url returned an empty file');
  }
  return { filePath, size: count.n, sha256: hash.digest('hex'), contentType: header(res, 'content-type'), contentDisposition: header(res, 'content-disposition'), finalUrl };
}
