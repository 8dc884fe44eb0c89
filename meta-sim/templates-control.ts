// The control API of templates, windows and the clock, under /_sim beside the rest (plain {error}
// answers): what MetaSim's templates, windows and clock do in-process.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimState } from './state.js';
import { TemplateParseError } from './templates-parse.js';
import { changeTemplate } from './templates-webhooks.js';
import { isObject } from './validate/check.js';
import { isWindowMode } from './window.js';

function isBadInput(err: unknown): err is Error {
  return err instanceof TemplateParseError || err instanceof TypeError;
}

async function guarded<T>(reply: FastifyReply, work: () => T | Promise<T>): Promise<T | FastifyReply> {
  try {
    return await work();
  } catch (err) {
    if (isBadInput(err)) return reply.code(400).send({ error: err.message });
    throw err;
  }
}

/** waba_id, or the WABA of phone_id, or of the only phone. */
export function wabaFrom(state: SimState, o: Record<string, unknown>): string {
  const waba = o['waba_id'];
  if (waba !== undefined) {
    if (typeof waba !== 'string' || !/^\d{1,20}$/.test(waba)) throw new TypeError('waba_id must be digits');
    return waba;
  }
  return state.wabaOf(phoneFrom(state, o['phone_id']));
}

function phoneFrom(state: SimState, v: unknown): string {
  if (v === undefined) {
    const only = state.phones.size === 1 ? state.phones.keys().next().value : undefined;
    if (only === undefined) throw new TypeError('name the WABA (waba_id) or a phone (phone_id)');
    return only;
  }
  if (typeof v !== 'string' || !state.phones.has(v))
    throw new TypeError(`phone_id ${JSON.stringify(v)} is not a known phone`);
  return v;
}

function epochMs(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TypeError(`${what} must be epoch milliseconds`);
  return v;
}

type IdParams = { Params: { id: string } };

export function registerTemplateRoutes(app: FastifyInstance, state: SimState): void {
  // One template, or {waba_id | phone_id, templates: [...]}.
  app.post('/_sim/templates', (request, reply) =>
    guarded(reply, () => {
      const body = request.body;
      if (!isObject(body)) throw new TypeError('send a template, or {waba_id, templates: [...]}');
      const wabaId = wabaFrom(state, body);
      if (body['templates'] === undefined)
        return state.templates.add(wabaId, { ...body, waba_id: undefined, phone_id: undefined });
      const list = body['templates'];
      if (!Array.isArray(list)) throw new TypeError('templates must be an array');
      return { templates: list.map((t) => state.templates.add(wabaId, t)) };
    }),
  );
  app.get('/_sim/templates', async (request: FastifyRequest<{ Querystring: { waba_id?: string } }>) =>
    state.templates.list(request.query.waba_id),
  );
  app.delete('/_sim/templates', async (request: FastifyRequest<{ Querystring: { waba_id?: string } }>) => {
    state.templates.clear(request.query.waba_id);
    return { success: true };
  });
  const change = (request: FastifyRequest<IdParams>, reply: FastifyReply) =>
    guarded(reply, () => changeTemplate(state, request.params.id, request.body as never));
  app.patch('/_sim/templates/:id', change);
  app.post('/_sim/templates/:id', change);

  app.get('/_sim/windows', async () => ({ mode: state.windows.mode, windows: state.windows.list(state.clock.now()) }));
  // {phone_id?, wa_id, at?: epoch ms | null}: opens (or, with null, closes) a customer's window without a webhook.
  app.post('/_sim/windows', (request, reply) =>
    guarded(reply, () => {
      const body = request.body;
      if (!isObject(body)) throw new TypeError('send {phone_id?, wa_id, at?} or {mode}');
      if (body['mode'] !== undefined) {
        if (!isWindowMode(body['mode'])) throw new TypeError('mode must be enforce or off');
        state.windows.mode = body['mode'];
        if (body['wa_id'] === undefined) return { mode: state.windows.mode };
      }
      const phoneId = phoneFrom(state, body['phone_id']);
      const waId = body['wa_id'];
      if (typeof waId !== 'string' || !/^\d{6,15}$/.test(waId))
        throw new TypeError("wa_id must be the customer's digits");
      const at = body['at'] === null ? null : body['at'] === undefined ? state.clock.now() : epochMs(body['at'], 'at');
      state.windows.set(phoneId, waId, at);
      return { mode: state.windows.mode, windows: state.windows.list(state.clock.now()) };
    }),
  );
  app.delete('/_sim/windows', async () => {
    state.windows.clear();
    return { success: true };
  });

  app.get('/_sim/clock', async () => state.clock.view());
  // {now: epoch ms | null} freezes (null: runs again), {advance_ms} moves it, {reset: true} back to real time.
  app.post('/_sim/clock', (request, reply) =>
    guarded(reply, () => {
      const body = request.body;
      if (!isObject(body)) throw new TypeError('send {now?: epoch ms | null, advance_ms?: ms, reset?: true}');
      for (const k of Object.keys(body))
        if (!['now', 'advance_ms', 'reset'].includes(k)) throw new TypeError(`unknown clock field "${k}"`);
      if (body['reset'] === true) state.clock.clear();
      if (body['now'] !== undefined) state.clock.set(body['now'] === null ? null : epochMs(body['now'], 'now'));
      const advance = body['advance_ms'];
      if (advance !== undefined) {
        if (typeof advance !== 'number' || !Number.isInteger(advance))
          throw new TypeError('advance_ms must be an integer');
        state.clock.advance(advance);
      }
      return state.clock.view();
    }),
  );
}
