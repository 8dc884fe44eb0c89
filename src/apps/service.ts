// Meta apps: what `flowiq app` creates and the webhook route (/webhooks/meta/{app}) reads. The app
// secret and verify token are encrypted with the Meta tokens' cipher before they reach the store,
// and decrypted only for the webhook; nothing here ever shows them.
import { isUniqueViolation } from '../db/errors.js';
import { newId, nowIso } from '../db/ids.js';
import { InvalidRequest, NotFound } from '../errors.js';
import { TtlCache } from '../lib/ttl-cache.js';
import type { TokenCipher } from '../organizations/token-cipher.js';
import type { MetaAppRow, MetaAppStore } from './store.js';

/**
 * How long the webhook's lookups are kept: a webhook storm costs one query per app (and per
 * number) every 2 s, and a change from the CLI or another instance is seen within 2 s. A change
 * made through this instance's service is seen at once.
 */
export const WEBHOOK_CACHE_TTL_MS = 2_000;

const META_APP_ID = /^\d{1,32}$/;
/** Printable ASCII without spaces: it travels as a query parameter (hub.verify_token). */
const VERIFY_TOKEN = /^[\x21-\x7e]{8,256}$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** What may be shown to anyone: the secrets are reported only as set (they always are). */
export interface MetaAppView {
  id: string;
  meta_app_id: string;
  name: string | null;
  app_secret: 'set';
  /** 'set' while the secret before the last change is still accepted (`--keep-previous-secret`). */
  previous_app_secret: 'set' | null;
  verify_token: 'set';
  /** How many organizations have this app (`flowiq org update --meta-app`). */
  organizations: number;
  created_at: string;
  updated_at: string;
}

export interface MetaAppInput {
  name?: string;
  appSecret?: string;
  verifyToken?: string;
}

export interface MetaAppUpdate extends MetaAppInput {
  /**
   * With a new appSecret: keep accepting the current one as the previous secret (webhooks Meta
   * signed before the reset). Off by default: a secret is usually changed because it leaked.
   */
  keepPreviousSecret?: boolean;
  /** Stop accepting the previous secret. */
  dropPreviousSecret?: boolean;
}

/** What the webhook route needs of an app, decrypted. */
export interface WebhookApp {
  metaAppId: string;
  /**
   * Verify X-Hub-Signature-256 (HMAC-SHA256 of the raw body) with any of these: the current
   * secret first, then the previous one while it is kept. Never empty.
   */
  appSecrets: string[];
  /** Compared with hub.verify_token on the subscription handshake (constant time, please). */
  verifyToken: string;
}

export function isMetaAppId(s: string): boolean {
  return META_APP_ID.test(s);
}

function checkMetaAppId(metaAppId: string): void {
  if (!isMetaAppId(metaAppId))
    throw new InvalidRequest(`Meta app id must be the app's numeric id from Meta (digits only); got "${metaAppId}"`);
}

function checkInput(input: MetaAppInput): void {
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (name === '' || name.length > 200 || CONTROL.test(name))
      throw new InvalidRequest('name must be 1–200 characters on one line');
  }
  if (input.appSecret !== undefined) {
    const s = input.appSecret;
    if (s === '' || s.length > 1024 || s.trim() !== s || CONTROL.test(s))
      throw new InvalidRequest(
        'app secret must be one non-empty line (at most 1024 characters, no leading or trailing spaces)',
      );
  }
  if (input.verifyToken !== undefined && !VERIFY_TOKEN.test(input.verifyToken)) {
    throw new InvalidRequest('verify token must be 8 to 256 printable ASCII characters without spaces');
  }
}

/** Associated data of each ciphertext: bound to the app record and to the column it is in. */
type SecretField = 'app_secret' | 'app_secret_previous' | 'verify_token';
const boundTo = (row: Pick<MetaAppRow, 'id'>, field: SecretField) => `meta-app:${row.id}:${field}`;
const SECRET_FIELDS = ['app_secret', 'app_secret_previous', 'verify_token'] as const;

export class MetaAppService {
  readonly #webhookApps: TtlCache<WebhookApp | null>;
  readonly #phones: TtlCache<string | null>;

  constructor(
    private readonly store: MetaAppStore,
    private readonly cipher: TokenCipher,
    opts: { cacheTtlMs?: number } = {},
  ) {
    this.#webhookApps = new TtlCache(opts.cacheTtlMs ?? WEBHOOK_CACHE_TTL_MS);
    this.#phones = new TtlCache(opts.cacheTtlMs ?? WEBHOOK_CACHE_TTL_MS);
  }

  #view(row: MetaAppRow, organizations: number): MetaAppView {
    return {
      id: row.id,
      meta_app_id: row.meta_app_id,
      name: row.name,
      app_secret: 'set',
      previous_app_secret: row.app_secret_previous === null ? null : 'set',
      verify_token: 'set',
      organizations,
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }

  async create(
    metaAppId: string,
    input: MetaAppInput & { appSecret: string; verifyToken: string },
  ): Promise<MetaAppView> {
    checkMetaAppId(metaAppId);
    checkInput(input);
    const id = newId();
    const now = nowIso();
    const row: MetaAppRow = {
      id,
      meta_app_id: metaAppId,
      name: input.name === undefined ? null : input.name.trim(),
      app_secret: this.cipher.encrypt(input.appSecret, boundTo({ id }, 'app_secret')),
      app_secret_previous: null,
      verify_token: this.cipher.encrypt(input.verifyToken, boundTo({ id }, 'verify_token')),
      created_at: now,
      updated_at: now,
    };
    try {
      await this.store.insert(row);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new InvalidRequest(
          `a Meta app with id ${metaAppId} already exists; change it with \`flowiq app update\``,
        );
      throw err;
    }
    this.#webhookApps.delete(metaAppId);
    return this.#view(row, 0);
  }

  async update(metaAppId: string, input: MetaAppUpdate): Promise<MetaAppView> {
    checkMetaAppId(metaAppId);
    checkInput(input);
    if (input.keepPreviousSecret && input.appSecret === undefined)
      throw new InvalidRequest('keeping the previous app secret needs a new app secret');
    if (input.keepPreviousSecret && input.dropPreviousSecret)
      throw new InvalidRequest('keep the previous app secret or drop it, not both');
    const row = await this.store.findByMetaAppId(metaAppId);
    if (!row) throw new NotFound(`no Meta app with id ${metaAppId}; create it with \`flowiq app create\``);
    const changes: Partial<MetaAppRow> = { updated_at: nowIso() };
    if (input.name !== undefined) changes.name = input.name.trim();
    if (input.appSecret !== undefined) {
      changes.app_secret = this.cipher.encrypt(input.appSecret, boundTo(row, 'app_secret'));
      // The previous secret is the one being replaced, or none: never one from further back.
      changes.app_secret_previous = input.keepPreviousSecret
        ? this.cipher.encrypt(
            this.cipher.decrypt(row.app_secret, boundTo(row, 'app_secret')),
            boundTo(row, 'app_secret_previous'),
          )
        : null;
    }
    if (input.dropPreviousSecret) changes.app_secret_previous = null;
    if (input.verifyToken !== undefined)
      changes.verify_token = this.cipher.encrypt(input.verifyToken, boundTo(row, 'verify_token'));
    await this.store.update(row.id, changes);
    this.#webhookApps.delete(metaAppId);
    const counts = await this.store.organizationCounts();
    return this.#view({ ...row, ...changes }, counts.get(metaAppId) ?? 0);
  }

  async list(): Promise<MetaAppView[]> {
    const [rows, counts] = await Promise.all([this.store.list(), this.store.organizationCounts()]);
    return rows.map((row) => this.#view(row, counts.get(row.meta_app_id) ?? 0));
  }

  /**
   * For /webhooks/meta/{app}: the app with its secrets decrypted, or undefined when no app has
   * this id (including any `{app}` that is not digits, so the route may pass the path as is).
   * Kept WEBHOOK_CACHE_TTL_MS, misses too, so unknown ids cost one query per id per TTL.
   */
  async appForWebhook(metaAppId: string): Promise<WebhookApp | undefined> {
    if (!isMetaAppId(metaAppId)) return undefined;
    const cached = this.#webhookApps.get(metaAppId);
    if (cached !== undefined) return cached ?? undefined;
    const row = await this.store.findByMetaAppId(metaAppId);
    const app: WebhookApp | null = row
      ? {
          metaAppId: row.meta_app_id,
          appSecrets: [
            this.cipher.decrypt(row.app_secret, boundTo(row, 'app_secret')),
            ...(row.app_secret_previous === null
              ? []
              : [this.cipher.decrypt(row.app_secret_previous, boundTo(row, 'app_secret_previous'))]),
          ],
          verifyToken: this.cipher.decrypt(row.verify_token, boundTo(row, 'verify_token')),
        }
      : null;
    this.#webhookApps.set(metaAppId, app);
    return app ?? undefined;
  }

  /**
   * For a webhook POST of app `metaAppId`: the id of that app's organization whose meta_phone_id is
   * `phoneNumberId` (metadata.phone_number_id), or undefined. Never an organization of another app,
   * nor one without an app. At most one matches: (meta_app_id, meta_phone_id) is unique. Kept
   * WEBHOOK_CACHE_TTL_MS, misses too.
   */
  async organizationForPhoneNumber(metaAppId: string, phoneNumberId: string): Promise<string | undefined> {
    if (!isMetaAppId(metaAppId) || !/^\d{1,32}$/.test(phoneNumberId)) return undefined;
    const key = `${metaAppId}:${phoneNumberId}`;
    const cached = this.#phones.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const id = await this.store.organizationForPhoneNumber(metaAppId, phoneNumberId);
    this.#phones.set(key, id ?? null);
    return id;
  }

  /** Meta app ids whose stored app secret (current or previous) or verify token no configured secret decrypts. */
  async undecryptableSecrets(): Promise<string[]> {
    return (await this.store.list())
      .filter((row) => !this.cipher.opensAll(SECRET_FIELDS.map((field) => [row[field], boundTo(row, field)] as const)))
      .map((row) => row.meta_app_id);
  }

  /** Re-encrypts under the current secret every value still under the previous one; the count. */
  async reencryptSecrets(): Promise<number> {
    let moved = 0;
    for (const row of await this.store.list()) {
      const changes: Partial<MetaAppRow> = this.cipher.reencrypted(
        Object.fromEntries(SECRET_FIELDS.map((field) => [field, [row[field], boundTo(row, field)] as const])) as Record<
          (typeof SECRET_FIELDS)[number],
          readonly [string | null, string]
        >,
      );
      if (Object.keys(changes).length > 0) await this.store.update(row.id, changes);
      moved += Object.keys(changes).length;
    }
    return moved;
  }
}
