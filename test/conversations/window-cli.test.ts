// `flowiq org update --window-check on|off|default`: the organization's own 24-hour window rule,
// stored on the organization and shown by `flowiq org list`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPgSchema, ENGINES } from '../helpers/db.js';
import { TEST_SECRET } from '../helpers/constants.js';
import { runCli } from '../helpers/cli.js';

describe.each(ENGINES)('flowiq org --window-check on %s', (engine) => {
  let dir: string;
  let dropSchema: (() => Promise<void>) | undefined;
  const saved = { ...process.env };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-window-cli-'));
    let databaseUrl = `sqlite:${path.join(dir, 'cli.db')}`;
    if (engine === 'postgres') {
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
    });
  });
  afterEach(async () => {
    process.env = { ...saved };
    await dropSchema?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sets, shows and clears the organization’s window rule', async () => {
    expect((await runCli('org', 'create', '--slug', 'acme', '--name', 'Acme')).code).toBe(0);
    const on = await runCli('org', 'update', '--slug', 'acme', '--window-check', 'on', '--json');
    expect(on.code, on.err).toBe(0);
    expect(JSON.parse(on.out)).toMatchObject({ slug: 'acme', window_check: 'on' });
    expect((await runCli('org', 'list')).out).toContain('window_check=on');
    const off = await runCli('org', 'update', '--slug', 'acme', '--window-check', 'default', '--json');
    expect(JSON.parse(off.out)).toMatchObject({ window_check: null });
    expect((await runCli('org', 'list')).out).not.toContain('window_check');
  });

  it('refuses a value other than on, off or default', async () => {
    await runCli('org', 'create', '--slug', 'acme', '--name', 'Acme');
    const bad = await runCli('org', 'update', '--slug', 'acme', '--window-check', 'sometimes');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--window-check must be on, off or default; got "sometimes"');
  });
});
