import type { MessageRow } from '../messages/store.js';
import { emit, parse, withContext, type Io, UsageError } from './io.js';

function describe(m: MessageRow): string {
  return `${m.created_at}  ${m.status.padEnd(7)}  ${m.message_type.padEnd(11)}  org=${m.organization_id}  contact=${m.contact_id}  id=${m.id}  request=${m.request_id ?? '-'}${m.error_message ? `  (${m.error_message})` : ''}`;
}

/** `flowiq messages pending`: rows whose outcome at Meta is not known, for an operator to check. */
export async function messagesCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'pending') throw new UsageError(`usage: flowiq messages pending [--limit N] [--json]  (unknown subcommand "${sub ?? ''}")`);
  const p = parse(rest, { limit: { type: 'string' } });
  const limitRaw = typeof p.values.limit === 'string' ? p.values.limit : '100';
  if (!/^\d{1,5}$/.test(limitRaw) || Number(limitRaw) < 1) throw new UsageError('--limit must be a whole number from 1 to 99999');
  const rows = await withContext((ctx) => ctx.messages.listUnsettled(Number(limitRaw)));
  const view = rows.map((m) => ({ id: m.id, status: m.status, message_type: m.message_type, organization_id: m.organization_id, contact_id: m.contact_id, request_id: m.request_id, error_message: m.error_message, created_at: m.created_at }));
  emit(io, p.json, { messages: view }, rows.length === 0 ? 'No pending or unknown messages.' : rows.map(describe).join('\n'));
  return 0;
}
