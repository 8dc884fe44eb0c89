// The control API under /_sim, so another process (the CLI-run simulator, tests that spawn
// processes) can drive the simulator the way MetaSim's methods do in-process.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { FaultParseError, parseFault } from './fault-parse.js';
import type { SimState } from './state.js';
import { isObject } from './validate/check.js';
import { parsePhoneInfo, WebhookParseError } from './webhook-parse.js';
import { registerTemplateRoutes } from './templates-control.js';
import { registerWebhookRoutes } from './webhook-routes.js';

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: message });
}

/** Registered as its own plugin: plain {error} answers here, not Graph's envelope; empty JSON bodies allowed. */
export function controlRoutes(state: SimState) {
  return async function registerControl(app: FastifyInstance): Promise<void> {
    acceptEmptyJson(app);
    app.setErrorHandler((err, _request, reply) => {
      const status =
        typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number'
          ? err.statusCode
          : 500;
      return reply.code(status).send({ error: err instanceof Error ? err.message : String(err) });
    });
    registerRoutes(app, state);
  };
}

/** `curl -X POST -H 'content-type: application/json' /_sim/reset` has no body; that is fine here. */
function acceptEmptyJson(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(Object.assign(err instanceof Error ? err : new Error(String(err)), { statusCode: 400 }), undefined);
    }
  });
}

function registerRoutes(app: FastifyInstance, state: SimState): void {
  app.post('/_sim/phones', async (request, reply) => {
    const body = request.body;
    if (!isObject(body)) return badRequest(reply, 'send {"phone_id": "...", "token": "..."}');
    const phoneId = body['phone_id'];
    const token = body['token'];
    if (typeof phoneId !== 'string' || phoneId === '' || typeof token !== 'string' || token === '') {
      return badRequest(reply, 'phone_id and token must be non-empty strings');
    }
    // Optional: the WABA id and display number the phone's webhooks carry.
    if (body['waba_id'] !== undefined || body['display_phone_number'] !== undefined) {
      try {
        const { info } = parsePhoneInfo({ ...body, token: undefined });
        state.webhooks.phones.set(phoneId, info);
      } catch (err) {
        if (err instanceof WebhookParseError || err instanceof TypeError) return badRequest(reply, err.message);
        throw err;
      }
    }
    state.addPhone(phoneId, token);
    return { success: true };
  });

  app.post('/_sim/faults', async (request, reply) => {
    try {
      state.faults.add(parseFault(request.body));
    } catch (err) {
      if (err instanceof FaultParseError) return badRequest(reply, err.message);
      throw err;
    }
    return { success: true };
  });

  app.delete('/_sim/faults', async () => {
    state.faults.clear();
    return { success: true };
  });

  app.get('/_sim/messages', async () => state.messages());
  app.get('/_sim/uploads', async () => state.uploads());
  app.get('/_sim/counts', async () => state.counts);

  registerWebhookRoutes(app, state);
  registerTemplateRoutes(app, state);

  app.post('/_sim/reset', async () => {
    state.reset();
    return { success: true };
  });
}
