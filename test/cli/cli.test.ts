import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFlags } from '../../bench/processes.js';
import { cliDatabase, type CliDatabase } from '../helpers/cli-db.js';
import { runCli as run } from '../helpers/cli.js';
import { ENGINES } from '../helpers/db.js';

const TOKEN = 'EAAG-cli-secret-token-0987654321';

describe.each(ENGINES)('operator CLI on %s', (engine) => {
  let cli: CliDatabase;

  beforeEach(async () => {
    cli = await cliDatabase(engine, 'cli');
  });
  afterEach(async () => {
    await cli.cleanup();
  });

  async function everything(): Promise<string> {
    return cli.withDb(async (db) => {
      const tables = ['organizations', 'api_keys', 'contacts'];
      const rows = await Promise.all(tables.map((t) => sql.raw(`select * from ${t}`).execute(db.kysely)));
      return JSON.stringify(rows.map((r) => r.rows));
    });
  }

  it('creates, updates and lists organizations without ever showing the token', async () => {
    const created = await run(
      'org',
      'create',
      '--slug',
      'acme',
      '--name',
      'Acme Ltd',
      '--provider',
      'meta',
      '--meta-phone-id',
      '1234',
      '--meta-token',
      TOKEN,
      '--json',
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ slug: 'acme', name: 'Acme Ltd', meta_token_configured: true });
    const updated = await run('org', 'update', '--slug', 'acme', '--provider', 'wati');
    expect(updated.code).toBe(0);
    expect(updated.out).toMatch(/Updated organization acme/);
    const listed = await run('org', 'list');
    expect(listed.out).toMatch(/acme .*provider=wati/);
    for (const text of [
      created.out,
      updated.out,
      listed.out,
      (await run('org', 'list', '--json')).out,
      await everything(),
    ]) {
      expect(text).not.toContain(TOKEN);
    }
  });

  it('reads the Meta token from a file, so it is not left in shell history', async () => {
    const file = path.join(cli.dir, 'token');
    fs.writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    const created = await run(
      'org',
      'create',
      '--slug',
      'acme',
      '--name',
      'Acme',
      '--provider',
      'meta',
      '--meta-phone-id',
      '1234',
      '--meta-token-file',
      file,
      '--json',
    );
    expect(created.code, created.err).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ meta_token_configured: true });
    expect(await everything()).not.toContain(TOKEN);
    const both = await run('org', 'update', '--slug', 'acme', '--meta-token', 'x', '--meta-token-file', file);
    expect(both.code).toBe(2);
    const missing = await run('org', 'update', '--slug', 'acme', '--meta-token-file', path.join(cli.dir, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read/);
  });

  it('refuses an --expires-in without a unit or out of range, with exit 2 and a clear message', async () => {
    await run('org', 'create', '--slug', 'acme', '--name', 'Acme');
    const bare = await run('key', 'create', '--org', 'acme', '--expires-in', '30');
    expect(bare.code).toBe(2);
    expect(bare.err).toMatch(/--expires-in needs a unit/);
    const huge = await run('key', 'create', '--org', 'acme', '--expires-in', '999999999999d');
    expect(huge.code).toBe(2);
    expect(huge.err).toMatch(/--expires-in must be between/);
    expect((await run('key', 'list', '--org', 'acme', '--json')).out).not.toContain('"id"');
  });

  it('creates keys shown once, lists them without secrets, revokes them', async () => {
    await run('org', 'create', '--slug', 'acme', '--name', 'Acme');
    const created = await run('key', 'create', '--org', 'acme', '--label', 'ci', '--expires-in', '30d', '--json');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.out) as { key: string; id: string };
    expect(key.key).toMatch(/^fiq_/);
    const listed = await run('key', 'list', '--org', 'acme', '--json');
    expect(JSON.parse(listed.out).keys).toHaveLength(1);
    expect(listed.out).not.toContain(key.key);
    expect(await everything()).not.toContain(key.key);
    expect((await run('key', 'revoke', '--id', key.id)).code).toBe(0);
    expect(JSON.parse((await run('key', 'list', '--org', 'acme', '--json')).out).keys[0].status).toBe('revoked');
  });

  it('adds contacts and imports a CSV, one bad row never stopping the rest', async () => {
    await run('org', 'create', '--slug', 'acme', '--name', 'Acme');
    expect((await run('contact', 'add', '--org', 'acme', '--phone', '+27123456789', '--name', 'Thandi')).code).toBe(0);
    const csv = path.join(cli.dir, 'contacts.csv');
    fs.writeFileSync(
      csv,
      'phone,name,email\n+27 12 345 6789,Thandi,\n+44 7700 900001,Alice,alice@example.com\nnot-a-phone,Bob,\n+1 650 555 0100,Carol,carol-at-example\n+33 6 12 34 56 78,Dan,\n',
    );
    const res = await run('contact', 'import', '--org', 'acme', csv, '--json');
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.out);
    expect(summary).toMatchObject({ created: 2, existing: 1 });
    expect(summary.rejected).toHaveLength(2);
    expect(summary.rejected[0]).toMatchObject({
      line: 4,
      phone: 'not-a-phone',
      reason: expect.stringMatching(/phone_number/),
    });
    expect(summary.rejected[1]).toMatchObject({ line: 5, reason: expect.stringMatching(/email/) });
    const human = await run('contact', 'import', '--org', 'acme', csv);
    expect(human.out).toMatch(/0 created, 3 already existing, 2 rejected/);
  });

  it.each([
    [['org', 'create', '--slug', 'acme', '--name', 'A', '--colour', 'red'], /Unknown option '--colour'/],
    [['org', 'create', '--name', 'A'], /--slug is required/],
    [['contact', 'add', '--org', 'acme', '--phone', '+27abc4567890'], /phone_number/],
    [['key', 'create', '--org', 'nope'], /no organization/],
    [['frobnicate'], /unknown command/],
  ])('exits non-zero with a clear message for %j', async (argv, message) => {
    await run('org', 'create', '--slug', 'acme', '--name', 'Acme');
    const before = await everything();
    const res = await run(...argv);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(message);
    expect(await everything()).toBe(before);
  });

  it('refuses a duplicate slug and keeps the first', async () => {
    await run('org', 'create', '--slug', 'acme', '--name', 'Acme');
    const res = await run('org', 'create', '--slug', 'acme', '--name', 'Impostor');
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/already exists/);
    expect((await run('org', 'list')).out).toMatch(/"Acme"/);
  });

  it('migrates, and refuses a malformed DATABASE_URL naming it', async () => {
    expect((await run('migrate')).code).toBe(0);
    process.env.DATABASE_URL = 'mysql://nope';
    const res = await run('org', 'list');
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/DATABASE_URL/);
  });
});

describe('the flowiq binary', () => {
  it('serves /healthz with nothing set up but a data directory, started as npm start starts it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bin-'));
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [...startFlags(), 'bin/flowiq.js', 'serve'], {
      env: { ...process.env, DATA_DIR: dir, PORT: '0', DATABASE_URL: '', FLOWIQ_SECRET: '', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${buf}`)));
      });
      const res = await fetch(`${url}/healthz`);
      expect(await res.json()).toEqual({ status: 'ok' });
      expect(fs.statSync(path.join(dir, 'flowiq-secret')).mode & 0o777).toBe(0o600);
      expect(fs.existsSync(path.join(dir, 'flowiq.db'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on an unknown flag', async () => {
    const run = promisify(execFile);
    await expect(run(process.execPath, ['bin/flowiq.js', 'org', 'list', '--bogus'])).rejects.toMatchObject({ code: 2 });
  });
});
