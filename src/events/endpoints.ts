// An organization's webhook endpoints: where its events are delivered (jobs/events.ts) and with
// which secrets they are signed. What `flowiq endpoint` and /api/webhook-endpoints manage.
//
// The signing secret is generated here (Standard Webhooks format, whsec_ + base64 of 32 random
// bytes), shown once, in the answer to create or rotate-secret, and stored only as TokenCipher
// ciphertext bound to the endpoint and column: it must be read back to sign, so it cannot be hashed.
// A rotation keeps the replaced secret signing beside the new one for an overlap, so a receiver
// can switch secrets without refusing a delivery.
//
// Endpoint URLs are checked at registration: http(s), no credentials, https, and only public
// addresses (the media downloads' address guard), unless EVENTS_ALLOW_PRIVATE_NETWORKS is set for
// development. A name's addresses may change after the check (DNS rebinding), so the dispatcher
// must check the address it actually connects to as well.
import { randomBytes } from 'node:crypto';
import dns from 'node:dns';
import net from 'node:net';
import { newId, nowIso } from '../db/ids.js';
import { echo, EndpointNotFound, InvalidField, InvalidRequest, ServiceUnavailable } from '../errors.js';
import { isAllowedAddress } from '../lib/address-guard.js';
import { checkHttpUrl } from '../lib/http-url.js';
import type { TokenCipher } from '../organizations/token-cipher.js';
import type { EndpointChanges, EndpointRow, EndpointStore } from './endpoint-store.js';
import { ALL_EVENTS, EVENT_TYPES } from './types.js';

export const MAX_URL_LENGTH = 2048;
export const MAX_DESCRIPTION_LENGTH = 500;
/**
 * Every enabled endpoint subscribed to an event gets a delivery row in the transaction of the
 * change that causes it (events/outbox.ts): the cap bounds what one status webhook may write.
 * Disabled endpoints do not count (none is written for them). Checked before the write, so two
 * concurrent creates may pass it together: it is a bound on cost, not an invariant.
 */
export const MAX_ENABLED_ENDPOINTS = 20;
export const DEFAULT_OVERLAP_SECONDS = 86_400;
export const MAX_OVERLAP_SECONDS = 7 * 86_400;
/** How long a registration waits for DNS before answering 503 (the resolver's own timeouts are longer). */
const LOOKUP_TIMEOUT_MS = 5_000;
const DEFAULT_DISABLE_REASON = 'Disabled on request';
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** What may be shown to anyone: the secrets never appear, not even as a hint of their value. */
export interface EndpointView {
  id: string;
  url: string;
  description: string | null;
  /** The subscribed types, or ["*"] for every type (also those added later). */
  event_types: string[];
  enabled: boolean;
  /** Why it is disabled: given on request, or by the dispatcher after failing for days. */
  disabled_reason: string | null;
  /** Since when every delivery attempt failed; null after a success or a re-enable. */
  failing_since: string | null;
  /** Until when the secret replaced by the last rotation still signs; null when none does. */
  previous_secret_until: string | null;
  created_at: string;
  updated_at: string;
}

/** The answer to create and rotate-secret: the only time the secret is ever shown. */
export interface EndpointWithSecret extends EndpointView {
  secret: string;
}

export interface EndpointInput {
  url: string;
  /** Default ["*"]: every event type. */
  eventTypes?: string[];
  description?: string | null;
}

export interface EndpointUpdate {
  url?: string;
  eventTypes?: string[];
  /** null or "" clears it. */
  description?: string | null;
  /** true re-enables (clearing disabled_reason and failing_since); false disables. */
  enabled?: boolean;
}

export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface EndpointServiceOptions {
  /** EVENTS_ALLOW_PRIVATE_NETWORKS: plain http and loopback or private addresses are accepted. */
  allowPrivateNetworks: boolean;
  /** How a host name is resolved for the address check; dns.promises.lookup (all addresses) by default. */
  lookup?: Lookup;
}

const systemLookup: Lookup = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** Associated data of each ciphertext: bound to the endpoint and the column it is in. */
type SecretField = 'secret' | 'previous_secret';
const boundTo = (row: Pick<EndpointRow, 'id'>, field: SecretField) => `webhook-endpoint:${row.id}:${field}`;

/** A new Standard Webhooks signing secret: whsec_ and the base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function previousSecretActive(row: EndpointRow, now: Date): boolean {
  return (
    row.previous_secret !== null &&
    row.previous_secret_until !== null &&
    Date.parse(row.previous_secret_until) > now.getTime()
  );
}

/**
 * The secrets a delivery to `row` is signed with, decrypted: the current one first, then the one
 * the last rotation replaced while `now` is before previous_secret_until. Standard Webhooks puts
 * one signature per secret in webhook-signature (space-separated `v1,…`), so a receiver holding
 * either secret verifies. Never empty. Throws if FLOWIQ_SECRET (or FLOWIQ_SECRET_PREVIOUS) does
 * not decrypt the stored secret.
 */
export function signingSecrets(cipher: TokenCipher, row: EndpointRow, now: Date = new Date()): string[] {
  const current = cipher.decrypt(row.secret, boundTo(row, 'secret'));
  if (!previousSecretActive(row, now)) return [current];
  return [current, cipher.decrypt(row.previous_secret!, boundTo(row, 'previous_secret'))];
}

function parseEventTypes(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

export function toEndpointView(row: EndpointRow, now: Date = new Date()): EndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: parseEventTypes(row.event_types),
    enabled: row.enabled === 1,
    disabled_reason: row.disabled_reason,
    failing_since: row.failing_since,
    previous_secret_until: previousSecretActive(row, now) ? row.previous_secret_until : null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/**
 * The subscribed types as stored: known types in the catalogue's order, without repeats, or ["*"]
 * alone when "*" is among them (it already means every type).
 */
export function normalizeEventTypes(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new InvalidField(
      `event_types must be a non-empty list of event types (${EVENT_TYPES.join(', ')}), or ["*"] for all`,
    );
  for (const t of value) {
    if (typeof t !== 'string' || (t !== ALL_EVENTS && !(EVENT_TYPES as readonly string[]).includes(t)))
      throw new InvalidField(
        `event_types has an unknown event type ${JSON.stringify(typeof t === 'string' ? echo(t) : t)}; the types are ${EVENT_TYPES.join(', ')}, or "*" for all`,
      );
  }
  if (value.includes(ALL_EVENTS)) return [ALL_EVENTS];
  return EVENT_TYPES.filter((t) => value.includes(t));
}

function checkText(field: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === '') return null;
  if (text.length > MAX_DESCRIPTION_LENGTH || CONTROL.test(text))
    throw new InvalidField(`${field} must be one line of at most ${MAX_DESCRIPTION_LENGTH} characters`);
  return text;
}

function checkOverlap(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_OVERLAP_SECONDS)
    throw new InvalidField(
      `overlap must be a whole number of seconds from 0 to ${MAX_OVERLAP_SECONDS} (7 days); got ${seconds}`,
    );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const NOT_PUBLIC =
  'a loopback, private, link-local, metadata or otherwise non-public address, which deliveries may not reach';
// Answers that say the name has no address: the client's mistake. Anything else (a resolver that
// is down or slow) is ours, and worth a retry.
const NO_SUCH_NAME = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA', 'EBADNAME', 'ENONAME']);

/**
 * The endpoint URL as it will be used (the URL parser's normal form), or InvalidField saying what
 * is wrong with it. Resolves a host name to check its addresses; an IP literal is checked as is.
 * Connects to nothing.
 */
export async function checkEndpointUrl(
  raw: unknown,
  opts: { allowPrivateNetworks: boolean; lookup?: Lookup },
): Promise<string> {
  if (typeof raw !== 'string' || raw === '')
    throw new InvalidField('url must be an https URL, e.g. https://example.com/webhooks');
  // Before parsing: a megabyte of URL is refused without the parser's work.
  if (raw.length > MAX_URL_LENGTH)
    throw new InvalidField(`url must be at most ${MAX_URL_LENGTH} characters; got ${raw.length}`);
  const check = checkHttpUrl(raw);
  if (!check.ok) {
    if (check.problem === 'port')
      throw new InvalidField(`url has port ${check.port}, which is out of range (1 to 65535)`);
    if (check.problem === 'not-http')
      throw new InvalidField(`url must be an https URL; got the scheme ${JSON.stringify(echo(raw.split(':')[0]!))}`);
    throw new InvalidField(
      `url must be an absolute https URL, e.g. https://example.com/webhooks; got ${JSON.stringify(echo(raw))}`,
    );
  }
  const url = check.url;
  if (url.username !== '' || url.password !== '')
    throw new InvalidField(
      'url must not contain a user name or password: receivers authenticate deliveries by their webhook-signature header',
    );
  if (url.hash !== '' || raw.includes('#'))
    throw new InvalidField('url must not have a #fragment: it is never sent to the receiver');
  if (url.port === '0') throw new InvalidField('url has port 0, which cannot be connected to');
  if (url.protocol !== 'https:' && !opts.allowPrivateNetworks)
    throw new InvalidField(
      'url must use https (plain http is accepted only when the gateway runs with EVENTS_ALLOW_PRIVATE_NETWORKS=true, for development)',
    );
  // Percent-encoding may lengthen what was given: the stored form is held to the same bound.
  if (url.href.length > MAX_URL_LENGTH)
    throw new InvalidField(`url must be at most ${MAX_URL_LENGTH} characters once encoded; got ${url.href.length}`);
  if (opts.allowPrivateNetworks) return url.href;

  // The parser has already turned other spellings of an address (2130706433, 0x7f.1) into this form.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) {
    if (!isAllowedAddress(host)) throw new InvalidField(`url points at ${host}, ${NOT_PUBLIC}`);
    return url.href;
  }
  let addresses: { address: string }[];
  try {
    addresses = await withTimeout((opts.lookup ?? systemLookup)(host), LOOKUP_TIMEOUT_MS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && NO_SUCH_NAME.has(code))
      throw new InvalidField(`url's host ${JSON.stringify(echo(host))} does not resolve to any address`);
    throw new ServiceUnavailable(
      `The url's host ${JSON.stringify(echo(host))} could not be resolved just now; retry shortly`,
    );
  }
  if (addresses.length === 0)
    throw new InvalidField(`url's host ${JSON.stringify(echo(host))} does not resolve to any address`);
  // Any non-public address refuses the name: a mixed answer is how rebinding starts.
  const bad = addresses.find((a) => !isAllowedAddress(a.address));
  if (bad) throw new InvalidField(`url's host ${JSON.stringify(echo(host))} resolves to ${bad.address}, ${NOT_PUBLIC}`);
  return url.href;
}

export class EndpointService {
  readonly #allowPrivateNetworks: boolean;
  readonly #lookup: Lookup;

  constructor(
    private readonly store: EndpointStore,
    private readonly cipher: TokenCipher,
    opts: EndpointServiceOptions,
  ) {
    this.#allowPrivateNetworks = opts.allowPrivateNetworks;
    this.#lookup = opts.lookup ?? systemLookup;
  }

  #checkUrl(raw: unknown): Promise<string> {
    return checkEndpointUrl(raw, { allowPrivateNetworks: this.#allowPrivateNetworks, lookup: this.#lookup });
  }

  async #checkRoom(organizationId: string): Promise<void> {
    if ((await this.store.countEnabled(organizationId)) >= MAX_ENABLED_ENDPOINTS)
      throw new InvalidRequest(
        `An organization can have at most ${MAX_ENABLED_ENDPOINTS} enabled webhook endpoints; disable one first`,
      );
  }

  async #row(organizationId: string, id: string): Promise<EndpointRow> {
    // Ids are lower-case UUIDs; any other text is simply not one of them.
    const row = await this.store.find(organizationId, id.toLowerCase());
    if (!row) throw new EndpointNotFound(id);
    return row;
  }

  async #change(row: EndpointRow, changes: EndpointChanges): Promise<EndpointRow> {
    const updated = await this.store.update(row.organization_id, row.id, { ...changes, updated_at: nowIso() });
    if (!updated) throw new EndpointNotFound(row.id);
    return updated;
  }

  /** A new endpoint, enabled, with its signing secret: the only time the secret is shown. */
  async create(organizationId: string, input: EndpointInput): Promise<EndpointWithSecret> {
    const eventTypes = normalizeEventTypes(input.eventTypes ?? [ALL_EVENTS]);
    const description = checkText('description', input.description);
    const url = await this.#checkUrl(input.url);
    await this.#checkRoom(organizationId);
    const id = newId();
    const now = nowIso();
    const secret = newSigningSecret();
    const row: EndpointRow = {
      id,
      organization_id: organizationId,
      url,
      description,
      event_types: JSON.stringify(eventTypes),
      secret: this.cipher.encrypt(secret, boundTo({ id }, 'secret')),
      previous_secret: null,
      previous_secret_until: null,
      enabled: 1,
      disabled_reason: null,
      failing_since: null,
      created_at: now,
      updated_at: now,
    };
    await this.store.insert(row);
    return { ...toEndpointView(row), secret };
  }

  async list(organizationId: string): Promise<EndpointView[]> {
    const now = new Date();
    return (await this.store.list(organizationId)).map((row) => toEndpointView(row, now));
  }

  /** EndpointNotFound for an id of another organization, as for one that does not exist. */
  async get(organizationId: string, id: string): Promise<EndpointView> {
    return toEndpointView(await this.#row(organizationId, id));
  }

  async update(organizationId: string, id: string, input: EndpointUpdate): Promise<EndpointView> {
    const changes: EndpointChanges = {};
    if (input.eventTypes !== undefined) changes.event_types = JSON.stringify(normalizeEventTypes(input.eventTypes));
    if (input.description !== undefined) changes.description = checkText('description', input.description);
    if (input.enabled !== undefined && typeof input.enabled !== 'boolean')
      throw new InvalidField('enabled must be true or false');
    if (input.url !== undefined) changes.url = await this.#checkUrl(input.url);
    if (Object.keys(changes).length === 0 && input.enabled === undefined)
      throw new InvalidRequest('Nothing to change: give url, event_types, description or enabled');
    const row = await this.#row(organizationId, id);
    if (input.enabled === true && row.enabled !== 1) {
      await this.#checkRoom(organizationId);
      // A fresh start: the dispatcher's clock of continuous failure begins again.
      Object.assign(changes, { enabled: 1, disabled_reason: null, failing_since: null });
    } else if (input.enabled === false && row.enabled === 1) {
      Object.assign(changes, { enabled: 0, disabled_reason: DEFAULT_DISABLE_REASON });
    }
    if (Object.keys(changes).length === 0) return toEndpointView(row);
    return toEndpointView(await this.#change(row, changes));
  }

  /**
   * Stops deliveries to the endpoint: events committed while it is disabled are not queued for it
   * (events/outbox.ts writes deliveries for enabled endpoints only). An endpoint already disabled keeps its first reason: the dispatcher's "failing since …" is worth
   * more to whoever looks later than a second "disabled".
   */
  async disable(organizationId: string, id: string, reason?: string): Promise<EndpointView> {
    const why = checkText('reason', reason) ?? DEFAULT_DISABLE_REASON;
    const row = await this.#row(organizationId, id);
    if (row.enabled !== 1) return toEndpointView(row);
    return toEndpointView(await this.#change(row, { enabled: 0, disabled_reason: why }));
  }

  /**
   * A new signing secret, shown once. The replaced one keeps signing beside it for
   * `overlapSeconds` (0: not at all); a secret from before that is dropped, never kept.
   */
  async rotateSecret(
    organizationId: string,
    id: string,
    opts: { overlapSeconds?: number } = {},
  ): Promise<EndpointWithSecret> {
    const overlap = opts.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
    checkOverlap(overlap);
    const row = await this.#row(organizationId, id);
    const secret = newSigningSecret();
    const changes: EndpointChanges = {
      secret: this.cipher.encrypt(secret, boundTo(row, 'secret')),
      previous_secret: null,
      previous_secret_until: null,
    };
    if (overlap > 0) {
      changes.previous_secret = this.cipher.encrypt(
        this.cipher.decrypt(row.secret, boundTo(row, 'secret')),
        boundTo(row, 'previous_secret'),
      );
      changes.previous_secret_until = new Date(Date.now() + overlap * 1000).toISOString();
    }
    return { ...toEndpointView(await this.#change(row, changes)), secret };
  }

  /** See signingSecrets: the dispatcher's view of a row it has read. */
  signingSecrets(row: EndpointRow, now: Date = new Date()): string[] {
    return signingSecrets(this.cipher, row, now);
  }

  /** Ids of endpoints whose stored secrets (current or previous) no configured FLOWIQ_SECRET decrypts. */
  async undecryptableSecrets(): Promise<string[]> {
    return (await this.store.listAll()).filter((row) => !this.cipher.opensAll(secretsOf(row))).map((row) => row.id);
  }

  /** Re-encrypts under FLOWIQ_SECRET every stored secret still under FLOWIQ_SECRET_PREVIOUS; the count. */
  async reencryptSecrets(): Promise<number> {
    let moved = 0;
    for (const row of await this.store.listAll()) {
      const [current, previous] = secretsOf(row);
      const changes: EndpointChanges = this.cipher.reencrypted({ secret: current, previous_secret: previous });
      // Not #change: a re-encryption is not a change the tenant made (updated_at stays).
      if (Object.keys(changes).length > 0) await this.store.update(row.organization_id, row.id, changes);
      moved += Object.keys(changes).length;
    }
    return moved;
  }
}

/** A row's stored secrets with what each is bound to. */
function secretsOf(row: EndpointRow): [readonly [string | null, string], readonly [string | null, string]] {
  return [
    [row.secret, boundTo(row, 'secret')],
    [row.previous_secret, boundTo(row, 'previous_secret')],
  ];
}
