// Who may call a Graph path: the version must look like Graph's, the token must be the phone's.
import type { FastifyRequest } from 'fastify';
import { authError, unknownObject, unknownPath } from './errors.js';
import type { SimState } from './state.js';

const VERSION = /^v\d+\.\d+$/;

export interface GraphParams {
  version: string;
  phoneId: string;
}

/**
 * Throws the GraphError Graph would answer, or returns when the call may proceed.
 * Graph checks the token before it looks up the object: an unknown phone id answers 100/33 only to
 * a token the simulator knows (for any phone); any other token answers 190.
 */
export function authorize(
  state: SimState,
  request: FastifyRequest<{ Params: GraphParams }>,
  edge: 'messages' | 'media',
): void {
  const { version, phoneId } = request.params;
  if (!VERSION.test(version)) throw unknownPath(`/${version}/${phoneId}/${edge}`);
  const token = tokenOf(request);
  const expected = state.phones.get(phoneId);
  if (expected === undefined) {
    if (token !== undefined && state.isKnownToken(token)) throw unknownObject(phoneId);
    throw authError();
  }
  if (token !== expected) throw authError();
}

/** "Authorization: Bearer <token>", or Graph's access_token query parameter. */
export function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const space = header.indexOf(' ');
    if (space > 0 && header.slice(0, space).toLowerCase() === 'bearer') return header.slice(space + 1).trim();
    return undefined;
  }
  const query = request.query;
  if (typeof query === 'object' && query !== null && 'access_token' in query) {
    const t: unknown = query.access_token;
    if (typeof t === 'string') return t;
  }
  return undefined;
}
