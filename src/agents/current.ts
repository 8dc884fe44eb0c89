// The signed-in agent of a request, from its session cookie: for the inbox scope's routes (its
// session hook). HTTP edge only; the rules are in sessions.ts.
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import type { AgentSessions, CurrentAgent } from './sessions.js';

export type { CurrentAgent } from './sessions.js';

/** The session cookie's name; its value is the random token whose hash is the session's id. */
export const SESSION_COOKIE = 'flowiq_session';

/**
 * The cookie's Path: the browser sends it to the inbox's page and its API (/inbox, /inbox/api/…)
 * and nowhere else. The tenant API under /api accepts only keys, so a session has no use there,
 * and a cookie not sent cannot be misused there.
 */
export const SESSION_COOKIE_PATH = '/inbox';

/** The header a state-changing request carries the session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

export function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  return fastifyCookie.parse(header)[SESSION_COOKIE];
}

/**
 * The agent signed in on this request (organization, agent, role), or undefined when there is no
 * valid session: no cookie, an unknown, expired or signed-out session, or a disabled agent. Reads
 * the session and the agent from the database on every call, so sign-out and disabling count at
 * once. It does not check CSRF: a state-changing route must also call `checkCsrf`.
 */
export async function currentAgent(
  sessions: AgentSessions,
  request: FastifyRequest,
): Promise<CurrentAgent | undefined> {
  const token = sessionToken(request);
  return token === undefined ? undefined : sessions.agentFor(token);
}
