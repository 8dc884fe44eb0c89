// `flowiq org update --window-check on|off|default`: the organization's own 24-hour window rule,
// stored on the organization and shown by `flowiq org list`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { cliDatabase, type CliDatabase } from '../helpers/cli-db.js';
import { runCli } from '../helpers/cli.js';

describe.each(ENGINES)('flowiq org --window-check on %s', (engine) => {
  let cli: CliDatabase;

  beforeEach(async () => {
    cli = await cliDatabase(engine, 'window');
  });
  afterEach(async () => {
    await cli.cleanup();
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
