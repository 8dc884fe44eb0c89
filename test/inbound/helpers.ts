// Fixtures for webhook tests: a Meta app, an organization on it with a sent message, and signed
// webhook bodies in Meta's shape. The signing is written here, apart from the gateway's check.
import { createHmac } from 'node:crypto';
import type { TestGateway } from '../helpers/app.js';
import { seedTenant, type Tenant } from '../helpers/app.js';

export const APP_ID = '1001';
export const APP_SECRET = 'app-secret-for-tests';
export const VERIFY_TOKEN = 'verify-token-for-tests';

let phoneSeq = 0;

export interface WebhookTenant extends Tenant {
  phoneNumberId: string;
}

export async function seedApp(gw: TestGateway, appId = APP_ID, secret = APP_SECRET): Promise<void> {
  await gw.ctx.apps.create(appId, { appSecret: secret, verifyToken: VERIFY_TOKEN });
}

/** An organization of `appId` with its own phone_number_id. */
export async function seedWebhookTenant(gw: TestGateway, appId = APP_ID): Promise<WebhookTenant> {
  phoneSeq++;
  const phoneNumberId = `55500${process.pid % 1000}${phoneSeq}`;
  const t = await seedTenant(gw.ctx, { phoneId: phoneNumberId });
  await gw.ctx.organizations.update(t.slug, { metaApp: appId, metaWabaId: '777' });
  return { ...t, phoneNumberId };
}

/** An outbound message as the send path leaves it after Meta's 200: `sent`, with its wamid. */
export async function sentMessage(gw: TestGateway, t: Tenant, wamid: string): Promise<string> {
  const { id } = await gw.ctx.messages.createPending({
    organizationId: t.organizationId,
    contactId: t.contactId,
    messageType: 'text',
    content: { text: 'hi' },
    mediaUrl: null,
    requestId: null,
  });
  await gw.ctx.messages.markSent(id, wamid);
  return id;
}

export function sign(body: string | Buffer, secret = APP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function envelope(phoneNumberId: string, value: Record<string, unknown>, field = 'messages'): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '777',
        changes: [
          {
            field,
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  });
}

export function status(wamid: string, value: string, at: number, extra: Record<string, unknown> = {}) {
  return { id: wamid, status: value, timestamp: String(at), recipient_id: '27123456789', ...extra };
}

export async function post(
  gw: TestGateway,
  body: string | Buffer,
  signature: string | null = sign(body),
  app = APP_ID,
) {
  return gw.app.inject({
    method: 'POST',
    url: `/webhooks/meta/${app}`,
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'x-hub-signature-256': signature }),
    },
    payload: body,
  });
}

/** Posts, expects Meta's 200, and waits until the body is processed. */
export async function deliver(gw: TestGateway, body: string): Promise<void> {
  const res = await post(gw, body);
  if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}: ${res.body}`);
  await gw.ctx.inbound.idle();
}

export async function messageRow(gw: TestGateway, id: string) {
  return gw.ctx.db.kysely.selectFrom('helpdesk_messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** The outcome recorded for the receipts of `body` (the latest one when it was posted twice). */
export async function outcomeOf(
  gw: TestGateway,
  body: string,
): Promise<{ counts: Record<string, number>; notes: { path: string; reason: string }[] }> {
  const rows = await gw.ctx.db.kysely
    .selectFrom('webhook_receipts')
    .select(['outcome', 'processed_at'])
    .where('body', '=', body)
    .execute();
  const last = rows.sort((a, b) => String(a.processed_at).localeCompare(String(b.processed_at))).at(-1);
  if (!last?.outcome) throw new Error('no processed receipt for this body');
  return JSON.parse(last.outcome) as { counts: Record<string, number>; notes: { path: string; reason: string }[] };
}

export async function receipts(gw: TestGateway) {
  return gw.ctx.db.kysely.selectFrom('webhook_receipts').selectAll().orderBy('received_at').execute();
}
