// `flowiq webhooks list|retry`: Meta's webhook receipts for an operator. A receipt that failed on
// its own five times is set aside as `failed`, with its error (inbound/processor.ts); once the
// cause is fixed, `retry` makes it pending again and the running gateway processes it. A processed
// receipt may be retried too (every write is idempotent), e.g. one whose phone_number_id had no
// organization yet. Bodies are never printed: they hold customers' messages.
import { sql } from 'kysely';
import { emit, optionalString, parse, required, UsageError, withContext, type Io } from './io.js';

const USAGE = `usage: flowiq webhooks list [--state failed|pending|processed] [--limit N]
       flowiq webhooks retry --id RECEIPT_ID`;

const STATES = ['failed', 'pending', 'processed'] as const;

export async function webhooksCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') {
    const p = parse(rest, { state: { type: 'string' }, limit: { type: 'string' } });
    const state = optionalString(p, 'state') ?? 'failed';
    if (!(STATES as readonly string[]).includes(state))
      throw new UsageError(`--state must be one of ${STATES.join(', ')}; got "${state}"`);
    const rawLimit = optionalString(p, 'limit') ?? '50';
    const limit = Number(rawLimit);
    if (!/^\d{1,4}$/.test(rawLimit) || limit < 1 || limit > 1000)
      throw new UsageError('--limit must be an integer between 1 and 1000');
    const receipts = await withContext((ctx) =>
      ctx.db.kysely
        .selectFrom('webhook_receipts')
        .select(['id', 'meta_app_id', 'received_at', 'state', 'attempts', 'processed_at', 'last_error', 'outcome'])
        .where('state', '=', state as (typeof STATES)[number])
        .orderBy('received_at', 'desc')
        .limit(limit)
        .execute(),
    );
    emit(
      io,
      p.json,
      { receipts },
      receipts.length === 0
        ? `No ${state} webhook receipts.`
        : receipts
            .map((r) =>
              [
                r.id,
                `app ${r.meta_app_id}`,
                r.received_at,
                r.state,
                `attempts ${r.attempts}`,
                r.last_error ?? r.outcome ?? '',
              ].join('  '),
            )
            .join('\n'),
    );
    return 0;
  }
  if (sub === 'retry') {
    const p = parse(rest, { id: { type: 'string' } });
    const id = required(p, 'id');
    const found = await withContext(async (ctx) => {
      const res = await ctx.db.kysely
        .updateTable('webhook_receipts')
        .set({ state: 'pending', attempts: sql<number>`0`, last_error: null })
        .where('id', '=', id)
        .executeTakeFirst();
      return res.numUpdatedRows > 0n;
    });
    if (!found) throw new UsageError(`no webhook receipt with id "${id}"`);
    emit(io, p.json, { id, state: 'pending' }, `Receipt ${id} is pending again: the running gateway processes it.`);
    return 0;
  }
  throw new UsageError(USAGE);
}
