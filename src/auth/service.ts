// The API contract's authentication: `Authorization: Bearer fiq_…`, a key that belongs to the
// organization named by tenantId. Lookups are cached for well under a second, so a steady stream
// of requests costs no query each, yet a revocation from anywhere takes effect within one second.
import { FailedAuthLimit } from './failure-limit.js';
import { parseDuration } from '../config.js';
import { newId, nowIso } from '../db/ids.js';
import { InvalidApiKey, InvalidRequest, MissingField, NotFound, OrganizationNotFound } from '../errors.js';
import type { OrganizationRow, OrganizationStore } from '../organizations/store.js';
import { KEY_PREFIX, generateApiKey, hashApiKey, looksLikeApiKey } from './keys.js';
import type { ApiKeyRow, ApiKeyStore } from './store.js';
import { TtlCache } from '../lib/ttl-cache.js';

export const AUTH_CACHE_TTL_MS = 500;
const TOUCH_EVERY_MS = 60_000;

export interface ApiKeyView {
  id: string;
  organization: string;
  prefix: string;
  label: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  status: 'active' | 'revoked' | 'expired';
}

export interface Tenant {
  organization: OrganizationRow;
  apiKeyId: string;
}

function keyStatus(row: ApiKeyRow, now: string): ApiKeyView['status'] {
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at !== null && row.expires_at <= now) return 'expired';
  return 'active';
}

export class AuthService {
  readonly #keys = new TtlCache<ApiKeyRow>(AUTH_CACHE_TTL_MS);
  readonly #orgs = new TtlCache<OrganizationRow>(AUTH_CACHE_TTL_MS);
  readonly #touched = new Map<string, number>();
  /**
   * Presented key → its SHA-256, in memory only (like the key in the request itself): hashing on
   * every request was ~1.5% of the send path's CPU. What the key may do is still looked up, by
   * the hash, through the 0.5 s cache above.
   */
  readonly #hashes = new Map<string, string>();

  /** Failed authentications per client address (failure-limit.ts), checked by the auth hook. */
  readonly failures = new FailedAuthLimit();

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly orgs: OrganizationStore,
    private readonly onBackgroundError: (err: unknown) => void = () => {},
  ) {}

  async createKey(opts: {
    orgSlug: string;
    label?: string;
    expiresIn?: string;
  }): Promise<ApiKeyView & { key: string }> {
    const org = await this.orgs.findBySlug(opts.orgSlug);
    if (!org) throw new NotFound(`no organization with slug "${opts.orgSlug}"`);
    let expiresAt: string | null = null;
    if (opts.expiresIn !== undefined) {
      const seconds = parseDuration(opts.expiresIn);
      if (seconds === undefined || seconds <= 0)
        throw new InvalidRequest(`expires-in must be a duration such as 30d, 12h or 90m; got "${opts.expiresIn}"`);
      expiresAt = new Date(Date.now() + seconds * 1000).toISOString();
    }
    const secret = generateApiKey();
    const row: ApiKeyRow = {
      id: newId(),
      organization_id: org.id,
      prefix: secret.prefix,
      key_hash: secret.hash,
      label: opts.label ?? null,
      created_at: nowIso(),
      last_used_at: null,
      expires_at: expiresAt,
      revoked_at: null,
    };
    await this.keys.insert(row);
    return { ...this.view(row, org.slug), key: secret.key };
  }

  async revokeKey(id: string): Promise<ApiKeyView> {
    const row = await this.keys.findById(id);
    if (!row) throw new NotFound(`no API key with id "${id}"`);
    const at = nowIso();
    await this.keys.revoke(id, at);
    const org = await this.orgs.findById(row.organization_id);
    this.#keys.delete(row.key_hash);
    return this.view({ ...row, revoked_at: row.revoked_at ?? at }, org?.slug ?? row.organization_id);
  }

  async listKeys(orgSlug: string): Promise<ApiKeyView[]> {
    const org = await this.orgs.findBySlug(orgSlug);
    if (!org) throw new NotFound(`no organization with slug "${orgSlug}"`);
    return (await this.keys.listByOrganization(org.id)).map((r) => this.view(r, org.slug));
  }

  /**
   * The API contract's checks 1 and 2: the key, then the organization it must belong to. When both
   * are cached (every request but one per key and TTL) the answer is synchronous: no promise and
   * no microtask turn on the send path.
   */
  authenticate(authorization: string | undefined, tenantId: string | undefined): Tenant | Promise<Tenant> {
    const hash = this.presentedHash(authorization);
    const key = this.#keys.get(hash);
    const organization = tenantId ? this.#orgs.get(tenantId) : undefined;
    if (key && organization) return this.tenant(key, tenantId, organization);
    return this.authenticateUncached(hash, tenantId);
  }

  private async authenticateUncached(hash: string, tenantId: string | undefined): Promise<Tenant> {
    const key = await this.keyByHash(hash);
    this.assertUsable(key);
    return this.tenant(key, tenantId, tenantId ? await this.organization(tenantId) : undefined);
  }

  /** The checks after the lookups, in the API contract's order. */
  private tenant(key: ApiKeyRow, tenantId: string | undefined, organization: OrganizationRow | undefined): Tenant {
    this.assertUsable(key);
    if (tenantId === undefined || tenantId === '' || !organization)
      throw new MissingField('tenantId query parameter is required');
    if (key.organization_id !== organization.id) {
      throw new InvalidApiKey(`API key was not issued to organization "${tenantId}"`);
    }
    this.touch(key);
    return { organization, apiKeyId: key.id };
  }

  /** Organizations change rarely but must be seen within a second when they do (CLI updates). */
  async organization(slug: string): Promise<OrganizationRow> {
    let org = this.#orgs.get(slug);
    if (!org) {
      org = await this.orgs.findBySlug(slug);
      if (!org) throw new OrganizationNotFound(slug);
      this.#orgs.set(slug, org);
    }
    return org;
  }

  /** The presented key's SHA-256, after the checks that need no lookup. */
  private presentedHash(authorization: string | undefined): string {
    if (authorization === undefined || authorization.trim() === '') {
      throw new InvalidApiKey('Missing API key: send Authorization: Bearer fiq_…');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new InvalidApiKey('Authorization header must be "Bearer fiq_…"');
    const presented = match[1]!;
    if (!presented.startsWith(KEY_PREFIX)) throw new InvalidApiKey('Only API keys with the fiq_ prefix are accepted');
    if (!looksLikeApiKey(presented)) throw new InvalidApiKey('API key is malformed');
    let hash = this.#hashes.get(presented);
    if (hash === undefined) {
      hash = hashApiKey(presented);
      if (this.#hashes.size >= 10_000) this.#hashes.clear(); // bounded: unknown keys are sent too
      this.#hashes.set(presented, hash);
    }
    return hash;
  }

  private async keyByHash(hash: string): Promise<ApiKeyRow> {
    let row = this.#keys.get(hash);
    if (!row) {
      row = await this.keys.findByHash(hash);
      // Looked up by the hash of the whole key: equal hashes mean equal keys, and no comparison of
      // secret bytes happens in our code that could leak timing.
      if (!row) throw new InvalidApiKey('Unknown API key');
      this.#keys.set(hash, row);
    }
    return row;
  }

  private assertUsable(row: ApiKeyRow): void {
    const status = keyStatus(row, nowIso());
    if (status === 'revoked') throw new InvalidApiKey('API key has been revoked');
    if (status === 'expired') throw new InvalidApiKey('API key has expired');
  }

  private touch(row: ApiKeyRow): void {
    const now = Date.now();
    if (now - (this.#touched.get(row.id) ?? 0) < TOUCH_EVERY_MS) return;
    this.#touched.set(row.id, now);
    this.keys.touch(row.id, new Date(now).toISOString()).catch(this.onBackgroundError);
  }

  private view(row: ApiKeyRow, orgSlug: string): ApiKeyView {
    return {
      id: row.id,
      organization: orgSlug,
      prefix: row.prefix,
      label: row.label,
      created_at: row.created_at,
      last_used_at: row.last_used_at,
      expires_at: row.expires_at,
      revoked_at: row.revoked_at,
      status: keyStatus(row, nowIso()),
    };
  }
}
