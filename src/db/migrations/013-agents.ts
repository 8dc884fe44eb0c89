import type { Kysely } from 'kysely';

// The inbox's people (src/agents/, docs/INBOX.md): agents are accounts of one organization who
// sign in to /inbox with an email and a password.
//
// agents: email is stored trimmed and in lower case, so the unique index makes it unique per
// organization whatever its letter case. password_hash is Argon2id's PHC string, null until the
// agent has used the link `flowiq agent create` printed. disabled_at set = refused everywhere.
//
// agent_sessions: one row per signed-in browser. The id is the SHA-256 of the random token the
// cookie carries, never the token: a copy of the database signs nobody in. organization_id is the
// agent's, copied so the session alone says which tenant a request belongs to. Idle expiry is
// last_seen_at + INBOX_SESSION_IDLE, absolute expiry expires_at; deleting the row (sign-out,
// disable, a new password) ends the session at once on every instance.
//
// agent_password_tokens: the one-time set-password links, by the SHA-256 of their token; deleted
// when used, and when a newer link is made for the same agent.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('disabled_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('agents_org_email').unique().on('agents').columns(['organization_id', 'email']).execute();

  await db.schema
    .createTable('agent_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('agent_sessions_agent').on('agent_sessions').columns(['agent_id']).execute();

  await db.schema
    .createTable('agent_password_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('agent_password_tokens_agent')
    .on('agent_password_tokens')
    .columns(['agent_id'])
    .execute();
}
