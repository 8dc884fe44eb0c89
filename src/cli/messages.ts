import type { MessageRow } from '../conversations/store.js';
import { emit, parse, withContext, type Io, UsageError } from './io.js';

function describe(m: MessageRow): string {
  return `${m.created_at}  ${m.status.padEnd(7)}  ${m.message_type.padEnd(11)}  org=${m.organization_id}  contact=${m.contact_id}  id=${m.id}  request=${m.request_id ?? '-'}${m.error_message ? `  (${m.error_message})` : ''}`;
}

const USAGE =
  'usage: flowiq messages pending [--limit N] [--json] | flowiq messages resolve --id ID (--sent --wamid W | --failed [--reason R]) [--json]';
const WAMID = /^wamid\.[A-Za-z0-9+/=_-]{1,500}$/;

/** `flowiq messages resolve`: an operator settles a row whose outcome the gateway could not know. */
async function resolveCommand(argv: string[], io: Io): Promise<number> {
  const p = parse(argv, {
    id: { type: 'string' },
    sent: { type: 'boolean' },
    failed: { type: 'boolean' },
    wamid: { type: 'string' },
    reason: { type: 'string' },
  });
  const id = p.values.id;
  if (typeof id !== 'string' || id === '') throw new UsageError(`--id is required\n${USAGE}`);
  if (Boolean(p.values.sent) === Boolean(p.values.failed))
    throw new UsageError('give exactly one of --sent (with --wamid) or --failed');
  let outcome: { status: 'sent'; wamid: string } | { status: 'failed'; reason: string };
  if (p.values.sent) {
    const wamid = p.values.wamid;
    if (typeof wamid !== 'string' || !WAMID.test(wamid))
      throw new UsageError('--sent needs --wamid with the message id Meta gave (wamid.…)');
    outcome = { status: 'sent', wamid };
  } else {
    const reason =
      typeof p.values.reason === 'string' && p.values.reason.trim() !== ''
        ? p.values.reason.trim().slice(0, 500)
        : 'Settled as failed by an operator';
    outcome = { status: 'failed', reason };
  }
  const changed = await withContext((ctx) => ctx.messages.resolveUnsettled(id, outcome));
  if (!changed) throw new UsageError(`no pending or unknown message has id ${id} (see \`flowiq messages pending\`)`);
  emit(io, p.json, { id, status: outcome.status }, `Message ${id} is now ${outcome.status}.`);
  return 0;
}

/** `flowiq messages pending`: rows whose outcome at Meta is not known, for an operator to check. */
export async function messagesCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'resolve') return resolveCommand(rest, io);
  if (sub !== 'pending') throw new UsageError(`${USAGE}  (unknown subcommand "${sub ?? ''}")`);
  const p = parse(rest, { limit: { type: 'string' } });
  const limitRaw = typeof p.values.limit === 'string' ? p.values.limit : '100';
  if (!/^\d{1,5}$/.test(limitRaw) || Number(limitRaw) < 1)
    throw new UsageError('--limit must be a whole number from 1 to 99999');
  const rows = await withContext((ctx) => ctx.messages.listUnsettled(Number(limitRaw)));
  const view = rows.map((m) => ({
    id: m.id,
    status: m.status,
    message_type: m.message_type,
    organization_id: m.organization_id,
    contact_id: m.contact_id,
    request_id: m.request_id,
    error_message: m.error_message,
    created_at: m.created_at,
  }));
  emit(
    io,
    p.json,
    { messages: view },
    rows.length === 0 ? 'No pending or unknown messages.' : rows.map(describe).join('\n'),
  );
  return 0;
}
