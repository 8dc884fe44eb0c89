// Meta apps' secrets and verify tokens, and webhook endpoints' signing secrets, are under
// FLOWIQ_SECRET like the Meta tokens: the gateway refuses to start when it cannot decrypt them, and
// `flowiq secret reencrypt` moves them too.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetaAppService } from '../../src/apps/service.js';
import { MetaAppStore } from '../../src/apps/store.js';
import { loadConfig } from '../../src/config.js';
import { EndpointService } from '../../src/events/endpoints.js';
import { EndpointStore } from '../../src/events/endpoint-store.js';
import { TokenCipher } from '../../src/organizations/token-cipher.js';
import { serve } from '../../src/server/serve.js';
import { cliDatabase, type CliDatabase } from '../helpers/cli-db.js';
import { runCli as run } from '../helpers/cli.js';
import { ENGINES } from '../helpers/db.js';
import { TEST_SECRET } from '../helpers/constants.js';

const NEW_SECRET = 'a-brand-new-flowiq-secret-of-more-than-32-chars';
const APP_SECRET = 'rotation-app-secret-0123456789';
const VERIFY_TOKEN = 'rotation-verify-token';

describe.each(ENGINES)('changing FLOWIQ_SECRET with Meta apps stored (%s)', (engine) => {
  let cli: CliDatabase;
  beforeEach(async () => {
    cli = await cliDatabase(engine, 'rotate-apps', { PORT: '0', FLOWIQ_SECRET_PREVIOUS: undefined });
    fs.writeFileSync(path.join(cli.dir, 'app-secret'), APP_SECRET);
    fs.writeFileSync(path.join(cli.dir, 'verify-token'), VERIFY_TOKEN);
  });
  afterEach(async () => {
    await cli.cleanup();
  });

  async function createApp(id: string): Promise<void> {
    const res = await run(
      'app',
      'create',
      '--app-id',
      id,
      '--app-secret-file',
      path.join(cli.dir, 'app-secret'),
      '--verify-token-file',
      path.join(cli.dir, 'verify-token'),
    );
    expect(res.code, res.err).toBe(0);
  }

  const webhookApp = (id: string, secret: string) =>
    cli.withDb((db) => new MetaAppService(new MetaAppStore(db), new TokenCipher(secret)).appForWebhook(id));

  /** What the dispatcher would sign a delivery to the endpoint with, decrypted under `secret` alone. */
  const endpointSigningSecrets = (orgSlug: string, id: string, secret: string) =>
    cli.withDb(async (db) => {
      const org = await db.kysely
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', orgSlug)
        .executeTakeFirstOrThrow();
      const store = new EndpointStore(db);
      const row = (await store.find(org.id, id))!;
      return new EndpointService(store, new TokenCipher(secret), { allowPrivateNetworks: false }).signingSecrets(row);
    });

  async function createEndpoint(slug: string): Promise<{ id: string; secret: string }> {
    // A public IP literal: checked at registration, never connected to (no event is written here).
    const res = await run('endpoint', 'create', '--org', slug, '--url', 'https://93.184.215.14/hooks', '--json');
    expect(res.code, res.err).toBe(0);
    return JSON.parse(res.out) as { id: string; secret: string };
  }

  it('refuses to start when no configured secret decrypts an app, naming it', async () => {
    await createApp('100');
    process.env.FLOWIQ_SECRET = NEW_SECRET;
    await expect(serve(loadConfig())).rejects.toThrow(
      /FLOWIQ_SECRET.*cannot decrypt the stored app secret or verify token of Meta app 100:.*FLOWIQ_SECRET_PREVIOUS/,
    );
    const refused = await run('secret', 'reencrypt');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/decrypts the stored app secret or verify token of Meta app 100; nothing was changed/);
  });

  it('names organizations and apps together, then rotates both with the previous secret', async () => {
    await createApp('100');
    await createApp('200');
    const org = await run(
      'org',
      'create',
      '--slug',
      'acme',
      '--name',
      'Acme',
      '--meta-token-file',
      path.join(cli.dir, 'app-secret'),
    );
    expect(org.code, org.err).toBe(0);
    await run(
      'app',
      'update',
      '--app-id',
      '200',
      '--app-secret-file',
      path.join(cli.dir, 'verify-token'),
      '--keep-previous-secret',
    );

    process.env.FLOWIQ_SECRET = NEW_SECRET;
    await expect(serve(loadConfig())).rejects.toThrow(
      /cannot decrypt the stored Meta token of acme and the stored app secret or verify token of Meta apps 100, 200:/,
    );

    process.env.FLOWIQ_SECRET_PREVIOUS = TEST_SECRET;
    const started = await serve(loadConfig());
    await started();
    const rotated = await run('secret', 'reencrypt', '--json');
    expect(rotated.code, rotated.err).toBe(0);
    // 1 Meta token; app 100's secret and verify token; app 200's secret, previous secret and token.
    expect(JSON.parse(rotated.out)).toEqual({ reencrypted: 6, metaTokens: 1, appSecrets: 5, endpointSecrets: 0 });
    const human = await run('secret', 'reencrypt');
    expect(human.out).toMatch(
      /Re-encrypted 0 Meta token\(s\), 0 Meta app secret\(s\) and verify token\(s\), and 0 webhook endpoint signing secret\(s\)/,
    );

    delete process.env.FLOWIQ_SECRET_PREVIOUS;
    const again = await serve(loadConfig());
    await again();
    expect(await webhookApp('100', NEW_SECRET)).toEqual({
      metaAppId: '100',
      appSecrets: [APP_SECRET],
      verifyToken: VERIFY_TOKEN,
    });
    expect((await webhookApp('200', NEW_SECRET))?.appSecrets).toEqual([VERIFY_TOKEN, APP_SECRET]);
  });

  it("refuses to start over endpoints' signing secrets, naming them, and moves them, overlap included", async () => {
    expect((await run('org', 'create', '--slug', 'acme', '--name', 'Acme')).code).toBe(0);
    const first = await createEndpoint('acme');
    const second = await createEndpoint('acme');
    // The first's secret rotated with an overlap: its previous secret is stored as well, and moves too.
    const rotated = await run('endpoint', 'rotate-secret', '--org', 'acme', '--id', first.id, '--json');
    expect(rotated.code, rotated.err).toBe(0);
    const current = (JSON.parse(rotated.out) as { secret: string }).secret;

    process.env.FLOWIQ_SECRET = NEW_SECRET;
    const ids = [first.id, second.id].sort().join(', ');
    await expect(serve(loadConfig())).rejects.toThrow(
      new RegExp(`cannot decrypt the stored signing secret of webhook endpoints ${ids}:.*flowiq secret reencrypt`),
    );
    const refused = await run('secret', 'reencrypt');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      `decrypts the stored signing secret of webhook endpoints ${ids}; nothing was changed`,
    );
    // The refusal names endpoints by id only: never a secret.
    expect(refused.err).not.toMatch(/whsec_/);

    process.env.FLOWIQ_SECRET_PREVIOUS = TEST_SECRET;
    const started = await serve(loadConfig());
    await started();
    const moved = await run('secret', 'reencrypt', '--json');
    expect(moved.code, moved.err).toBe(0);
    // first: current and previous; second: current.
    expect(JSON.parse(moved.out)).toEqual({ reencrypted: 3, metaTokens: 0, appSecrets: 0, endpointSecrets: 3 });
    expect(JSON.parse((await run('secret', 'reencrypt', '--json')).out)).toMatchObject({ reencrypted: 0 });

    delete process.env.FLOWIQ_SECRET_PREVIOUS;
    const again = await serve(loadConfig());
    await again();
    expect(await endpointSigningSecrets('acme', first.id, NEW_SECRET)).toEqual([current, first.secret]);
    expect(await endpointSigningSecrets('acme', second.id, NEW_SECRET)).toEqual([second.secret]);
  });
});
