import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../src/auth/store.js';
import { AuthService } from '../../src/auth/service.js';
import { OrganizationService } from '../../src/organizations/service.js';
import { OrganizationStore } from '../../src/organizations/store.js';
import { TokenCipher } from '../../src/organizations/token-cipher.js';
import { ENGINES, freshDb, type FreshDb } from '../helpers/db.js';
import { TEST_SECRET } from '../helpers/constants.js';

const TOKEN = 'EAAG-very-secret-meta-token-1234567890';

describe.each(ENGINES)('organizations and keys on %s', (engine) => {
  let fresh: FreshDb;
  let orgs: OrganizationService;
  let auth: AuthService;
  beforeEach(async () => {
    fresh = await freshDb(engine);
    const store = new OrganizationStore(fresh.db);
    orgs = new OrganizationService(store, new TokenCipher(TEST_SECRET));
    auth = new AuthService(new ApiKeyStore(fresh.db), store);
  });
  afterEach(async () => fresh.cleanup());

  async function dump(): Promise<string> {
    const rows = await Promise.all(
      ['organizations', 'api_keys'].map((t) => sql.raw(`select * from ${t}`).execute(fresh.db.kysely)),
    );
    return JSON.stringify(rows.map((r) => r.rows));
  }

  it('keeps the Meta token only as ciphertext and never lists it', async () => {
    const created = await orgs.create('acme', { name: 'Acme', metaPhoneId: '123456', metaToken: TOKEN });
    expect(JSON.stringify(created)).not.toContain(TOKEN);
    expect(created.meta_token_configured).toBe(true);
    expect(await dump()).not.toContain(TOKEN);
    expect(JSON.stringify(await orgs.list())).not.toContain(TOKEN);
    const row = await new OrganizationStore(fresh.db).findBySlug('acme');
    expect(orgs.decryptToken(row!)).toBe(TOKEN);
  });

  it('refuses a duplicate slug and changes nothing', async () => {
    await orgs.create('acme', { name: 'Acme' });
    await expect(orgs.create('acme', { name: 'Other' })).rejects.toThrow(/already exists/);
    const list = await orgs.list();
    expect(list).toHaveLength(1);
    expect(list[0]!.name).toBe('Acme');
  });

  it('refuses an unknown provider and a non-numeric phone id', async () => {
    await expect(orgs.create('acme', { name: 'Acme', provider: 'carrier-pigeon' })).rejects.toThrow(/provider/);
    await expect(orgs.create('acme', { name: 'Acme', metaPhoneId: 'abc' })).rejects.toThrow(/phone id/);
    expect(await orgs.list()).toHaveLength(0);
  });

  it('updates provider, phone id and token', async () => {
    await orgs.create('acme', { name: 'Acme', provider: 'wati' });
    const updated = await orgs.update('acme', { provider: 'meta', metaPhoneId: '999', metaToken: TOKEN });
    expect(updated).toMatchObject({
      whatsapp_provider_choice: 'meta',
      meta_phone_id: '999',
      meta_token_configured: true,
    });
  });

  it('shows the WABA id and Meta app, none until set, and clears them with null', async () => {
    const created = await orgs.create('acme', { name: 'Acme' });
    expect(created).toMatchObject({ meta_waba_id: null, meta_app_id: null });
    expect(await orgs.update('acme', { metaWabaId: '102290129340398' })).toMatchObject({
      meta_waba_id: '102290129340398',
    });
    expect((await orgs.list())[0]).toMatchObject({ meta_waba_id: '102290129340398', meta_app_id: null });
    await expect(orgs.update('acme', { metaWabaId: '10229 0129' })).rejects.toThrow(/WABA id/);
    await expect(orgs.update('acme', { metaApp: '123' })).rejects.toThrow(/no Meta app with id 123/);
    expect(await orgs.update('acme', { metaWabaId: null, metaApp: null })).toMatchObject({
      meta_waba_id: null,
      meta_app_id: null,
    });
  });

  it('stores API keys as hashes with a display prefix, shows the secret once', async () => {
    await orgs.create('acme', { name: 'Acme' });
    const key = await auth.createKey({ orgSlug: 'acme', label: 'ci', expiresIn: '30d' });
    expect(key.key).toMatch(/^fiq_[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(key.key.slice(0, 10));
    expect(await dump()).not.toContain(key.key);
    const listed = await auth.listKeys('acme');
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(key.key);
    expect(listed[0]!.expires_at! > new Date(Date.now() + 29 * 86400_000).toISOString()).toBe(true);
    await auth.revokeKey(key.id);
    expect((await auth.listKeys('acme'))[0]!.status).toBe('revoked');
  });

  it('refuses a malformed --expires-in', async () => {
    await orgs.create('acme', { name: 'Acme' });
    await expect(auth.createKey({ orgSlug: 'acme', expiresIn: 'soon' })).rejects.toThrow(/expires-in/);
  });
});
