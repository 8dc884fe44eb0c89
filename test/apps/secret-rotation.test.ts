// Meta apps' secrets and verify tokens are under FLOWIQ_SECRET like the Meta tokens: the gateway
// refuses to start when it cannot decrypt them, and `flowiq secret reencrypt` moves them too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetaAppService } from '../../src/apps/service.js';
import { MetaAppStore } from '../../src/apps/store.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { TokenCipher } from '../../src/organizations/token-cipher.js';
import { serve } from '../../src/server/serve.js';
import { runCli as run } from '../helpers/cli.js';
import { createPgSchema, ENGINES } from '../helpers/db.js';
import { TEST_SECRET } from '../helpers/constants.js';

const NEW_SECRET = 'a-brand-new-flowiq-secret-of-more-than-32-chars';
const APP_SECRET = 'rotation-app-secret-0123456789';
const VERIFY_TOKEN = 'rotation-verify-token';

describe.each(ENGINES)('changing FLOWIQ_SECRET with Meta apps stored (%s)', (engine) => {
  let dir: string;
  let databaseUrl: string;
  let dropSchema: (() => Promise<void>) | undefined;
  const saved = { ...process.env };
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-rotate-apps-'));
    if (engine === 'sqlite') {
      databaseUrl = `sqlite:${path.join(dir, 'db.sqlite')}`;
    } else {
      const s = await createPgSchema();
      dropSchema = s.drop;
      const u = new URL(process.env.TEST_DATABASE_URL!);
      u.searchParams.set('options', `-c search_path=${s.schema}`);
      databaseUrl = u.toString();
    }
    Object.assign(process.env, {
      DATABASE_URL: databaseUrl,
      DATA_DIR: dir,
      FLOWIQ_SECRET: TEST_SECRET,
      LOG_LEVEL: 'silent',
      PORT: '0',
    });
    delete process.env.FLOWIQ_SECRET_PREVIOUS;
    fs.writeFileSync(path.join(dir, 'app-secret'), APP_SECRET);
    fs.writeFileSync(path.join(dir, 'verify-token'), VERIFY_TOKEN);
  });
  afterEach(async () => {
    process.env = { ...saved };
    await dropSchema?.();
    dropSchema = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function createApp(id: string): Promise<void> {
    const res = await run(
      'app',
      'create',
      '--app-id',
      id,
      '--app-secret-file',
      path.join(dir, 'app-secret'),
      '--verify-token-file',
      path.join(dir, 'verify-token'),
    );
    expect(res.code, res.err).toBe(0);
  }

  async function webhookApp(id: string, secret: string) {
    const db = openDatabase(
      engine === 'sqlite' ? { kind: 'sqlite', file: databaseUrl.slice(7) } : { kind: 'postgres', url: databaseUrl },
    );
    try {
      return await new MetaAppService(new MetaAppStore(db), new TokenCipher(secret)).appForWebhook(id);
    } finally {
      await db.close();
    }
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
      path.join(dir, 'app-secret'),
    );
    expect(org.code, org.err).toBe(0);
    await run(
      'app',
      'update',
      '--app-id',
      '200',
      '--app-secret-file',
      path.join(dir, 'verify-token'),
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
    expect(JSON.parse(rotated.out)).toEqual({ reencrypted: 6 });
    const human = await run('secret', 'reencrypt');
    expect(human.out).toMatch(/Re-encrypted 0 Meta token\(s\) and 0 Meta app secret\(s\)/);

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
});
