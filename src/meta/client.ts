// The Graph client: undici keep-alive pools per Graph origin, connect and overall timeouts, and
// retries for transient failures only, inside a total budget. It never retries once a request may
// have reached Meta without an answer: that is how a customer gets the same message twice.
import { backOff } from 'exponential-backoff';
import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import { classifyGraphError, parseGraphError, type GraphError, type GraphErrorClass } from './graph-errors.js';
import { multipartFileBody, type UploadFile } from './multipart.js';
import { downloadWithBearer } from './media-download.js';
import type { GraphTemplatesPage } from './graph-types.js';

export interface MetaClientOptions {
  graphUrl: string;
  apiVersion: string;
  connectTimeoutMs: number;
  timeoutMs: number;
  retryBudgetMs: number;
  /** Connections per Graph origin; Meta allows up to 1,000 messages/s per number. */
  connections?: number;
}

export type MetaFailure =
  | { kind: 'graph'; error: GraphError; class: GraphErrorClass; httpStatus: number; retryAfterSeconds?: number }
  /** Meta (or a proxy before it) answered an HTTP error without Graph's envelope. */
  | { kind: 'http'; httpStatus: number }
  /** The request never left: safe to retry. */
  | { kind: 'not_sent'; cause: string }
  /** The request may have reached Meta and we have no answer: never retry, the outcome is unknown. */
  | { kind: 'unknown'; cause: string };

export class MetaCallError extends Error {
  constructor(
    readonly failure: MetaFailure,
    readonly attempts: number,
  ) {
    super(MetaCallError.describe(failure));
    this.name = 'MetaCallError';
  }

  static describe(f: MetaFailure): string {
    if (f.kind === 'graph') return `Graph error ${f.error.code}: ${f.error.message}`;
    if (f.kind === 'http') return `Graph answered HTTP ${f.httpStatus} without an error body`;
    return `Meta call failed (${f.kind}): ${f.cause}`;
  }
}

/**
 * A media download larger than allowed, by its Content-Length or counted as it streamed: the
 * download was stopped, nothing kept. Its failure reads as HTTP 413, Content Too Large.
 */
export class MediaTooLarge extends MetaCallError {
  constructor(
    readonly maxBytes: number,
    readonly declared?: number,
  ) {
    super({ kind: 'http', httpStatus: 413 }, 1);
    this.name = 'MediaTooLarge';
    this.message = `media is larger than the ${maxBytes} bytes allowed${declared !== undefined ? ` (Content-Length ${declared})` : ''}`;
  }
}

export interface SentMessage {
  /** Meta's body exactly as received, as text (the client's answer carries it unchanged). */
  text: string;
  wamid: string;
  attempts: number;
}

// Errors raised before a single byte of the request was written.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function classifyTransport(err: unknown): MetaFailure {
  const code = (err as { code?: string }).code ?? '';
  const causeCode = (err as { cause?: { code?: string } }).cause?.code ?? '';
  const text = `${code || causeCode}: ${(err as Error).message}`;
  if (NOT_SENT_CODES.has(code) || NOT_SENT_CODES.has(causeCode) || err instanceof undiciErrors.ConnectTimeoutError) {
    return { kind: 'not_sent', cause: text };
  }
  return { kind: 'unknown', cause: text };
}

function retryAfterSeconds(headers: Record<string, string | string[] | undefined>): number | undefined {
  const raw = headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const n = Number(value);
  if (Number.isFinite(n) && n >= 0) return n;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** What may be retried (docs/META.md §3, §4). */
export function isRetryable(f: MetaFailure): boolean {
  if (f.kind === 'not_sent') return true;
  if (f.kind === 'unknown') return false;
  if (f.kind === 'http') return f.httpStatus >= 500;
  if (f.class === 'throttled') return f.error.code !== 131056; // pair limit: minutes, not seconds
  return f.class === 'transient' || f.httpStatus >= 500;
}

/**
 * Reads an answer's body; a Graph error envelope becomes a MetaCallError. A body that cannot be read
 * is an HTTP failure on an error status, and on a 2xx leaves the outcome unknown.
 */
async function readAnswer(res: Dispatcher.ResponseData): Promise<{ body: unknown; text: string }> {
  let body: unknown;
  let text: string;
  try {
    text = await res.body.text();
    body = text === '' && res.statusCode >= 400 ? undefined : JSON.parse(text);
  } catch (err) {
    if (res.statusCode >= 400) throw new MetaCallError({ kind: 'http', httpStatus: res.statusCode }, 1);
    throw new MetaCallError(
      { kind: 'unknown', cause: `unreadable Graph response (HTTP ${res.statusCode}): ${(err as Error).message}` },
      1,
    );
  }
  const graphError = parseGraphError(body);
  if (graphError) {
    const ra = retryAfterSeconds(res.headers);
    throw new MetaCallError(
      {
        kind: 'graph',
        error: graphError,
        class: classifyGraphError(graphError),
        httpStatus: res.statusCode,
        ...(ra !== undefined ? { retryAfterSeconds: ra } : {}),
      },
      1,
    );
  }
  return { body, text };
}

/** An error answer's body as a failure: Graph's envelope when it is one, else the bare HTTP status. */
function failureOf(
  statusCode: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
): MetaFailure {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'http', httpStatus: statusCode };
  }
  const graphError = parseGraphError(body);
  if (!graphError) return { kind: 'http', httpStatus: statusCode };
  const ra = retryAfterSeconds(headers);
  return {
    kind: 'graph',
    error: graphError,
    class: classifyGraphError(graphError),
    httpStatus: statusCode,
    ...(ra !== undefined ? { retryAfterSeconds: ra } : {}),
  };
}

/** Meta's answer to GET /{version}/{media-id} (docs/META.md §6). */
export interface MediaInfo {
  /** Where the file is, for downloadMedia; it works for 5 minutes, with the same token. */
  url: string;
  mimeType: string | undefined;
  sha256: string | undefined;
  fileSize: number | undefined;
  id: string;
}

export interface DownloadedMedia {
  /** A temporary file (mode 0600) the caller removes. */
  filePath: string;
  size: number;
  /** Of the bytes downloaded, hex. */
  sha256: string;
  contentType: string | undefined;
}

export interface DownloadMediaOptions {
  maxBytes: number;
  tmpDir: string;
  /** The whole download; the Graph timeout by default, which suits small files only. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const MAX_ATTEMPTS = 20;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;

export class MetaClient {
  readonly #agent: Agent;
  /** Parsed once: the send path builds only the request path per call. */
  readonly #origin: string;
  readonly #pathPrefix: string;

  constructor(private readonly opts: MetaClientOptions) {
    const graph = new URL(opts.graphUrl);
    this.#origin = graph.origin;
    this.#pathPrefix = `${graph.pathname.replace(/\/$/, '')}/${opts.apiVersion}/`;
    this.#agent = new Agent({
      connections: opts.connections ?? 256,
      connect: { timeout: opts.connectTimeoutMs },
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
  }

  /** POST /{version}/{phone-id}/messages, retried within the budget when it is safe to. */
  async sendMessage(phoneId: string, token: string, payload: unknown): Promise<SentMessage> {
    const started = Date.now();
    // The first attempt runs bare, without the retry closures and the backoff machinery (~2% of
    // the send path's CPU together): almost every message needs one attempt only.
    let first: Omit<SentMessage, 'attempts'>;
    try {
      first = await this.postOnce(phoneId, token, payload, this.opts.timeoutMs);
    } catch (err) {
      return this.retrySend(phoneId, token, payload, started, err);
    }
    return { text: first.text, wamid: first.wamid, attempts: 1 };
  }

  /** After the first attempt failed with `firstError`: attempts 2 to 20, when it is safe to retry. */
  private async retrySend(
    phoneId: string,
    token: string,
    payload: unknown,
    started: number,
    firstError: unknown,
  ): Promise<SentMessage> {
    let attempts = 1;
    const attempt = async (): Promise<SentMessage> => {
      attempts++;
      const remaining = this.opts.retryBudgetMs - (Date.now() - started);
      const sent = await this.postOnce(phoneId, token, payload, Math.max(1, Math.min(this.opts.timeoutMs, remaining)));
      return { text: sent.text, wamid: sent.wamid, attempts };
    };
    /** Whether to try again after `failures` failed attempts; waits out Meta's Retry-After first. */
    const retry = async (err: unknown, failures: number): Promise<boolean> => {
      if (!(err instanceof MetaCallError) || !isRetryable(err.failure)) return false;
      const ra = err.failure.kind === 'graph' ? err.failure.retryAfterSeconds : undefined;
      const retryAfterMs = ra === undefined ? 0 : ra * 1000;
      // The library's next delay is at most this (full jitter draws from 0..cap).
      const cap = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (failures - 1));
      if (Date.now() - started + retryAfterMs + cap >= this.opts.retryBudgetMs) return false;
      // Honour Retry-After on top of the backoff: never come back sooner than Meta asked.
      if (retryAfterMs > 0) await new Promise((r) => setTimeout(r, retryAfterMs));
      return true;
    };
    try {
      if (!(await retry(firstError, 1))) throw firstError;
      // Attempts 2 to 20, each after a full-jitter delay: the first of them capped at 100 ms.
      return await backOff(attempt, {
        numOfAttempts: MAX_ATTEMPTS - 1,
        delayFirstAttempt: true,
        startingDelay: FIRST_DELAY_MS,
        timeMultiple: 2,
        maxDelay: MAX_DELAY_MS,
        jitter: 'full',
        retry: (err: unknown, failuresHere: number) => retry(err, failuresHere + 1),
      });
    } catch (err) {
      if (err instanceof MetaCallError) throw new MetaCallError(err.failure, attempts);
      throw err;
    }
  }

  private async postOnce(
    phoneId: string,
    token: string,
    payload: unknown,
    timeoutMs: number,
  ): Promise<Omit<SentMessage, 'attempts'>> {
    let res: Dispatcher.ResponseData;
    try {
      res = await this.#agent.request({
        origin: this.#origin,
        path: `${this.#pathPrefix}${encodeURIComponent(phoneId)}/messages`,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (err) {
      throw new MetaCallError(classifyTransport(err), 1);
    }
    const { body, text } = await readAnswer(res);
    const messages = (body as { messages?: { id?: unknown }[] } | null)?.messages;
    const wamid = Array.isArray(messages) ? messages[0]?.id : undefined;
    if (res.statusCode >= 200 && res.statusCode < 300 && typeof wamid === 'string') return { text, wamid };
    if (res.statusCode >= 400) throw new MetaCallError({ kind: 'http', httpStatus: res.statusCode }, 1);
    throw new MetaCallError(
      { kind: 'unknown', cause: `unexpected Graph response (HTTP ${res.statusCode}) without a message id` },
      1,
    );
  }

  /**
   * POST /{version}/{phone-id}/messages {"status":"read"}: marks a received message (and the ones
   * before it) read on the customer's phone, optionally showing a typing indicator. Tried once: a
   * receipt is a courtesy, not worth the send path's retry budget. Fails with MetaCallError.
   */
  async markRead(phoneId: string, token: string, wamid: string, opts: { typing?: boolean } = {}): Promise<void> {
    const payload = {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: wamid,
      ...(opts.typing === true ? { typing_indicator: { type: 'text' } } : {}),
    };
    let res: Dispatcher.ResponseData;
    try {
      res = await this.#agent.request({
        origin: this.#origin,
        path: `${this.#pathPrefix}${encodeURIComponent(phoneId)}/messages`,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      throw new MetaCallError(classifyTransport(err), 1);
    }
    const { body } = await readAnswer(res);
    if (res.statusCode !== 200 || (body as { success?: unknown } | null)?.success !== true)
      throw new MetaCallError({ kind: 'http', httpStatus: res.statusCode }, 1);
  }

  /**
   * POST /{version}/{phone-id}/media: the file streamed from disk; Meta's media id. Tried once: the
   * body is a one-shot stream, and an upload that failed is answered as such (the row is failed).
   */
  async uploadMedia(phoneId: string, token: string, file: UploadFile): Promise<string> {
    let res: Dispatcher.ResponseData;
    try {
      const multipart = await multipartFileBody(file);
      res = await this.#agent.request({
        origin: this.#origin,
        path: `${this.#pathPrefix}${encodeURIComponent(phoneId)}/media`,
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': multipart.contentType,
          'content-length': String(multipart.contentLength),
        },
        body: multipart.body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      throw new MetaCallError(classifyTransport(err), 1);
    }
    let body: unknown;
    try {
      ({ body } = await readAnswer(res));
    } catch (err) {
      // An unreadable 2xx leaves a message's fate unknown; an upload's is plain: no usable id.
      if (err instanceof MetaCallError && err.failure.kind === 'unknown')
        throw new MetaCallError({ kind: 'http', httpStatus: res.statusCode }, 1);
      throw err;
    }
    const id = (body as { id?: unknown } | null | undefined)?.id;
    if (res.statusCode >= 200 && res.statusCode < 300 && typeof id === 'string') return id;
    // Without an id the upload is of no use, whatever the status: answered as an HTTP failure.
    throw new MetaCallError({ kind: 'http', httpStatus: res.statusCode }, 1);
  }

  /**
   * GET /{version}/{media-id}[?phone_number_id=]: where a media file is, and its facts. Tried once:
   * the caller (inbound/media.ts) retries on its own schedule. Fails with MetaCallError.
   */
  async getMedia(mediaId: string, token: string, opts: { phoneNumberId?: string } = {}): Promise<MediaInfo> {
    const query = opts.phoneNumberId === undefined ? '' : `?phone_number_id=${encodeURIComponent(opts.phoneNumberId)}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.#agent.request({
        origin: this.#origin,
        path: `${this.#pathPrefix}${encodeURIComponent(mediaId)}${query}`,
        method: 'GET',
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      throw new MetaCallError(classifyTransport(err), 1);
    }
    const { body } = await readAnswer(res);
    const b = (body ?? {}) as Record<string, unknown>;
    const url = typeof b['url'] === 'string' ? this.#downloadUrl(b['url']) : undefined;
    if (res.statusCode !== 200 || url === undefined)
      throw new MetaCallError({ kind: 'http', httpStatus: res.statusCode }, 1);
    const size = typeof b['file_size'] === 'string' ? Number(b['file_size']) : b['file_size'];
    return {
      url,
      mimeType: typeof b['mime_type'] === 'string' ? b['mime_type'] : undefined,
      sha256: typeof b['sha256'] === 'string' ? b['sha256'] : undefined,
      fileSize: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined,
      id: typeof b['id'] === 'string' ? b['id'] : mediaId,
    };
  }

  /**
   * GET /{version}/{waba-id}/message_templates: one page of the account's templates, the page after
   * `after` (a cursor of the previous page's paging). Tried once: the caller pages and retries. The
   * next page is asked for by cursor, on the Graph origin, never by following the answer's `next`
   * URL, so the token only ever goes where META_GRAPH_URL says. Fails with MetaCallError.
   */
  async getMessageTemplates(
    wabaId: string,
    token: string,
    opts: { fields: readonly string[]; limit: number; after?: string },
  ): Promise<GraphTemplatesPage> {
    const query = new URLSearchParams({ fields: opts.fields.join(','), limit: String(opts.limit) });
    if (opts.after !== undefined) query.set('after', opts.after);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.#agent.request({
        origin: this.#origin,
        path: `${this.#pathPrefix}${encodeURIComponent(wabaId)}/message_templates?${query.toString()}`,
        method: 'GET',
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      throw new MetaCallError(classifyTransport(err), 1);
    }
    const { body } = await readAnswer(res);
    const data = (body as { data?: unknown } | null | undefined)?.data;
    if (res.statusCode !== 200 || !Array.isArray(data))
      throw new MetaCallError({ kind: 'http', httpStatus: res.statusCode }, 1);
    return body as GraphTemplatesPage;
  }

  /**
   * A download URL from Meta's answer, if usable: absolute, https (http only while the Graph URL
   * itself is http: the simulator), without credentials in it.
   */
  #downloadUrl(raw: string): string | undefined {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return undefined;
    }
    const httpAllowed = this.#origin.startsWith('http:');
    if (!(u.protocol === 'https:' || (httpAllowed && u.protocol === 'http:'))) return undefined;
    if (u.username !== '' || u.password !== '') return undefined;
    return u.toString();
  }

  /**
   * GET <url> from getMedia with the same token, streamed to a temporary file within maxBytes.
   * The token is sent to that URL's origin only (media/meta-download.ts): a redirect elsewhere
   * is not followed. Tried once; fails with MetaCallError (MediaTooLarge past the limit; a 404 is
   * an expired URL: look it up again).
   */
  async downloadMedia(url: string, token: string, opts: DownloadMediaOptions): Promise<DownloadedMedia> {
    if (this.#downloadUrl(url) === undefined)
      throw new MetaCallError({ kind: 'not_sent', cause: 'not a usable media download URL' }, 1);
    let got: Awaited<ReturnType<typeof downloadWithBearer>>;
    try {
      got = await downloadWithBearer(url, {
        token,
        maxBytes: opts.maxBytes,
        tmpDir: opts.tmpDir,
        connectTimeoutMs: this.opts.connectTimeoutMs,
        timeoutMs: opts.timeoutMs ?? this.opts.timeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (err) {
      throw new MetaCallError(classifyTransport(err), 1);
    }
    if (got.ok) return { filePath: got.filePath, size: got.size, sha256: got.sha256, contentType: got.contentType };
    if (got.reason === 'too_large') throw new MediaTooLarge(got.maxBytes, got.declared);
    if (got.reason === 'redirect') throw new MetaCallError({ kind: 'http', httpStatus: got.statusCode }, 1);
    throw new MetaCallError(failureOf(got.statusCode, got.headers, got.body), 1);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
