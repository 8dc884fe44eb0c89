// GET and POST /webhooks/meta/{app}: Meta's subscription handshake and its webhook deliveries for
// one Meta app. HTTP only: the signature check is meta/webhook-signature.ts, the durable write
// receipts.ts, the processing processor.ts (after the 200).
import type { FastifyInstance } from 'fastify';
import type { WebhookApp } from '../apps/service.js';
import { Forbidden, InvalidSignature, NotFound } from '../errors.js';
import { constantTimeEqual } from '../lib/crypto.js';
import { checkMetaSignature } from '../meta/webhook-signature.js';

export interface MetaWebhookRoutesOptions {
  apps: { appForWebhook(metaAppId: string): Promise<WebhookApp | undefined> };
  receipts: { store(metaAppId: string, body: string): Promise<string> };
  inbound: { wake(): void };
}

// Meta's challenge is a number; anything long or unprintable is not Meta's and is not echoed.
const CHALLENGE = /^[\x21-\x7e]{1,256}$/;
const NUL = String.fromCharCode(0);

type Query = Record<string, string | string[] | undefined>;

export async function metaWebhookRoutes(app: FastifyInstance, opts: MetaWebhookRoutesOptions): Promise<void> {
  app.get<{ Params: { app: string }; Querystring: Query }>(
    '/webhooks/meta/:app',
    { schema: { hide: true } },
    async (request, reply) => {
      const q = request.query;
      const found = await opts.apps.appForWebhook(request.params.app);
      const token = q['hub.verify_token'];
      const challenge = q['hub.challenge'];
      if (
        found === undefined ||
        q['hub.mode'] !== 'subscribe' ||
        typeof token !== 'string' ||
        !constantTimeEqual(token, found.verifyToken) ||
        typeof challenge !== 'string' ||
        !CHALLENGE.test(challenge)
      )
        throw new Forbidden('The verification request does not match this app');
      return reply.code(200).type('text/plain; charset=utf-8').send(challenge);
    },
  );

  app.post<{ Params: { app: string }; Body: Buffer }>(
    '/webhooks/meta/:app',
    { schema: { hide: true } },
    async (request, reply) => {
      const found = await opts.apps.appForWebhook(request.params.app);
      if (found === undefined) throw new NotFound('No Meta app with this id is configured');
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = request.headers['x-hub-signature-256'];
      const check = checkMetaSignature(raw, typeof header === 'string' ? header : undefined, found.appSecrets);
      if (!check.ok) {
        request.log.warn({ app: found.metaAppId, reason: check.reason }, 'webhook signature refused');
        throw new InvalidSignature('X-Hub-Signature-256 is missing or does not match the body');
      }
      // Stored as text. A NUL or bytes that are not UTF-8 cannot be JSON (so the body is unusable
      // anyway), and PostgreSQL's text refuses NUL: the body is kept with such characters replaced.
      await opts.receipts.store(found.metaAppId, raw.toString('utf8').replaceAll(NUL, '\ufffd'));
      opts.inbound.wake();
      return reply.code(200).send({ success: true });
    },
  );
}
