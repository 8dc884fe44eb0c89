import type { Kysely } from 'kysely';

// The 24-hour customer service window (conversations/window.ts):
// - customer_sessions.window_closed_at: when Meta said the window was closed (a 131047, in the
//   send's answer or a `failed` status): the moment of the refused send. The window counts as
//   closed until the customer writes again after it, whatever last_inbound_at + 24 h says.
// - helpdesk_messages.window_ends_at: for a free-form send, when its thread's window closed or
//   was to close at the moment it was sent; null for templates, inbound messages, and sends whose
//   window the gateway could not know. (The message's kind is its message_type: template or not.)
// - organizations.window_check: the organization's own rule, overriding WINDOW_CHECK: 'on'
//   (refuse free-form sends outside the window), 'off' (never), null (the configured rule).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('customer_sessions').addColumn('window_closed_at', 'text').execute();
  await db.schema.alterTable('helpdesk_messages').addColumn('window_ends_at', 'text').execute();
  await db.schema.alterTable('organizations').addColumn('window_check', 'text').execute();
}
