// Organizations (tenants): what the CLI creates and the send path reads. The Meta token is
// encrypted before it reaches the store and decrypted only for the Graph call.
import { isUniqueViolation } from '../db/errors.js';
import { newId, nowIso } from '../db/ids.js';
import { InvalidRequest, NotFound } from '../errors.js';
import type { OrganizationRow, OrganizationStore } from './store.js';
import type { TokenCipher } from './token-cipher.js';

export const PROVIDERS = ['meta', 'wati', 'twilio', '360dialog', 'gupshup'] as const;
const SLUG = /^[a-z0-9][a-z0-9-_]{0,62}$/;

/** What may be shown to anyone: everything but the token, which is reported only as set or not. */
export interface OrganizationView {
  id: string;
  slug: string;
  name: string;
  whatsapp_provider_choice: string;
  meta_phone_id: string | null;
  meta_waba_id: string | null;
  /** Meta's id of the app whose webhooks this organization receives (`flowiq app`). */
  meta_app_id: string | null;
  meta_token_configured: boolean;
  /** The 24-hour window rule: 'on', 'off', or null for the configured WINDOW_CHECK. */
  window_check: string | null;
  created_at: string;
  updated_at: string;
}

export interface OrganizationInput {
  name?: string;
  provider?: string;
  metaPhoneId?: string;
  metaToken?: string;
  /** WhatsApp Business Account id (digits); null clears it. */
  metaWabaId?: string | null;
  /** Meta app id of an existing app record (`flowiq app create`); null detaches the organization. */
  metaApp?: string | null;
  /** The 24-hour window rule (conversations/window.ts): 'on', 'off', or null for WINDOW_CHECK. */
  windowCheck?: 'on' | 'off' | null;
}

export function toView(row: OrganizationRow): OrganizationView {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    whatsapp_provider_choice: row.whatsapp_provider_choice,
    meta_phone_id: row.meta_phone_id,
    meta_waba_id: row.meta_waba_id,
    meta_app_id: row.meta_app_id,
    meta_token_configured: row.whatsapp_bearer_token !== null,
    window_check: row.window_check,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function checkInput(input: OrganizationInput): void {
  if (input.name !== undefined && input.name.trim() === '') throw new InvalidRequest('name must not be empty');
  if (input.provider !== undefined && !(PROVIDERS as readonly string[]).includes(input.provider)) {
    throw new InvalidRequest(`provider must be one of ${PROVIDERS.join(', ')}; got "${input.provider}"`);
  }
  if (input.metaPhoneId !== undefined && !/^\d{1,32}$/.test(input.metaPhoneId)) {
    throw new InvalidRequest('meta phone id must be the numeric phone_number_id from Meta');
  }
  if (input.metaToken !== undefined && !/^[\x21-\x7e]{8,4096}$/.test(input.metaToken)) {
    throw new InvalidRequest('meta token must be 8 or more printable characters without spaces');
  }
  if (input.metaWabaId != null && !/^\d{1,32}$/.test(input.metaWabaId)) {
    throw new InvalidRequest('meta WABA id must be the numeric WhatsApp Business Account id from Meta');
  }
  if (input.metaApp != null && !/^\d{1,32}$/.test(input.metaApp)) {
    throw new InvalidRequest(
      'meta app must be the numeric app id from Meta of an app created with `flowiq app create`',
    );
  }
}

export class OrganizationService {
  constructor(
    private readonly store: OrganizationStore,
    private readonly cipher: TokenCipher,
  ) {}

  async create(slug: string, input: OrganizationInput & { name: string }): Promise<OrganizationView> {
    if (!SLUG.test(slug))
      throw new InvalidRequest('slug must be 1–63 lowercase letters, digits, - or _, starting with a letter or digit');
    checkInput(input);
    await this.#checkApp(input.metaApp);
    const id = newId();
    const now = nowIso();
    const row: OrganizationRow = {
      id,
      slug,
      name: input.name.trim(),
      whatsapp_provider_choice: input.provider ?? 'meta',
      meta_phone_id: input.metaPhoneId ?? null,
      whatsapp_bearer_token: input.metaToken === undefined ? null : this.cipher.encrypt(input.metaToken, id),
      meta_waba_id: input.metaWabaId ?? null,
      meta_app_id: input.metaApp ?? null,
      window_check: input.windowCheck ?? null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.store.insert(row);
    } catch (err) {
      if (isUniqueViolation(err)) {
        await this.#checkPhoneFree(row);
        throw new InvalidRequest(`an organization with slug "${slug}" already exists`);
      }
      throw err;
    }
    return toView(row);
  }

  async update(slug: string, input: OrganizationInput): Promise<OrganizationView> {
    checkInput(input);
    const row = await this.store.findBySlug(slug);
    if (!row) throw new NotFound(`no organization with slug "${slug}"`);
    const changes: Partial<OrganizationRow> = { updated_at: nowIso() };
    if (input.name !== undefined) changes.name = input.name.trim();
    if (input.provider !== undefined) changes.whatsapp_provider_choice = input.provider;
    if (input.metaPhoneId !== undefined) changes.meta_phone_id = input.metaPhoneId;
    if (input.metaToken !== undefined) changes.whatsapp_bearer_token = this.cipher.encrypt(input.metaToken, row.id);
    if (input.metaWabaId !== undefined) changes.meta_waba_id = input.metaWabaId;
    if (input.windowCheck !== undefined) changes.window_check = input.windowCheck;
    if (input.metaApp !== undefined) {
      await this.#checkApp(input.metaApp);
      changes.meta_app_id = input.metaApp;
    }
    const updated = { ...row, ...changes };
    try {
      await this.store.update(row.id, changes);
    } catch (err) {
      if (isUniqueViolation(err)) await this.#checkPhoneFree(updated);
      throw err;
    }
    return toView(updated);
  }

  async #checkApp(metaApp: string | null | undefined): Promise<void> {
    if (metaApp == null) return;
    if (!(await this.store.metaAppExists(metaApp)))
      throw new InvalidRequest(`no Meta app with id ${metaApp}; create it first with \`flowiq app create\``);
  }

  /**
   * After a unique violation: if another organization of the same app holds this phone id
   * (organizations_app_phone, migration 004), says so; a webhook could not tell the two apart.
   */
  async #checkPhoneFree(row: OrganizationRow): Promise<void> {
    if (row.meta_app_id === null || row.meta_phone_id === null) return;
    const holder = await this.store.findByAppAndPhone(row.meta_app_id, row.meta_phone_id);
    if (holder && holder.id !== row.id)
      throw new InvalidRequest(
        `organization "${holder.slug}" of Meta app ${row.meta_app_id} already has phone id ${row.meta_phone_id}: two organizations of one app cannot share a number`,
      );
  }

  async list(): Promise<OrganizationView[]> {
    return (await this.store.list()).map(toView);
  }

  /** Slugs of organizations whose stored token no configured secret decrypts. */
  async undecryptableTokens(): Promise<string[]> {
    const bad: string[] = [];
    for (const row of await this.store.list()) {
      if (row.whatsapp_bearer_token === null) continue;
      try {
        this.cipher.open(row.whatsapp_bearer_token, row.id);
      } catch {
        bad.push(row.slug);
      }
    }
    return bad;
  }

  /** Re-encrypts under the current secret every token still under the previous one; the count. */
  async reencryptTokens(): Promise<number> {
    let moved = 0;
    for (const row of await this.store.list()) {
      if (row.whatsapp_bearer_token === null) continue;
      const { token, previous } = this.cipher.open(row.whatsapp_bearer_token, row.id);
      if (!previous) continue;
      await this.store.update(row.id, { whatsapp_bearer_token: this.cipher.encrypt(token, row.id) });
      moved++;
    }
    return moved;
  }

  // Keyed by the row object, which the auth cache keeps for well under a second: the token is
  // decrypted once per cached row instead of once per message (AES-GCM was ~5% of the send path).
  readonly #tokens = new WeakMap<OrganizationRow, string>();

  decryptToken(row: OrganizationRow): string | undefined {
    if (row.whatsapp_bearer_token === null) return undefined;
    let token = this.#tokens.get(row);
    if (token === undefined) {
      token = this.cipher.decrypt(row.whatsapp_bearer_token, row.id);
      this.#tokens.set(row, token);
    }
    return token;
  }
}
