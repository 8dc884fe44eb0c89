// `flowiq agent create|list|disable|reset-password`, on each engine: create prints a one-time link
// (the token in the URL's fragment, stored only hashed); list shows each agent's state; disable
// ends the agent's sessions; reset-password makes a new link; bad input exits 2 and changes nothing.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { runCli as run } from '../helpers/cli.js';
import { cliDatabase, type CliDatabase } from '../helpers/cli-db.js';
import { ENGINES } from '../helpers/db.js';

const LINK = /^https:\/\/inbox\.example\.com\/inbox\/set-password#token=([A-Za-z0-9_-]{43})$/m;

describe.each(ENGINES)('flowiq agent on %s', (engine) => {
  let cli: CliDatabase;

  beforeEach(async () => {
    cli = await cliDatabase(engine, 'agent', { PUBLIC_URL: 'https://inbox.example.com' });
    for (const slug of ['acme', 'beta'])
      expect((await run('org', 'create', '--slug', slug, '--name', slug, '--meta-phone-id', '111')).code).toBe(0);
  });
  afterEach(async () => {
    await cli.cleanup();
  });

  const withDb = <T>(fn: (db: Db) => Promise<T>) => cli.withDb(fn);

  const rows = (table: string) =>
    withDb(
      async (db) => (await sql.raw(`select * from ${table}`).execute(db.kysely)).rows as Record<string, unknown>[],
    );

  it('creates an agent and prints a one-time link whose token is stored only hashed', async () => {
    const res = await run(
      'agent',
      'create',
      '--org',
      'acme',
      '--email',
      'Ana@Example.com',
      '--name',
      'Ana',
      '--role',
      'admin',
    );
    expect(res.code, res.err).toBe(0);
    const token = LINK.exec(res.out)?.[1];
    expect(token).toBeDefined();
    const agents = await rows('agents');
    expect(agents).toMatchObject([{ email: 'ana@example.com', name: 'Ana', role: 'admin', password_hash: null }]);
    expect(JSON.stringify(await rows('agent_password_tokens'))).not.toContain(token!);

    const list = await run('agent', 'list', '--org', 'acme', '--json');
    expect(JSON.parse(list.out)).toMatchObject({
      agents: [{ email: 'ana@example.com', role: 'admin', status: 'password not set' }],
    });
    expect((await run('agent', 'list', '--org', 'beta')).out).toBe('No agents.');
  });

  it('refuses a second agent with the same email in any letter case, a bad role, an unknown organization', async () => {
    expect((await run('agent', 'create', '--org', 'acme', '--email', 'ana@example.com')).code).toBe(0);
    const dup = await run('agent', 'create', '--org', 'acme', '--email', 'ANA@example.com');
    expect(dup.code).toBe(2);
    expect(dup.err).toContain('already exists');
    expect((await run('agent', 'create', '--org', 'acme', '--email', 'bo@example.com', '--role', 'owner')).code).toBe(
      2,
    );
    expect((await run('agent', 'create', '--org', 'nope', '--email', 'bo@example.com')).code).toBe(2);
    expect((await run('agent', 'create', '--org', 'acme', '--email', 'not-an-email')).code).toBe(2);
    // The same email in another organization is another account.
    expect((await run('agent', 'create', '--org', 'beta', '--email', 'ana@example.com')).code).toBe(0);
    expect((await rows('agents')).length).toBe(2);
  });

  it('disables an agent, deleting their sessions, and makes a new link on reset-password', async () => {
    const created = await run('agent', 'create', '--org', 'acme', '--email', 'ana@example.com', '--json');
    const agentId = (JSON.parse(created.out) as { agent: { id: string } }).agent.id;
    const reset = await run('agent', 'reset-password', '--org', 'acme', '--email', 'ana@example.com');
    expect(reset.code, reset.err).toBe(0);
    expect(LINK.exec(reset.out)?.[1]).not.toBe(LINK.exec(created.out)?.[1]);
    expect((await rows('agent_password_tokens')).length).toBe(1);

    await withDb((db) =>
      db.kysely
        .insertInto('agent_sessions')
        .values({
          id: 'a'.repeat(64),
          agent_id: agentId,
          organization_id: (JSON.parse(created.out) as { agent: { organization_id: string } }).agent.organization_id,
          created_at: new Date().toISOString(),
          last_seen_at: new Date().toISOString(),
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
        })
        .execute(),
    );
    const disabled = await run('agent', 'disable', '--org', 'acme', '--email', 'ana@example.com');
    expect(disabled.code, disabled.err).toBe(0);
    expect(await rows('agent_sessions')).toEqual([]);
    expect(JSON.parse((await run('agent', 'list', '--org', 'acme', '--json')).out)).toMatchObject({
      agents: [{ status: 'disabled' }],
    });
    expect((await run('agent', 'disable', '--org', 'beta', '--email', 'ana@example.com')).code).toBe(2);
  });
});
