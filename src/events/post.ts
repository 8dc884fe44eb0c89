// One signed POST of an event to a tenant's endpoint. Node's http client, as for media downloads
// (media/download.ts says why: nodejs/undici#5360), with the address guard on every connection: the
// endpoint's name is resolved when connecting and refused if any address is private, unless the
// development setting allows it. No redirect is followed (3xx is a failed attempt), and of the
// answer only the status and the first bytes are read, so a receiver answering with a huge or
// endless body costs at most that.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { guardedLookup, isAllowedAddress } from '../lib/address-guard.js';

/** Of an answer's body, only this much is kept (for the delivery log). */
export const ANSWER_BYTES_KEPT = 1024;

export interface PostResult {
  /** The HTTP status, or null when no answer came (refused, reset, timed out). */
  statusCode: number | null;
  /** Why the attempt failed, in words, or null for a 2xx. */
  error: string | null;
  durationMs: number;
}

export interface EventPoster {
  post(url: string, headers: Record<string, string>, body: string): Promise<PostResult>;
  close(): void;
}

export function eventPoster(opts: {
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  /** Connections to one receiver at once: as many as deliveries in flight to one endpoint. */
  socketsPerHost?: number;
}): EventPoster {
  const lookup = guardedLookup(opts.allowPrivateNetworks, (address) => new Error(`address ${address} is not allowed`));
  // Keep-alive: most deliveries go to few receivers, one TLS handshake each is enough.
  const maxSockets = opts.socketsPerHost ?? 16;
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets, lookup }),
    'https:': new https.Agent({ keepAlive: true, maxSockets, lookup }),
  };

  function post(rawUrl: string, headers: Record<string, string>, body: string): Promise<PostResult> {
    const started = performance.now();
    const done = (statusCode: number | null, error: string | null): PostResult => ({
      statusCode,
      error,
      durationMs: Math.round(performance.now() - started),
    });
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return Promise.resolve(done(null, 'the endpoint URL is not valid'));
    }
    const protocol = url.protocol === 'https:' ? 'https:' : url.protocol === 'http:' ? 'http:' : undefined;
    if (protocol === undefined) return Promise.resolve(done(null, 'the endpoint URL is not http(s)'));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host) && !opts.allowPrivateNetworks && !isAllowedAddress(host))
      return Promise.resolve(done(null, `address ${host} is not allowed`));
    const payload = Buffer.from(body);
    return new Promise<PostResult>((resolve) => {
      let settled = false;
      const finish = (r: PostResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const client = protocol === 'https:' ? https : http;
      const req = client.request(
        url,
        {
          method: 'POST',
          agent: agents[protocol],
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(payload.length),
            'user-agent': 'FlowIQ-Gateway/0.1 (events)',
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          let kept = 0;
          let text = '';
          res.on('data', (chunk: Buffer) => {
            if (kept < ANSWER_BYTES_KEPT) text += chunk.subarray(0, ANSWER_BYTES_KEPT - kept).toString('utf8');
            kept += chunk.length;
            // Enough for the log: the rest is not read, and the connection is not reused.
            if (kept >= ANSWER_BYTES_KEPT) res.destroy();
          });
          const answered = () =>
            finish(
              status >= 200 && status < 300
                ? done(status, null)
                : done(status, `answered ${status}${text.trim() === '' ? '' : `: ${text.trim().slice(0, 200)}`}`),
            );
          res.once('end', answered);
          res.once('close', answered);
          res.once('error', answered);
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        finish(done(null, `no answer within ${opts.timeoutMs} ms`));
      }, opts.timeoutMs);
      req.once('error', (err: NodeJS.ErrnoException) =>
        finish(done(null, `${err.code ?? 'error'}: ${err.message}`.slice(0, 300))),
      );
      req.end(payload);
    });
  }

  return {
    post,
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
