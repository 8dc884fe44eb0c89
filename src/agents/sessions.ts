// Signing in and out, and finding the agent behind a session token. Sessions live in the database
// (agent_sessions), so sign-out and disabling take effect at once on every instance. No Fastify.
import { FailedAuthLimit, addressKey } from '../auth/failure-limit.js';
import { nowIso } from '../db/ids.js';
import { InvalidCredentials, TooManyRequests } from '../errors.js';
import type { OrganizationStore } from '../organizations/store.js';
import { verifyPassword } from './passwords.js';
import type { AgentStore } from './store.js';
import { csrfTokenFor, isToken, newToken, tokenHash } from './tokens.js';

/** The signed-in agent: what a route may rely on. Their organization is the only one they see. */
export interface CurrentAgent {
  organizationId: string;
  agentId: string;
  role: 'admin' | 'agent';
  email: string;
  name: string | null;
  /** The session's id (the hash of its token), for sign-out. */
  sessionId: string;
  /** The session's CSRF token, which every state-changing request must carry. */
  csrfToken: string;
  expiresAt: string;
}

export interface SignedIn {
  /** The cookie's value: shown to the browser only, never stored. */
  token: string;
  agent: CurrentAgent;
}

export interface AgentSessionsOptions {
  store: AgentStore;
  organizations: OrganizationStore;
  idleSeconds: number;
  maxSeconds: number;
  failuresPerAccount: number;
  failuresPerAddress: number;
}

/** Failed sign-ins are counted over this window, per account and per client address. */
const FAILURE_WINDOW_MS = 15 * 60_000;
/** last_seen_at is written at most this often per session: not one write per request. */
const TOUCH_EVERY_MS = 60_000;

export class AgentSessions {
  readonly #perAccount: FailedAuthLimit;
  readonly #perAddress: FailedAuthLimit;

  constructor(private readonly opts: AgentSessionsOptions) {
    this.#perAccount = new FailedAuthLimit(opts.failuresPerAccount, FAILURE_WINDOW_MS);
    this.#perAddress = new FailedAuthLimit(opts.failuresPerAddress, FAILURE_WINDOW_MS);
  }

  /**
   * The same answer, in about the same time, for an unknown organization or email, a wrong
   * password, an agent with no password yet and a disabled agent: nothing tells which it was.
   */
  async signIn(input: { organization: string; email: string; password: string; address: string }): Promise<SignedIn> {
    const email = input.email.trim().toLowerCase();
    // Keyed on what was typed, whether or not such an account exists: the limit reveals nothing either.
    const account = `${input.organization.trim().toLowerCase()}\n${email}`;
    const address = addressKey(input.address);
    const wait = Math.max(this.#perAddress.retryAfter(address), this.#perAccount.retryAfter(account));
    if (wait > 0)
      throw new TooManyRequests(`Too many failed sign-ins; retry in ${wait} s`, {
        headers: { 'retry-after': String(wait) },
      });
    const org = await this.opts.organizations.findBySlug(input.organization.trim());
    const agent = org && (await this.opts.store.findByEmail(org.id, email));
    const matches = await verifyPassword(agent?.password_hash ?? null, input.password);
    if (!agent || !matches || agent.disabled_at) {
      this.#perAddress.recordFailure(address);
      this.#perAccount.recordFailure(account);
      throw new InvalidCredentials();
    }
    // The account's owner got in: earlier typos no longer count against them. The address's
    // failures stay, or one known password would reopen guessing at every other account from it.
    this.#perAccount.clear(account);
    const token = newToken();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.opts.maxSeconds * 1000).toISOString();
    const id = tokenHash(token);
    await this.opts.store.insertSession({
      id,
      agent_id: agent.id,
      organization_id: agent.organization_id,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: expiresAt,
    });
    return {
      token,
      agent: {
        organizationId: agent.organization_id,
        agentId: agent.id,
        role: agent.role,
        email: agent.email,
        name: agent.name,
        sessionId: id,
        csrfToken: csrfTokenFor(token),
        expiresAt,
      },
    };
  }

  /**
   * The agent a session token belongs to, re-read on every call: undefined when the token is
   * unknown, the session expired (idle or absolute; it is then deleted) or the agent is disabled.
   */
  async agentFor(token: string): Promise<CurrentAgent | undefined> {
    if (!isToken(token)) return undefined;
    const id = tokenHash(token);
    const s = await this.opts.store.findSession(id);
    if (!s || s.disabled_at) return undefined;
    const now = Date.now();
    const idleEnds = Date.parse(s.last_seen_at) + this.opts.idleSeconds * 1000;
    if (Date.parse(s.expires_at) <= now || idleEnds <= now) {
      await this.opts.store.deleteSession(id);
      return undefined;
    }
    if (now - Date.parse(s.last_seen_at) >= TOUCH_EVERY_MS) await this.opts.store.touchSession(id, nowIso());
    return {
      organizationId: s.organization_id,
      agentId: s.agent_id,
      role: s.role,
      email: s.email,
      name: s.name,
      sessionId: id,
      csrfToken: csrfTokenFor(token),
      expiresAt: s.expires_at,
    };
  }

  async signOut(sessionId: string): Promise<void> {
    await this.opts.store.deleteSession(sessionId);
  }
}
