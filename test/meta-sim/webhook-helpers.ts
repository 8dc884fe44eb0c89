// A webhook receiver for the simulator's tests (node:http on 127.0.0.1, port 0), an independent
// signature check, and polling with a deadline instead of sleeps.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const APP_SECRET = 'test-app-secret';
export const VERIFY_TOKEN = 'test-verify-token';

/**
 * A parsed webhook body: tests walk Meta's nested payload and assert its shape, so typing it
 * would only add casts (the same reason the no-unsafe-* rules are off for tests).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Payload = any;

export interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  text: string;
  json: Payload;
  /** Epoch ms it arrived. */
  at: number;
  /** The HTTP status the receiver answered. */
  answered: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Statuses to answer with, first in first out; 200 once empty. */
  answers: number[];
  /** While true, requests are recorded but not answered until release(). */
  hold: boolean;
  release(): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers: number[] = [];
  const held: (() => void)[] = [];
  const state = { hold: false };
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      // The verification handshake, answered the way Meta requires: the challenge, as plain text.
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const ok = q.get('hub.mode') === 'subscribe' && q.get('hub.verify_token') === VERIFY_TOKEN;
      res.writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' }).end(ok ? (q.get('hub.challenge') ?? '') : 'no');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const status = answers.shift() ?? 200;
      received.push({ headers: req.headers, raw, text, json, at: Date.now(), answered: status });
      const answer = (): void => {
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'EVENT_RECEIVED' : 'no');
      };
      if (state.hold) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    answers,
    get hold() {
      return state.hold;
    },
    set hold(v: boolean) {
      state.hold = v;
    },
    release: () => {
      state.hold = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls until fn answers something other than undefined/false, or fails after the deadline. */
export async function waitFor<T>(fn: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Polls an async check until it holds; false once the deadline has passed. */
export async function waitForAsync(check: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() <= deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/** Waits until at least n requests have arrived; answers the first n. */
export async function waitForCount(r: Receiver, n: number, what: string): Promise<Received[]> {
  await waitFor(() => r.received.length >= n, `${n} ${what}`);
  return r.received.slice(0, n);
}

function hmac(secret: string, bytes: Buffer): Buffer {
  return createHmac('sha256', secret).update(bytes).digest();
}

function safeEqualHex(header: string | undefined, mac: Buffer): boolean {
  if (header === undefined || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === mac.length && timingSafeEqual(given, mac);
}

/** Written here, not imported: the escaped form Meta signs, every non-ASCII UTF-16 unit as \\uXXXX. */
export function escapeForSignature(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out += unit < 0x80 ? text[i] : '\\u' + unit.toString(16).padStart(4, '0');
  }
  return out;
}

export function verifiesRaw(r: Received, secret = APP_SECRET): boolean {
  return safeEqualHex(header(r, 'x-hub-signature-256'), hmac(secret, r.raw));
}

export function verifiesEscaped(r: Received, secret = APP_SECRET): boolean {
  return safeEqualHex(header(r, 'x-hub-signature-256'), hmac(secret, Buffer.from(escapeForSignature(r.text), 'utf8')));
}

function header(r: Received, name: string): string | undefined {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Every status of a webhook payload, in order. */
export function statusesOf(payload: Payload): Payload[] {
  const out: Payload[] = [];
  for (const e of payload.entry) for (const c of e.changes) out.push(...(c.value.statuses ?? []));
  return out;
}
