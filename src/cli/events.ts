// `flowiq events replay|log|listen`: send an endpoint's events again since a time (after fixing a
// receiver, or for one added later), read its delivery log (each attempt's answer and latency), and
// run a tiny local receiver that verifies and prints deliveries (the demo's, or a developer's own
// endpoint registered with EVENTS_ALLOW_PRIVATE_NETWORKS=true).
import http from 'node:http';
import type net from 'node:net';
import { Webhook } from 'standardwebhooks';
import { parseDuration } from '../config.js';
import { isEventType } from '../events/types.js';
import { deliveryLog, replayEvents } from '../events/replay.js';
import { NotFound } from '../errors.js';
import type { AppContext } from '../server/context.js';
import { emit, optionalString, parse, required, UsageError, withContext, type Io } from './io.js';

const USAGE = `usage: flowiq events replay --org SLUG --endpoint ID --since (ISO-TIME|DURATION) [--types a,b]
       flowiq events log --org SLUG --endpoint ID [--limit N]
       flowiq events listen --port N [--secret whsec_…]`;

async function endpointOf(ctx: AppContext, slug: string, endpointId: string) {
  const org = await ctx.organizationStore.findBySlug(slug);
  if (!org) throw new NotFound(`no organization with slug "${slug}"`);
  return { organizationId: org.id, endpoint: await ctx.endpoints.get(org.id, endpointId) };
}

/** An ISO time, or a duration back from now ("24h": the last day). */
function since(raw: string): string {
  const seconds = parseDuration(raw);
  if (seconds !== undefined) return new Date(Date.now() - seconds * 1000).toISOString();
  const t = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(t))
    throw new UsageError(
      `--since must be an ISO 8601 time (2026-12-01T00:00:00Z) or a duration (24h, 7d); got "${raw}"`,
    );
  return new Date(t).toISOString();
}

/** A delivery's body is a few kilobytes; anything far beyond that is not one of ours. */
const MAX_BODY_BYTES = 1024 * 1024;
/** How many event ids the listener remembers, to mark a repeated delivery (at least once). */
const REMEMBERED_IDS = 10_000;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** One line of at most `max` characters: a customer's text must not move the terminal's cursor. */
function oneLine(text: string, max = 80): string {
  const flat = text.replace(CONTROL, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** What a message's content says, in a few words: its text, caption, or type. */
function contentSummary(content: Record<string, unknown>): string {
  const type = str(content['type']) ?? 'message';
  const text = str(content['body']) ?? str(content['text']) ?? str(content['caption']) ?? str(content['name']);
  if (type === 'text' && text !== undefined) return JSON.stringify(oneLine(text, 60));
  return text !== undefined ? `[${type}] ${JSON.stringify(oneLine(text, 50))}` : `[${type}]`;
}

/** A short summary of an event's data, by type: the text of a reply, the status of a message, … */
export function summarizeEvent(type: string, rawData: unknown): string {
  const data = record(rawData);
  const who = str(data['from']) ?? str(data['from_user_id']) ?? '?';
  switch (type) {
    case 'message.received':
      return `from ${who}: ${contentSummary(record(data['content']))}`;
    case 'message.status': {
      const errors = Array.isArray(data['errors']) ? data['errors'].map(record) : [];
      const why =
        errors[0] === undefined ? '' : ` (${str(errors[0]['title']) ?? str(errors[0]['message']) ?? 'error'})`;
      return `${str(data['status']) ?? '?'}${why} ${str(data['whatsapp_message_id']) ?? ''}`.trim();
    }
    case 'message.reaction':
      return `from ${who}: ${str(data['emoji']) ?? '(reaction removed)'} on ${str(data['target_whatsapp_message_id']) ?? '?'}`;
    case 'message.media_ready':
      // Not the URL: it is signed, a capability to read the file, and long.
      return `media stored for ${str(data['whatsapp_message_id']) ?? '?'}`;
    case 'message.media_failed':
      return `media failed for ${str(data['whatsapp_message_id']) ?? '?'}: ${str(record(data['error'])['code']) ?? '?'}`;
    case 'contact.created': {
      const c = record(data['contact']);
      const name = str(c['name']);
      return `${str(c['whatsapp_number']) ?? str(c['id']) ?? '?'}${name !== undefined ? ` ${JSON.stringify(name)}` : ''} (${str(data['source']) ?? '?'})`;
    }
    default:
      return JSON.stringify(data);
  }
}

export interface ListenerOptions {
  /** 0: any free port (tests). */
  port: number;
  /** The endpoint's whsec_… secret: deliveries not signed with it are answered 401. */
  secret?: string;
  /** Each verified body as one JSON line, instead of a summary line. */
  json: boolean;
  io: Io;
}

export interface Listener {
  url: string;
  close(): Promise<void>;
}

function answer(res: http.ServerResponse, status: number, text?: string): void {
  if (text === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
}

/**
 * A receiver on loopback only: it is a development tool, and what it prints (customers' messages)
 * is not for the network. Each POST is verified when a secret is given, printed, and answered 204;
 * the path is not checked, so any endpoint URL on this port reaches it.
 */
export function startEventListener(opts: ListenerOptions): Promise<Listener> {
  const webhook = opts.secret === undefined ? undefined : new Webhook(opts.secret);
  const seen = new Set<string>();
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      answer(res, 405, 'POST events here');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        answer(res, 413, 'body too large');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return;
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => {
        const v = req.headers[name];
        return typeof v === 'string' ? v : '';
      };
      let event: Record<string, unknown>;
      try {
        event = record(
          webhook !== undefined
            ? webhook.verify(body, {
                'webhook-id': header('webhook-id'),
                'webhook-timestamp': header('webhook-timestamp'),
                'webhook-signature': header('webhook-signature'),
              })
            : JSON.parse(body),
        );
      } catch (err) {
        // Only the reason: a signature header is not a secret, but there is nothing in it to read.
        const why = webhook !== undefined ? `bad signature (${(err as Error).message})` : 'body is not JSON';
        opts.io.err(`refused a delivery${header('webhook-id') ? ` ${oneLine(header('webhook-id'), 60)}` : ''}: ${why}`);
        answer(res, webhook !== undefined ? 401 : 400, why);
        return;
      }
      const id = str(event['id']) ?? header('webhook-id');
      const again = seen.has(id);
      if (!again) {
        seen.add(id);
        // A Set iterates in insertion order: the oldest id goes first.
        if (seen.size > REMEMBERED_IDS) seen.delete(seen.values().next().value!);
      }
      if (opts.json) {
        opts.io.out(JSON.stringify(event));
      } else {
        const type = str(event['type']) ?? '?';
        opts.io.out(
          [
            str(event['timestamp']) ?? new Date().toISOString(),
            oneLine(type, 40),
            oneLine(id, 60),
            oneLine(summarizeEvent(type, event['data']), 120) + (again ? '  (again: deduplicate by id)' : ''),
          ].join('  '),
        );
      }
      answer(res, 204);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function listenCommand(rest: string[], io: Io): Promise<number> {
  const p = parse(rest, { port: { type: 'string' }, secret: { type: 'string' } });
  const rawPort = required(p, 'port');
  const port = Number(rawPort);
  if (!/^\d{1,5}$/.test(rawPort) || port > 65535)
    throw new UsageError(`--port must be a port number from 0 to 65535; got "${rawPort}"`);
  const secret = optionalString(p, 'secret');
  if (secret !== undefined) {
    // Never echoed: a mistyped secret is still mostly a secret.
    if (!secret.startsWith('whsec_')) throw new UsageError("--secret must be the endpoint's whsec_… signing secret");
    try {
      new Webhook(secret);
    } catch {
      throw new UsageError('--secret is not a valid whsec_… secret (whsec_ and base64): copy it as it was printed');
    }
  }
  let listener: Listener;
  try {
    listener = await startEventListener({ port, json: p.json, io, ...(secret !== undefined ? { secret } : {}) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new UsageError(`port ${port} is already in use; choose another with --port`);
    throw err;
  }
  // With --json, stdout holds events only, one per line: the banner goes to stderr.
  const banner = `Listening for events on ${listener.url} (${secret !== undefined ? 'signatures verified; a bad one is answered 401' : 'signatures NOT verified: give --secret'}); Ctrl-C stops.`;
  if (p.json) io.err(banner);
  else io.out(banner);
  const stop = () => {
    void listener.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise<number>(() => {});
}

export async function eventsCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'listen') return listenCommand(rest, io);
  if (sub === 'replay') {
    const p = parse(rest, {
      org: { type: 'string' },
      endpoint: { type: 'string' },
      since: { type: 'string' },
      types: { type: 'string' },
    });
    const slug = required(p, 'org');
    const endpointId = required(p, 'endpoint');
    const from = since(required(p, 'since'));
    const types = optionalString(p, 'types')
      ?.split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    const unknown = types?.find((t) => !isEventType(t));
    if (unknown !== undefined) throw new UsageError(`--types: unknown event type "${unknown}"`);
    const { count, enabled } = await withContext(async (ctx) => {
      const { organizationId, endpoint } = await endpointOf(ctx, slug, endpointId);
      const n = await replayEvents(ctx.db, {
        organizationId,
        endpointId,
        since: from,
        ...(types !== undefined ? { types } : {}),
      });
      return { count: n, enabled: endpoint.enabled };
    });
    emit(
      io,
      p.json,
      { replayed: count, since: from, endpoint_enabled: enabled },
      `${count} event(s) since ${from} are due again at ${endpointId}.` +
        (enabled ? '' : ' The endpoint is disabled: enable it (flowiq endpoint update --enable) to deliver them.'),
    );
    return 0;
  }
  if (sub === 'log') {
    const p = parse(rest, { org: { type: 'string' }, endpoint: { type: 'string' }, limit: { type: 'string' } });
    const slug = required(p, 'org');
    const endpointId = required(p, 'endpoint');
    const rawLimit = optionalString(p, 'limit') ?? '50';
    const limit = Number(rawLimit);
    if (!/^\d{1,4}$/.test(rawLimit) || limit < 1 || limit > 1000)
      throw new UsageError('--limit must be an integer between 1 and 1000');
    const attempts = await withContext(async (ctx) => {
      const { organizationId } = await endpointOf(ctx, slug, endpointId);
      return deliveryLog(ctx.db, organizationId, endpointId, limit);
    });
    emit(
      io,
      p.json,
      { attempts },
      attempts.length === 0
        ? `No delivery attempts for ${endpointId} yet.`
        : attempts
            .map((a) =>
              [
                a.attempted_at,
                a.event_id,
                a.event_type,
                a.status_code ?? '—',
                `${a.duration_ms} ms`,
                a.error ?? 'ok',
              ].join('  '),
            )
            .join('\n'),
    );
    return 0;
  }
  throw new UsageError(USAGE);
}
