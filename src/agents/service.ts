// Agent accounts of an organization: created by an operator (`flowiq agent`), who hands the agent a
// one-time link to set a password; disabled at once. No Fastify here.
import { newId, nowIso } from '../db/ids.js';
import { isUniqueViolation } from '../db/errors.js';
import { InvalidField, InvalidPasswordLink, NotFound, OrganizationNotFound } from '../errors.js';
import type { OrganizationStore } from '../organizations/store.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { AgentSessions } from './sessions.js';
import type { AgentRow, AgentStore } from './store.js';
import { isToken, newToken, tokenHash } from './tokens.js';

export type AgentRole = 'admin' | 'agent';
export const AGENT_ROLES: readonly AgentRole[] = ['admin', 'agent'];

export interface AgentView {
  id: string;
  organization_id: string;
  email: string;
  name: string | null;
  role: AgentRole;
  status: 'active' | 'password not set' | 'disabled';
  created_at: string;
  disabled_at: string | null;
}

export interface PasswordLink {
  agent: AgentView;
  /** `{PUBLIC_URL}/inbox/set-password#token=…`: shown once, never stored. */
  link: string;
  expires_at: string;
}

export interface AgentServiceOptions {
  store: AgentStore;
  organizations: OrganizationStore;
  publicUrl: string;
  passwordLinkSeconds: number;
  sessions: AgentSessions;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Emails compare trimmed and in lower case: one account per address per organization. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function toAgentView(a: AgentRow): AgentView {
  return {
    id: a.id,
    organization_id: a.organization_id,
    email: a.email,
    name: a.name,
    role: a.role,
    status: a.disabled_at ? 'disabled' : a.password_hash ? 'active' : 'password not set',
    created_at: a.created_at,
    disabled_at: a.disabled_at,
  };
}

export class AgentService {
  readonly sessions: AgentSessions;

  constructor(private readonly opts: AgentServiceOptions) {
    this.sessions = opts.sessions;
  }

  async create(input: { orgSlug: string; email: string; name?: string; role?: AgentRole }): Promise<PasswordLink> {
    const org = await this.organization(input.orgSlug);
    const email = normalizeEmail(input.email);
    if (!EMAIL.test(email) || email.length > 254)
      throw new InvalidField(`email ${JSON.stringify(input.email)} is not an email address`);
    const role = input.role ?? 'agent';
    if (!AGENT_ROLES.includes(role)) throw new InvalidField(`role must be admin or agent, got ${JSON.stringify(role)}`);
    const now = nowIso();
    const row: AgentRow = {
      id: newId(),
      organization_id: org.id,
      email,
      name: input.name?.trim() || null,
      role,
      password_hash: null,
      disabled_at: null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.opts.store.insert(row);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new InvalidField(`an agent with email ${email} already exists in ${input.orgSlug}`);
      throw err;
    }
    return this.newLink(row);
  }

  async list(orgSlug: string): Promise<AgentView[]> {
    const org = await this.organization(orgSlug);
    return (await this.opts.store.list(org.id)).map(toAgentView);
  }

  /** Effective at once: the agent's sessions are deleted, and every request re-reads the agent. */
  async disable(orgSlug: string, email: string): Promise<AgentView> {
    const agent = await this.agent(orgSlug, email);
    if (!agent.disabled_at) await this.opts.store.disable(agent.id, nowIso());
    return toAgentView((await this.opts.store.findById(agent.id))!);
  }

  /** A new link (the earlier one stops working); the current password works until the link is used. */
  async resetPassword(orgSlug: string, email: string): Promise<PasswordLink> {
    const agent = await this.agent(orgSlug, email);
    if (agent.disabled_at) throw new InvalidField(`agent ${agent.email} is disabled`);
    return this.newLink(agent);
  }

  /** Uses a link once: sets the password and ends the agent's sessions. */
  async setPassword(token: string, password: string): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw new InvalidField(problem);
    if (!isToken(token)) throw new InvalidPasswordLink();
    const hash = tokenHash(token);
    const known = await this.opts.store.findPasswordToken(hash);
    const agent = known && (await this.opts.store.findById(known.agent_id));
    if (!agent || agent.disabled_at) throw new InvalidPasswordLink();
    // Hashed before the link is spent, so the slow part runs outside the transaction.
    const passwordHash = await hashPassword(password);
    if (!(await this.opts.store.usePasswordToken(hash, nowIso(), passwordHash))) throw new InvalidPasswordLink();
  }

  private async newLink(agent: AgentRow): Promise<PasswordLink> {
    const token = newToken();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.opts.passwordLinkSeconds * 1000).toISOString();
    await this.opts.store.replacePasswordToken({
      id: tokenHash(token),
      agent_id: agent.id,
      created_at: now.toISOString(),
      expires_at: expiresAt,
    });
    // In the fragment: a browser never sends it, so it stays out of access logs, proxies and Referer.
    return {
      agent: toAgentView(agent),
      link: `${this.opts.publicUrl}/inbox/set-password#token=${token}`,
      expires_at: expiresAt,
    };
  }

  private async organization(slug: string) {
    const org = await this.opts.organizations.findBySlug(slug);
    if (!org) throw new OrganizationNotFound(slug);
    return org;
  }

  private async agent(orgSlug: string, email: string): Promise<AgentRow> {
    const org = await this.organization(orgSlug);
    const agent = await this.opts.store.findByEmail(org.id, normalizeEmail(email));
    if (!agent) throw new NotFound(`No agent with email ${normalizeEmail(email)} exists in ${orgSlug}`);
    return agent;
  }
}
