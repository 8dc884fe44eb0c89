// GET /{version}/{waba-id}/message_templates as Graph answers it (docs/META.md, template
// management): the WABA's templates, a page at a time, with before/after cursors and a `next` URL
// on the simulator to follow. Any token of a phone of that WABA may read them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authError, GraphError, invalidParam, unknownObjectGet, unknownPath } from './errors.js';
import { applyFault } from './fault-actions.js';
import { tokenOf } from './graph-auth.js';
import { dropConnection, sendAnswer, sendGraphError } from './graph-reply.js';
import type { SimState } from './state.js';
import type { SimTemplate } from './templates-types.js';

export const TEMPLATES_ROUTE = '/:version/:wabaId/message_templates';

const VERSION = /^v\d+\.\d+$/;
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;
/** Meta's field order in its examples; `id` comes last, and is always there. */
const FIELDS = [
  'name',
  'parameter_format',
  'components',
  'language',
  'status',
  'category',
  'quality_score',
  'rejected_reason',
  'id',
] as const;
type Field = (typeof FIELDS)[number];
const DEFAULT_FIELDS: readonly Field[] = [
  'name',
  'parameter_format',
  'components',
  'language',
  'status',
  'category',
  'id',
];

type Query = Record<string, string | undefined>;
type TemplatesRequest = FastifyRequest<{ Params: { version: string; wabaId: string }; Querystring: Query }>;

export function templatesRoutes(state: SimState) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get(TEMPLATES_ROUTE, async (request: TemplatesRequest, reply) => {
      // Faults that name path 'templates', as for the other Graph calls.
      let dropAfter = false;
      if (state.faults.size > 0) {
        const action = state.faults.take('templates', undefined);
        if (action !== undefined) {
          const outcome = await applyFault(action, reply, state);
          if (outcome === 'answered') return reply;
          dropAfter = outcome === 'drop-after';
        }
      }
      let body: string;
      try {
        body = JSON.stringify(answer(state, request));
      } catch (err) {
        if (!(err instanceof GraphError)) throw err;
        if (dropAfter) return dropConnection(reply);
        return sendGraphError(reply, err);
      }
      if (dropAfter) return dropConnection(reply);
      return sendAnswer(reply, { status: 200, body });
    });
  };
}

function answer(state: SimState, request: TemplatesRequest): Record<string, unknown> {
  const { version, wabaId } = request.params;
  if (!VERSION.test(version)) throw unknownPath(`/${version}/${wabaId}/message_templates`);
  authorizeWaba(state, wabaId, tokenOf(request));
  const q = request.query;
  const fields = fieldsOf(q['fields']);
  const limit = limitOf(q['limit']);
  const all = state.templates.of(wabaId).map((t) => t.view);
  const matching = all.filter(filterOf(q));
  let start = 0;
  let end = Math.min(matching.length, limit);
  if (q['after'] !== undefined) {
    const pos = positionOf(all, q['after']);
    start = matching.findIndex((t) => all.indexOf(t) > pos);
    if (start === -1) start = matching.length;
    end = Math.min(matching.length, start + limit);
  } else if (q['before'] !== undefined) {
    const pos = positionOf(all, q['before']);
    end = matching.findIndex((t) => all.indexOf(t) >= pos);
    if (end === -1) end = matching.length;
    start = Math.max(0, end - limit);
  }
  const page = matching.slice(start, end);
  const data = page.map((t) => pick(t, fields));
  const first = page[0];
  const last = page[page.length - 1];
  if (first === undefined || last === undefined) return { data };
  const paging: Record<string, unknown> = { cursors: { before: cursorOf(first), after: cursorOf(last) } };
  const base = `${request.protocol}://${request.host}/${version}/${wabaId}/message_templates`;
  if (end < matching.length) paging['next'] = pageUrl(base, q, 'after', cursorOf(last));
  if (start > 0) paging['previous'] = pageUrl(base, q, 'before', cursorOf(first));
  return { data, paging };
}

/**
 * Graph checks the token first: no token, or one the simulator does not know, answers 190; a known
 * token answers 100/33 for a WABA none of its phones belongs to.
 */
function authorizeWaba(state: SimState, wabaId: string, token: string | undefined): void {
  if (token === undefined || !state.isKnownToken(token)) throw authError();
  for (const [phoneId, t] of state.phones) if (t === token && state.wabaOf(phoneId) === wabaId) return;
  throw unknownObjectGet(wabaId);
}

function fieldsOf(raw: string | undefined): readonly Field[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_FIELDS;
  const wanted = new Set<string>(['id']);
  for (const f of raw.split(',')) {
    const name = f.trim();
    if (!(FIELDS as readonly string[]).includes(name))
      throw invalidParam(`Tried accessing nonexisting field (${name}) on node type (WhatsAppMessageTemplate)`);
    wanted.add(name);
  }
  return FIELDS.filter((f) => wanted.has(f));
}

function limitOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw invalidParam(`Param limit must be a positive integer, got "${raw}".`);
  return Math.min(Number(raw), MAX_LIMIT);
}

/** status (one or several, comma separated, any case), language (exact), name (contains). */
function filterOf(q: Query): (t: SimTemplate) => boolean {
  const statuses = q['status']?.split(',').map((s) => s.trim().toUpperCase());
  const name = q['name']?.toLowerCase();
  const language = q['language'];
  return (t) =>
    (statuses === undefined || statuses.includes(t.status)) &&
    (name === undefined || t.name.includes(name)) &&
    (language === undefined || t.language === language);
}

function cursorOf(t: SimTemplate): string {
  return Buffer.from(`template:${t.id}`).toString('base64url');
}

function positionOf(all: SimTemplate[], cursor: string): number {
  const decoded = Buffer.from(cursor, 'base64url').toString();
  const i = decoded.startsWith('template:') ? all.findIndex((t) => `template:${t.id}` === decoded) : -1;
  if (i === -1) throw invalidParam(`The cursor "${cursor}" is not valid (or its template is gone).`);
  return i;
}

function pageUrl(base: string, q: Query, key: 'after' | 'before', cursor: string): string {
  const params = new URLSearchParams();
  for (const k of ['access_token', 'fields', 'status', 'name', 'language', 'limit']) {
    const v = q[k];
    if (v !== undefined) params.set(k, v);
  }
  if (q['limit'] === undefined) params.set('limit', String(DEFAULT_LIMIT));
  params.set(key, cursor);
  return `${base}?${params.toString()}`;
}

function pick(t: SimTemplate, fields: readonly Field[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (f === 'quality_score') out[f] = { score: t.quality_score };
    else if (f === 'components') out[f] = t.components;
    else out[f] = t[f];
  }
  return out;
}
