// SQL for agents, their sessions and their set-password links (migration 013). No rules here.
import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { AgentPasswordTokensTable, AgentSessionsTable, AgentsTable } from '../db/types.js';

export type AgentRow = Selectable<AgentsTable>;
export type AgentSessionRow = Selectable<AgentSessionsTable>;
export type PasswordTokenRow = Selectable<AgentPasswordTokensTable>;

export class AgentStore {
  constructor(private readonly db: Db) {}

  async insert(row: AgentRow): Promise<void> {
    await this.db.kysely.insertInto('agents').values(row).execute();
  }

  findByEmail(organizationId: string, email: string): Promise<AgentRow | undefined> {
    return this.db.kysely
      .selectFrom('agents')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('email', '=', email)
      .executeTakeFirst();
  }

  findById(id: string): Promise<AgentRow | undefined> {
    return this.db.kysely.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(organizationId: string): Promise<AgentRow[]> {
    return this.db.kysely
      .selectFrom('agents')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('email')
      .execute();
  }

  /** Disables the agent and ends every session of theirs, in one transaction. */
  async disable(id: string, at: string): Promise<void> {
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('agents').set({ disabled_at: at, updated_at: at }).where('id', '=', id).execute();
      await trx.deleteFrom('agent_sessions').where('agent_id', '=', id).execute();
    });
  }

  /** A new link replaces any earlier one: only the newest works. */
  async replacePasswordToken(row: PasswordTokenRow): Promise<void> {
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('agent_password_tokens').where('agent_id', '=', row.agent_id).execute();
      await trx.insertInto('agent_password_tokens').values(row).execute();
    });
  }

  /**
   * Uses a link once: deletes it and, if it was there and unexpired, sets the password and ends the
   * agent's sessions (a new password signs out everywhere). The delete decides, so two requests
   * with the same link cannot both succeed. The agent whose password was set, or undefined.
   */
  async usePasswordToken(tokenHash: string, now: string, passwordHash: string): Promise<string | undefined> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const token = await trx
        .deleteFrom('agent_password_tokens')
        .where('id', '=', tokenHash)
        .returningAll()
        .executeTakeFirst();
      if (!token || token.expires_at <= now) return undefined;
      await trx
        .updateTable('agents')
        .set({ password_hash: passwordHash, updated_at: now })
        .where('id', '=', token.agent_id)
        .execute();
      await trx.deleteFrom('agent_sessions').where('agent_id', '=', token.agent_id).execute();
      return token.agent_id;
    });
  }

  findPasswordToken(tokenHash: string): Promise<PasswordTokenRow | undefined> {
    return this.db.kysely
      .selectFrom('agent_password_tokens')
      .selectAll()
      .where('id', '=', tokenHash)
      .executeTakeFirst();
  }

  async insertSession(row: AgentSessionRow): Promise<void> {
    await this.db.kysely.insertInto('agent_sessions').values(row).execute();
  }

  /** The session with its agent, in one query: every request re-reads whether the agent is disabled. */
  findSession(
    id: string,
  ): Promise<
    | (AgentSessionRow & { role: AgentRow['role']; disabled_at: string | null; email: string; name: string | null })
    | undefined
  > {
    return (
      this.db.kysely
        .selectFrom('agent_sessions')
        .innerJoin('agents', 'agents.id', 'agent_sessions.agent_id')
        .select([
          'agent_sessions.id',
          'agent_sessions.agent_id',
          'agent_sessions.organization_id',
          'agent_sessions.created_at',
          'agent_sessions.last_seen_at',
          'agent_sessions.expires_at',
          'agents.role',
          'agents.disabled_at',
          'agents.email',
          'agents.name',
        ])
        .where('agent_sessions.id', '=', id)
        // The agent's own organization, not only the session's copy of it.
        .whereRef('agents.organization_id', '=', 'agent_sessions.organization_id')
        .executeTakeFirst()
    );
  }

  async touchSession(id: string, at: string): Promise<void> {
    await this.db.kysely.updateTable('agent_sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
  }

  async deleteSession(id: string): Promise<void> {
    await this.db.kysely.deleteFrom('agent_sessions').where('id', '=', id).execute();
  }
}
