// `flowiq app` and `flowiq org … --meta-app/--meta-waba-id`: Meta app records whose secrets come
// from a file or standard input only, and organizations attached to them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetaAppService } from '../../src/apps/service.js';
import { MetaAppStore } from '../../src/apps/store.js';
import { TokenCipher } from '../../src/organizations/token-cipher.js';
import { cliDatabase, type CliDatabase } from '../helpers/cli-db.js';
import { runCli as run } from '../helpers/cli.js';
import { ENGINES } from '../helpers/db.js';
import { TEST_SECRET } from '../helpers/constants.js';

const APP_SECRET = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const VERIFY_TOKEN = 'cli-verify-token-1234567890';

describe.each(ENGINES)('flowiq app on %s', (engine) => {
  let cli: CliDatabase;

  beforeEach(async () => {
    cli = await cliDatabase(engine, 'app', { FLOWIQ_SECRET_PREVIOUS: undefined });
  });
  afterEach(async () => {
    await cli.cleanup();
  });

  async function everything(): Promise<string> {
    return cli.withDb(async (db) => {
      const rows = await Promise.all(
        ['meta_apps', 'organizations'].map((t) => sql.raw(`select * from ${t}`).execute(db.kysely)),
      );
      return JSON.stringify(rows.map((r) => r.rows));
    });
  }

  /** What the webhook route would get for this app, read as a running gateway would. */
  async function webhookApp(metaAppId: string) {
    return cli.withDb((db) =>
      new MetaAppService(new MetaAppStore(db), new TokenCipher(TEST_SECRET)).appForWebhook(metaAppId),
    );
  }

  function secretFile(name: string, content: string): string {
    const file = path.join(cli.dir, name);
    fs.writeFileSync(file, content, { mode: 0o600 });
    return file;
  }

  /** The real binary, for standard input: the in-process runner has none to give. */
  function spawnCli(args: string[], input: string): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['bin/flowiq.js', ...args], {
        env: { ...process.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code, out, err }));
      child.stdin.end(input);
    });
  }

  it('creates an app from files, lists it in text and JSON, never showing or storing a secret in clear', async () => {
    const secret = secretFile('app-secret', `${APP_SECRET}\n`);
    const verify = secretFile('verify-token', `${VERIFY_TOKEN}\r\n`);
    const created = await run(
      'app',
      'create',
      '--app-id',
      '1234567890123',
      '--name',
      'Platform app',
      '--app-secret-file',
      secret,
      '--verify-token-file',
      verify,
      '--json',
    );
    expect(created.code, created.err).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({
      meta_app_id: '1234567890123',
      name: 'Platform app',
      app_secret: 'set',
      previous_app_secret: null,
      verify_token: 'set',
      organizations: 0,
    });
    const text = await run('app', 'list');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(
      /^1234567890123 {2}"Platform app" {2}app_secret=set {2}verify_token=set {2}organizations=0 {2}webhook=\/webhooks\/meta\/1234567890123$/,
    );
    const json = await run('app', 'list', '--json');
    expect(JSON.parse(json.out).apps).toHaveLength(1);
    for (const out of [created.out, text.out, json.out, await everything()]) {
      expect(out).not.toContain(APP_SECRET);
      expect(out).not.toContain(VERIFY_TOKEN);
    }
    expect(await webhookApp('1234567890123')).toEqual({
      metaAppId: '1234567890123',
      appSecrets: [APP_SECRET],
      verifyToken: VERIFY_TOKEN,
    });
    expect((await run('app', 'list')).code).toBe(0);
  });

  it('reads one of the two values from standard input', async () => {
    const verify = secretFile('verify-token', VERIFY_TOKEN);
    const created = await spawnCli(
      ['app', 'create', '--app-id', '42', '--app-secret', '-', '--verify-token-file', verify, '--json'],
      `${APP_SECRET}\n`,
    );
    expect(created.code, created.err).toBe(0);
    expect(created.out).not.toContain(APP_SECRET);
    const updated = await spawnCli(
      ['app', 'update', '--app-id', '42', '--verify-token', '-'],
      'a-verify-token-from-stdin\n',
    );
    expect(updated.code, updated.err).toBe(0);
    expect(updated.out).toMatch(/^Updated Meta app 42 /);
    expect(await webhookApp('42')).toEqual({
      metaAppId: '42',
      appSecrets: [APP_SECRET],
      verifyToken: 'a-verify-token-from-stdin',
    });
    expect(await everything()).not.toMatch(new RegExp(`${APP_SECRET}|a-verify-token-from-stdin`));
  });

  it('updates the name and the secret, keeping the replaced one only when asked', async () => {
    const secret = secretFile('s1', APP_SECRET);
    const verify = secretFile('v1', VERIFY_TOKEN);
    await run('app', 'create', '--app-id', '42', '--app-secret-file', secret, '--verify-token-file', verify);
    const renamed = await run('app', 'update', '--app-id', '42', '--name', 'Renamed', '--json');
    expect(JSON.parse(renamed.out)).toMatchObject({ name: 'Renamed' });
    const next = secretFile('s2', 'the-next-app-secret\n');
    const kept = await run('app', 'update', '--app-id', '42', '--app-secret-file', next, '--keep-previous-secret');
    expect(kept.code, kept.err).toBe(0);
    expect(kept.out).toContain('previous_app_secret=set');
    expect((await webhookApp('42'))?.appSecrets).toEqual(['the-next-app-secret', APP_SECRET]);
    const dropped = await run('app', 'update', '--app-id', '42', '--drop-previous-secret', '--json');
    expect(JSON.parse(dropped.out)).toMatchObject({ previous_app_secret: null });
    expect((await webhookApp('42'))?.appSecrets).toEqual(['the-next-app-secret']);
    const unknown = await run('app', 'update', '--app-id', '43', '--name', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no Meta app with id 43/);
  });

  it.each([
    [
      ['app', 'create', '--app-id', '42', '--app-secret', APP_SECRET, '--verify-token', '-'],
      /not taken on the command line/,
    ],
    [
      ['app', 'create', '--app-id', '42', '--app-secret', '-', '--verify-token', '-'],
      /only one of --app-secret and --verify-token/,
    ],
    [
      ['app', 'create', '--app-id', '42', '--verify-token-file', 'VERIFY'],
      /--app-secret - or --app-secret-file FILE is required/,
    ],
    [
      ['app', 'create', '--app-id', '42', '--app-secret-file', 'SECRET'],
      /--verify-token - or --verify-token-file FILE is required/,
    ],
    [['app', 'create', '--app-secret-file', 'SECRET', '--verify-token-file', 'VERIFY'], /--app-id is required/],
    [
      ['app', 'create', '--app-id', 'my-app', '--app-secret-file', 'SECRET', '--verify-token-file', 'VERIFY'],
      /digits only/,
    ],
    [
      ['app', 'create', '--app-id', '42', '--app-secret-file', 'EMPTY', '--verify-token-file', 'VERIFY'],
      /app secret read must be one non-empty line/,
    ],
    [
      ['app', 'create', '--app-id', '42', '--app-secret-file', 'TWO_LINES', '--verify-token-file', 'VERIFY'],
      /one non-empty line/,
    ],
    [
      ['app', 'create', '--app-id', '42', '--app-secret-file', 'SECRET', '--verify-token-file', 'SHORT'],
      /verify token must be 8 to 256/,
    ],
    [
      ['app', 'create', '--app-id', '42', '--app-secret-file', 'nope', '--verify-token-file', 'VERIFY'],
      /--app-secret-file: cannot read/,
    ],
    [
      [
        'app',
        'create',
        '--app-id',
        '42',
        '--app-secret-file',
        'SECRET',
        '--app-secret',
        '-',
        '--verify-token-file',
        'VERIFY',
      ],
      /not both/,
    ],
    [
      [
        'app',
        'create',
        '--app-id',
        '42',
        '--app-secret-file',
        'SECRET',
        '--verify-token-file',
        'VERIFY',
        '--keep-previous-secret',
      ],
      /Unknown option '--keep-previous-secret'/,
    ],
    [['app', 'update', '--app-id', '42'], /nothing to change/],
    [['app', 'update', '--app-id', '42', '--keep-previous-secret'], /needs a new app secret/],
    [['app', 'update', '--app-id', '42', '--verify-token', VERIFY_TOKEN], /not taken on the command line/],
    [['app', 'frobnicate'], /usage: flowiq app create\|update\|list/],
  ])('exits 2 with a clear message, changing nothing, for %j', async (argv, message) => {
    const files: Record<string, string> = {
      SECRET: secretFile('secret', APP_SECRET),
      VERIFY: secretFile('verify', VERIFY_TOKEN),
      EMPTY: secretFile('empty', '\n'),
      TWO_LINES: secretFile('two', 'line-one\nline-two\n'),
      SHORT: secretFile('short', 'short'),
      nope: path.join(cli.dir, 'nope'),
    };
    const args = argv.map((a) => files[a] ?? a);
    await run('migrate');
    if (argv[1] === 'update')
      await run(
        'app',
        'create',
        '--app-id',
        '42',
        '--app-secret-file',
        files.SECRET!,
        '--verify-token-file',
        files.VERIFY!,
      );
    const before = await everything();
    const res = await run(...args);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(message);
    expect(await everything()).toBe(before);
  });

  it('attaches organizations to an app with their WABA id, detaches them with none', async () => {
    const secret = secretFile('secret', APP_SECRET);
    const verify = secretFile('verify', VERIFY_TOKEN);
    await run('app', 'create', '--app-id', '100', '--app-secret-file', secret, '--verify-token-file', verify);
    const created = await run(
      'org',
      'create',
      '--slug',
      'acme',
      '--name',
      'Acme',
      '--meta-phone-id',
      '111',
      '--meta-app',
      '100',
      '--meta-waba-id',
      '9001',
      '--json',
    );
    expect(created.code, created.err).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ meta_app_id: '100', meta_waba_id: '9001', meta_phone_id: '111' });
    expect((await run('org', 'create', '--slug', 'beta', '--name', 'Beta', '--meta-phone-id', '222')).code).toBe(0);
    const attached = await run('org', 'update', '--slug', 'beta', '--meta-app', '100', '--meta-waba-id', '9002');
    expect(attached.code, attached.err).toBe(0);
    expect(attached.out).toMatch(/beta .*app=100 waba_id=9002/);
    expect((await run('app', 'list')).out).toContain('organizations=2');

    const clash = await run('org', 'update', '--slug', 'beta', '--meta-phone-id', '111');
    expect(clash.code).toBe(2);
    expect(clash.err).toMatch(/organization "acme" of Meta app 100 already has phone id 111/);

    const unknown = await run('org', 'update', '--slug', 'beta', '--meta-app', '999');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no Meta app with id 999.*flowiq app create/);
    const badWaba = await run('org', 'update', '--slug', 'beta', '--meta-waba-id', 'waba');
    expect(badWaba.code).toBe(2);
    expect(badWaba.err).toMatch(/WABA id/);

    const detached = await run(
      'org',
      'update',
      '--slug',
      'beta',
      '--meta-app',
      'none',
      '--meta-waba-id',
      'none',
      '--json',
    );
    expect(JSON.parse(detached.out)).toMatchObject({ meta_app_id: null, meta_waba_id: null, meta_phone_id: '222' });
    expect(JSON.parse((await run('app', 'list', '--json')).out).apps[0].organizations).toBe(1);
    const listed = await run('org', 'list');
    expect(listed.out).toMatch(/acme .*app=100 waba_id=9001/);
    expect(listed.out).toMatch(/beta .*app=\(none\) waba_id=\(none\)/);
  });
});
