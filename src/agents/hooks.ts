// The inbox scope's hooks (server/scopes.ts): requests from another site refused, the session
// required (but on the routes that start one), and a CSRF token on every state-changing request.
import type { FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../lib/crypto.js';
import { CSRF_HEADER, currentAgent } from './current.js';
import { CsrfRefused, NotSignedIn } from '../errors.js';
import type { AgentSessions, CurrentAgent } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The inbox scope's signed-in agent; set by its session hook before any handler runs. */
    agent: CurrentAgent;
  }
  interface FastifyContextConfig {
    /** An inbox route that needs no session: sign-in and set-password (they still get the origin check). */
    inboxPublic?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isStateChanging(request: FastifyRequest): boolean {
  return !SAFE_METHODS.has(request.method);
}

/**
 * A state-changing request a browser sent from another site is refused, whether or not it carries
 * a session: this is what stops login CSRF on sign-in, which has no session yet. Browsers name the
 * page's origin (Origin) and how it relates to ours (Sec-Fetch-Site) on every POST; a client that
 * is not a browser sends neither and is no CSRF risk. Our origin is PUBLIC_URL's, or the Host the
 * request was sent to (a browser sets Host itself, so a forged page cannot choose it).
 */
export function sameOriginHook(publicUrl: string): (request: FastifyRequest) => Promise<void> {
  const ours = new URL(publicUrl).origin;
  return async function sameOrigin(request: FastifyRequest) {
    if (!isStateChanging(request)) return;
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      throw new CsrfRefused(`Refused a ${site} request: the inbox accepts changes only from its own pages`);
    const origin = request.headers.origin;
    if (origin === undefined) return;
    if (origin === ours || origin === `${request.protocol}://${request.host}`) return;
    throw new CsrfRefused('Refused a request from another origin: the inbox accepts changes only from its own pages');
  };
}

/** Whether a state-changing request carries the session's CSRF token (x-csrf-token). */
export function checkCsrf(request: FastifyRequest, agent: CurrentAgent): void {
  const given = request.headers[CSRF_HEADER];
  if (typeof given !== 'string' || !constantTimeEqual(given, agent.csrfToken))
    throw new CsrfRefused(`The ${CSRF_HEADER} header is missing or wrong; GET /inbox/api/me gives the session's token`);
}

/** Every inbox route but the public ones: a signed-in agent, and the CSRF token when it changes state. */
export function sessionHook(sessions: AgentSessions): (request: FastifyRequest) => Promise<void> {
  return async function inboxSession(request: FastifyRequest) {
    if (request.routeOptions.config.inboxPublic) return;
    const agent = await currentAgent(sessions, request);
    if (!agent) throw new NotSignedIn();
    if (isStateChanging(request)) checkCsrf(request, agent);
    request.agent = agent;
  };
}
