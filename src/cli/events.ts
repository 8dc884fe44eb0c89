// `flowiq events replay|log`: send an endpoint's events again since a time (after fixing a
// receiver, or for one added later), and read its delivery log (each attempt's answer and latency).
import { parseDuration } from '../config.js';
import { isEventType } from '../events/types.js';
import { deliveryLog, replayEvents } from '../events/replay.js';
import { NotFound } from '../errors.js';
import type { AppContext } from '../server/context.js';
import { emit, optionalString, parse, required, UsageError, withContext, type Io } from './io.js';

const USAGE = `usage: flowiq events replay --org SLUG --endpoint ID --since (ISO-TIME|DURATION) [--types a,b]
       flowiq events log --org SLUG --endpoint ID [--limit N]`;

async function endpointOf(ctx: AppContext, slug: string, endpointId: string) {
  const org = await ctx.organizationStore.findBySlug(slug);
  if (!org) throw new NotFound(`no organization with slug "${slug}"`);
  return { organizationId: org.id, endpoint: await ctx.endpoints.get(org.id, endpointId) };
}

/** An ISO time, or a duration back from now ("24h": the last day). */
function since(raw: string): string {
  const seconds = parseDuration(raw);
  if (seconds !== undefined) return new Date(Date.now() - seconds * 1000).toISOString();
  const t = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(t))
    throw new UsageError(
      `--since must be an ISO 8601 time (2026-12-01T00:00:00Z) or a duration (24h, 7d); got "${raw}"`,
    );
  return new Date(t).toISOString();
}

export async function eventsCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'replay') {
    const p = parse(rest, {
      org: { type: 'string' },
      endpoint: { type: 'string' },
      since: { type: 'string' },
      types: { type: 'string' },
    });
    const slug = required(p, 'org');
    const endpointId = required(p, 'endpoint');
    const from = since(required(p, 'since'));
    const types = optionalString(p, 'types')
      ?.split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    const unknown = types?.find((t) => !isEventType(t));
    if (unknown !== undefined) throw new UsageError(`--types: unknown event type "${unknown}"`);
    const { count, enabled } = await withContext(async (ctx) => {
      const { organizationId, endpoint } = await endpointOf(ctx, slug, endpointId);
      const n = await replayEvents(ctx.db, {
        organizationId,
        endpointId,
        since: from,
        ...(types !== undefined ? { types } : {}),
      });
      return { count: n, enabled: endpoint.enabled };
    });
    emit(
      io,
      p.json,
      { replayed: count, since: from, endpoint_enabled: enabled },
      `${count} event(s) since ${from} are due again at ${endpointId}.` +
        (enabled ? '' : ' The endpoint is disabled: enable it (flowiq endpoint update --enable) to deliver them.'),
    );
    return 0;
  }
  if (sub === 'log') {
    const p = parse(rest, { org: { type: 'string' }, endpoint: { type: 'string' }, limit: { type: 'string' } });
    const slug = required(p, 'org');
    const endpointId = required(p, 'endpoint');
    const rawLimit = optionalString(p, 'limit') ?? '50';
    const limit = Number(rawLimit);
    if (!/^\d{1,4}$/.test(rawLimit) || limit < 1 || limit > 1000)
      throw new UsageError('--limit must be an integer between 1 and 1000');
    const attempts = await withContext(async (ctx) => {
      const { organizationId } = await endpointOf(ctx, slug, endpointId);
      return deliveryLog(ctx.db, organizationId, endpointId, limit);
    });
    emit(
      io,
      p.json,
      { attempts },
      attempts.length === 0
        ? `No delivery attempts for ${endpointId} yet.`
        : attempts
            .map((a) =>
              [
                a.attempted_at,
                a.event_id,
                a.event_type,
                a.status_code ?? '—',
                `${a.duration_ms} ms`,
                a.error ?? 'ok',
              ].join('  '),
            )
            .join('\n'),
    );
    return 0;
  }
  throw new UsageError(USAGE);
}
