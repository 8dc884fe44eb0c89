// The control API of the webhook side, under /_sim beside the rest (plain {error} answers).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimState } from './state.js';
import { postInbound } from './webhook-inbound.js';
import { parseApp, parsePhoneInfo, parseStatusFault, parseStatusItems, WebhookParseError } from './webhook-parse.js';
import type { SimWebhookDelivery } from './webhook-types.js';

function isBadInput(err: unknown): err is Error {
  return err instanceof WebhookParseError || err instanceof TypeError;
}

async function guarded<T>(reply: FastifyReply, work: () => T | Promise<T>): Promise<T | FastifyReply> {
  try {
    return await work();
  } catch (err) {
    if (isBadInput(err)) return reply.code(400).send({ error: err.message });
    throw err;
  }
}

function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

const INBOUND_BODY_LIMIT = 140 * 1024 * 1024;

type LogQuery = { state?: string; kind?: string; app?: string; after?: string };

export function registerWebhookRoutes(app: FastifyInstance, state: SimState): void {
  const side = state.webhooks;

  app.post('/_sim/apps', (request, reply) =>
    guarded(reply, () => ({ success: true, id: side.dispatcher.addApp(parseApp(request.body)) })),
  );
  app.get('/_sim/apps', async () => side.dispatcher.appList());
  app.delete('/_sim/apps', async () => {
    side.dispatcher.removeApps();
    return { success: true };
  });

  app.get('/_sim/webhook-config', async () => side.config());
  app.post('/_sim/webhook-config', (request, reply) =>
    guarded(reply, () => {
      side.configure(request.body);
      return side.config();
    }),
  );

  app.post('/_sim/phone-info', (request, reply) =>
    guarded(reply, () => {
      const { phoneId, info } = parsePhoneInfo(request.body);
      side.phones.set(phoneId, info);
      return { phone_id: phoneId, ...side.phones.get(phoneId) };
    }),
  );
  app.get('/_sim/phone-info', async () =>
    [...state.phones.keys()].map((phoneId) => ({ phone_id: phoneId, ...side.phones.get(phoneId) })),
  );

  app.post('/_sim/status-faults', (request, reply) =>
    guarded(reply, () => {
      side.statuses.faults.add(parseStatusFault(request.body));
      return { success: true };
    }),
  );
  app.delete('/_sim/status-faults', async () => {
    side.statuses.faults.clear();
    return { success: true };
  });

  app.post('/_sim/statuses', (request, reply) =>
    guarded(reply, async () => {
      const items = parseStatusItems(request.body);
      const accepted = state.acceptedByWamid();
      return { deliveries: await side.statuses.emit(items, (w) => accepted.get(w)) };
    }),
  );

  // Media may come inline as base64: room for Meta's 100 MB inbound limit, and then some.
  app.post('/_sim/inbound', { bodyLimit: INBOUND_BODY_LIMIT }, (request, reply) =>
    guarded(reply, () => postInbound(state, request.body, originOf(request))),
  );

  app.post('/_sim/verify', (request, reply) =>
    guarded(reply, () => {
      const body = request.body;
      if (typeof body !== 'object' || body === null) throw new TypeError('send {app_id | callback_url, verify_token}');
      const { app_id: appId, callback_url: callbackUrl, verify_token: verifyToken } = body as Record<string, unknown>;
      if (typeof verifyToken !== 'string') throw new TypeError('verify_token must be a string');
      if (appId !== undefined && typeof appId !== 'string') throw new TypeError('app_id must be a string');
      if (callbackUrl !== undefined && typeof callbackUrl !== 'string')
        throw new TypeError('callback_url must be a string');
      return side.dispatcher.verify({
        verifyToken,
        ...(appId !== undefined ? { appId } : {}),
        ...(callbackUrl !== undefined ? { callbackUrl } : {}),
      });
    }),
  );

  app.get('/_sim/webhooks', async (request: FastifyRequest<{ Querystring: LogQuery }>) =>
    filterLog(side.dispatcher.deliveries(), request.query),
  );
}

/** ?state=pending|delivered|failed &kind=statuses|messages &app=<id> &after=<delivery id>. */
function filterLog(all: SimWebhookDelivery[], q: LogQuery): SimWebhookDelivery[] {
  const after = q.after === undefined ? 0 : Number(q.after.replace(/^wh-/, ''));
  return all.filter(
    (d) =>
      (q.state === undefined || d.state === q.state) &&
      (q.kind === undefined || d.kind === q.kind) &&
      (q.app === undefined || d.appId === q.app) &&
      Number(d.id.slice(3)) > after,
  );
}
