import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetaAppService, WEBHOOK_CACHE_TTL_MS } from '../../src/apps/service.js';
import { MetaAppStore } from '../../src/apps/store.js';
import { OrganizationService } from '../../src/organizations/service.js';
import { OrganizationStore } from '../../src/organizations/store.js';
import { TokenCipher } from '../../src/organizations/token-cipher.js';
import { ENGINES, freshDb, type FreshDb } from '../helpers/db.js';
import { TEST_SECRET } from '../helpers/constants.js';

const APP_SECRET = 'f3a1c0ffee5ecre7app5ecret0123456';
const VERIFY_TOKEN = 'verify-me-please-0987654321';
const NEW_SECRET = 'a-brand-new-flowiq-secret-of-more-than-32-chars';

describe.each(ENGINES)('Meta apps on %s', (engine) => {
  let fresh: FreshDb;
  let apps: MetaAppService;
  let orgs: OrganizationService;
  beforeEach(async () => {
    fresh = await freshDb(engine);
    const cipher = new TokenCipher(TEST_SECRET);
    apps = new MetaAppService(new MetaAppStore(fresh.db), cipher);
    orgs = new OrganizationService(new OrganizationStore(fresh.db), cipher);
  });
  afterEach(async () => fresh.cleanup());

  async function dump(): Promise<string> {
    const rows = await Promise.all(
      ['meta_apps', 'organizations'].map((t) => sql.raw(`select * from ${t}`).execute(fresh.db.kysely)),
    );
    return JSON.stringify(rows.map((r) => r.rows));
  }

  it('keeps the app secret and verify token only as ciphertext, and never shows them', async () => {
    const created = await apps.create('1234567890123456', {
      name: 'Platform',
      appSecret: APP_SECRET,
      verifyToken: VERIFY_TOKEN,
    });
    expect(created).toMatchObject({
      meta_app_id: '1234567890123456',
      name: 'Platform',
      app_secret: 'set',
      verify_token: 'set',
      organizations: 0,
    });
    const listed = await apps.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ app_secret: 'set', verify_token: 'set' });
    for (const text of [JSON.stringify(created), JSON.stringify(listed), await dump()]) {
      expect(text).not.toContain(APP_SECRET);
      expect(text).not.toContain(VERIFY_TOKEN);
    }
    expect(await dump()).toContain('1234567890123456');
    expect(await apps.appForWebhook('1234567890123456')).toEqual({
      metaAppId: '1234567890123456',
      appSecrets: [APP_SECRET],
      verifyToken: VERIFY_TOKEN,
    });
  });

  it('answers undefined for an app it does not know, or an {app} that is not an id', async () => {
    await apps.create('111', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    expect(await apps.appForWebhook('222')).toBeUndefined();
    expect(await apps.appForWebhook('111 ')).toBeUndefined();
    expect(await apps.appForWebhook('../111')).toBeUndefined();
    expect(await apps.appForWebhook('')).toBeUndefined();
  });

  it.each([
    ['12a4', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN }, /digits only/],
    ['', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN }, /digits only/],
    ['1'.repeat(33), { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN }, /digits only/],
    ['123', { appSecret: '', verifyToken: VERIFY_TOKEN }, /app secret must be one non-empty line/],
    ['123', { appSecret: 'two\nlines', verifyToken: VERIFY_TOKEN }, /app secret must be one non-empty line/],
    ['123', { appSecret: ' padded ', verifyToken: VERIFY_TOKEN }, /app secret/],
    ['123', { appSecret: APP_SECRET, verifyToken: 'short' }, /verify token must be 8 to 256/],
    ['123', { appSecret: APP_SECRET, verifyToken: 'x'.repeat(257) }, /verify token must be 8 to 256/],
    ['123', { appSecret: APP_SECRET, verifyToken: 'has a space in it' }, /verify token/],
    ['123', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, name: '  ' }, /name/],
  ])('refuses app id %j with %j, storing nothing', async (id, input, message) => {
    await expect(apps.create(id, input)).rejects.toThrow(message);
    expect(await apps.list()).toEqual([]);
  });

  it('refuses a second record of the same app and keeps the first', async () => {
    await apps.create('777', { name: 'First', appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    await expect(apps.create('777', { appSecret: 'other', verifyToken: 'other-token' })).rejects.toThrow(
      /already exists/,
    );
    expect((await apps.appForWebhook('777'))?.appSecrets).toEqual([APP_SECRET]);
  });

  it('updates name, secret and token; an unknown app is a clear 404', async () => {
    await apps.create('777', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    expect(await apps.appForWebhook('777')).toMatchObject({ appSecrets: [APP_SECRET] });
    const updated = await apps.update('777', { name: 'Renamed', appSecret: 'new-app-secret' });
    expect(updated).toMatchObject({ name: 'Renamed', app_secret: 'set' });
    // Seen at once by the instance that made the change, despite its cache.
    expect(await apps.appForWebhook('777')).toEqual({
      metaAppId: '777',
      appSecrets: ['new-app-secret'],
      verifyToken: VERIFY_TOKEN,
    });
    await apps.update('777', { verifyToken: 'another-verify-token' });
    expect((await apps.appForWebhook('777'))?.verifyToken).toBe('another-verify-token');
    await expect(apps.update('778', { name: 'x' })).rejects.toMatchObject({ status: 404 });
    await expect(apps.update('777', { verifyToken: 'no' })).rejects.toThrow(/verify token/);
  });

  it('keeps the previous app secret only when asked, and only the one replaced', async () => {
    await apps.create('777', { appSecret: 'secret-one', verifyToken: VERIFY_TOKEN });
    const kept = await apps.update('777', { appSecret: 'secret-two', keepPreviousSecret: true });
    expect(kept.previous_app_secret).toBe('set');
    expect((await apps.appForWebhook('777'))?.appSecrets).toEqual(['secret-two', 'secret-one']);
    await apps.update('777', { verifyToken: 'changed-verify-token' }); // leaves the secrets alone
    expect((await apps.appForWebhook('777'))?.appSecrets).toEqual(['secret-two', 'secret-one']);
    await apps.update('777', { appSecret: 'secret-three', keepPreviousSecret: true });
    expect((await apps.appForWebhook('777'))?.appSecrets).toEqual(['secret-three', 'secret-two']);
    const dropped = await apps.update('777', { dropPreviousSecret: true });
    expect(dropped.previous_app_secret).toBeNull();
    expect((await apps.appForWebhook('777'))?.appSecrets).toEqual(['secret-three']);
    await apps.update('777', { appSecret: 'secret-four', keepPreviousSecret: true });
    await apps.update('777', { appSecret: 'secret-five' }); // a leak: the old one stops at once
    expect((await apps.appForWebhook('777'))?.appSecrets).toEqual(['secret-five']);
    expect(await dump()).not.toMatch(/secret-(one|two|three|four|five)/);
    await expect(apps.update('777', { keepPreviousSecret: true })).rejects.toThrow(/needs a new app secret/);
  });

  it('sees a change made elsewhere (the CLI, another instance) within its cache TTL', async () => {
    expect(WEBHOOK_CACHE_TTL_MS).toBeLessThanOrEqual(5_000);
    const cipher = new TokenCipher(TEST_SECRET);
    const gateway = new MetaAppService(new MetaAppStore(fresh.db), cipher, { cacheTtlMs: 200 });
    const cli = new MetaAppService(new MetaAppStore(fresh.db), cipher);
    expect(await gateway.appForWebhook('555')).toBeUndefined();
    await cli.create('555', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    await cli.update('555', { appSecret: 'rotated-at-meta' });
    await new Promise((r) => setTimeout(r, 250));
    expect((await gateway.appForWebhook('555'))?.appSecrets).toEqual(['rotated-at-meta']);
    await cli.update('555', { appSecret: 'rotated-again' });
    await new Promise((r) => setTimeout(r, 250));
    expect((await gateway.appForWebhook('555'))?.appSecrets).toEqual(['rotated-again']);
  });

  it('binds each ciphertext to its app and column: a copied one does not decrypt', async () => {
    await apps.create('100', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    await apps.create('200', { appSecret: 'second-app-secret', verifyToken: 'second-verify-token' });
    const k = fresh.db.kysely;
    const first = await k
      .selectFrom('meta_apps')
      .selectAll()
      .where('meta_app_id', '=', '100')
      .executeTakeFirstOrThrow();
    await k.updateTable('meta_apps').set({ verify_token: first.app_secret }).where('meta_app_id', '=', '100').execute();
    await k.updateTable('meta_apps').set({ app_secret: first.app_secret }).where('meta_app_id', '=', '200').execute();
    const fresher = new MetaAppService(new MetaAppStore(fresh.db), new TokenCipher(TEST_SECRET));
    await expect(fresher.appForWebhook('100')).rejects.toThrow();
    await expect(fresher.appForWebhook('200')).rejects.toThrow();
    expect(await fresher.undecryptableSecrets()).toEqual(['100', '200']);
  });

  it('routes a phone_number_id only among the organizations of that app', async () => {
    await apps.create('100', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    await apps.create('200', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    const a1 = await orgs.create('a1', { name: 'A1', metaApp: '100', metaPhoneId: '111', metaWabaId: '9001' });
    const a2 = await orgs.create('a2', { name: 'A2', metaApp: '100', metaPhoneId: '222' });
    const b1 = await orgs.create('b1', { name: 'B1', metaApp: '200', metaPhoneId: '111' });
    await orgs.create('loose', { name: 'No app', metaPhoneId: '333' });
    expect(a1).toMatchObject({ meta_app_id: '100', meta_waba_id: '9001', meta_phone_id: '111' });

    expect(await apps.organizationForPhoneNumber('100', '111')).toBe(a1.id);
    expect(await apps.organizationForPhoneNumber('100', '222')).toBe(a2.id);
    expect(await apps.organizationForPhoneNumber('200', '111')).toBe(b1.id);
    expect(await apps.organizationForPhoneNumber('200', '222')).toBeUndefined();
    expect(await apps.organizationForPhoneNumber('100', '333')).toBeUndefined();
    expect(await apps.organizationForPhoneNumber('300', '111')).toBeUndefined();
    expect(await apps.organizationForPhoneNumber('100', "111' or 1=1")).toBeUndefined();

    expect((await apps.list()).map((a) => [a.meta_app_id, a.organizations])).toEqual([
      ['100', 2],
      ['200', 1],
    ]);

    // Detached from its app, an organization receives none of that app's webhooks.
    const router = new MetaAppService(new MetaAppStore(fresh.db), new TokenCipher(TEST_SECRET));
    await orgs.update('a2', { metaApp: null });
    expect(await router.organizationForPhoneNumber('100', '222')).toBeUndefined();
    // Moved to another app: found there, and only there.
    await orgs.update('a2', { metaApp: '200' });
    const moved = new MetaAppService(new MetaAppStore(fresh.db), new TokenCipher(TEST_SECRET));
    expect(await moved.organizationForPhoneNumber('200', '222')).toBe(a2.id);
    expect(await moved.organizationForPhoneNumber('100', '222')).toBeUndefined();
  });

  it('refuses two organizations of one app with the same phone_number_id, however it comes about', async () => {
    await apps.create('100', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    await apps.create('200', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    await orgs.create('a1', { name: 'A1', metaApp: '100', metaPhoneId: '111' });
    await expect(orgs.create('a2', { name: 'A2', metaApp: '100', metaPhoneId: '111' })).rejects.toThrow(
      /organization "a1" of Meta app 100 already has phone id 111/,
    );
    // By attaching an app, or by changing the phone id.
    await orgs.create('a3', { name: 'A3', metaApp: '200', metaPhoneId: '111' });
    await expect(orgs.update('a3', { metaApp: '100' })).rejects.toThrow(
      /"a1" of Meta app 100 already has phone id 111/,
    );
    await orgs.create('a4', { name: 'A4', metaApp: '100', metaPhoneId: '444' });
    await expect(orgs.update('a4', { metaPhoneId: '111' })).rejects.toThrow(/already has phone id 111/);
    // Nothing changed, and the slug rule still speaks for itself.
    expect((await orgs.list()).map((o) => [o.slug, o.meta_app_id, o.meta_phone_id])).toEqual([
      ['a1', '100', '111'],
      ['a3', '200', '111'],
      ['a4', '100', '444'],
    ]);
    await expect(orgs.create('a1', { name: 'Again', metaApp: '200', metaPhoneId: '999' })).rejects.toThrow(
      /slug "a1" already exists/,
    );
    // Organizations without an app may share a number, as they always could.
    await orgs.create('x1', { name: 'X1', metaPhoneId: '111' });
    await orgs.create('x2', { name: 'X2', metaPhoneId: '111' });
  });

  it('refuses an organization attached to an app that has no record, or a malformed WABA id', async () => {
    await expect(orgs.create('a1', { name: 'A1', metaApp: '100' })).rejects.toThrow(/no Meta app with id 100/);
    await expect(orgs.create('a1', { name: 'A1', metaApp: 'abc' })).rejects.toThrow(/meta app must be the numeric/);
    await expect(orgs.create('a1', { name: 'A1', metaWabaId: 'waba-1' })).rejects.toThrow(/WABA id/);
    expect(await orgs.list()).toEqual([]);
    await orgs.create('a1', { name: 'A1', metaWabaId: '42' });
    expect(await orgs.update('a1', { metaWabaId: null })).toMatchObject({ meta_waba_id: null });
  });

  it('reports app values no configured secret decrypts, and re-encrypts them under the new one', async () => {
    await apps.create('100', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    await apps.create('200', { appSecret: 'second-app-secret', verifyToken: 'second-verify-token' });
    await apps.update('200', { appSecret: 'third-app-secret', keepPreviousSecret: true });
    const before = await dump();

    const newOnly = new MetaAppService(new MetaAppStore(fresh.db), new TokenCipher(NEW_SECRET));
    expect(await newOnly.undecryptableSecrets()).toEqual(['100', '200']);

    const rotating = new MetaAppService(new MetaAppStore(fresh.db), new TokenCipher(NEW_SECRET, TEST_SECRET));
    expect(await rotating.undecryptableSecrets()).toEqual([]);
    expect(await rotating.reencryptSecrets()).toBe(5);
    expect(await rotating.reencryptSecrets()).toBe(0);
    expect(await dump()).not.toBe(before);

    const after = new MetaAppService(new MetaAppStore(fresh.db), new TokenCipher(NEW_SECRET));
    expect(await after.undecryptableSecrets()).toEqual([]);
    expect(await after.appForWebhook('100')).toEqual({
      metaAppId: '100',
      appSecrets: [APP_SECRET],
      verifyToken: VERIFY_TOKEN,
    });
    expect(await after.appForWebhook('200')).toMatchObject({
      appSecrets: ['third-app-secret', 'second-app-secret'],
      verifyToken: 'second-verify-token',
    });
    expect(await apps.undecryptableSecrets()).toEqual(['100', '200']); // the old secret alone no longer does
  });
});

describe('Meta apps in a SQLite file', () => {
  it('leave neither the app secret nor the verify token anywhere in the database files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-apps-'));
    const file = path.join(dir, 'flowiq.db');
    const fresh = await freshDb('sqlite', { file });
    let open = true;
    try {
      const apps = new MetaAppService(new MetaAppStore(fresh.db), new TokenCipher(TEST_SECRET));
      await apps.create('1234', { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
      await apps.update('1234', { name: 'Renamed' });
      const bytes = () =>
        fs
          .readdirSync(dir)
          .map((f) => fs.readFileSync(path.join(dir, f)))
          .reduce((a, b) => Buffer.concat([a, b]), Buffer.alloc(0));
      expect(bytes().includes('Renamed')).toBe(true); // the files do hold the app's record
      expect(bytes().includes(APP_SECRET)).toBe(false);
      expect(bytes().includes(VERIFY_TOKEN)).toBe(false);
      await fresh.cleanup();
      open = false;
      expect(bytes().includes(APP_SECRET)).toBe(false);
      expect(bytes().includes(VERIFY_TOKEN)).toBe(false);
    } finally {
      if (open) await fresh.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
