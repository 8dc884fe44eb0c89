// `flowiq endpoint create|list|update|rotate-secret|disable`: an organization's webhook endpoints,
// where its events are delivered. The signing secret is printed once, by create and rotate-secret,
// and never again: list shows everything else, including why an endpoint was disabled.
import { parseDuration } from '../config.js';
import type { EndpointView, EndpointWithSecret } from '../events/endpoints.js';
import { NotFound } from '../errors.js';
import type { AppContext } from '../server/context.js';
import { emit, optionalString, parse, required, UsageError, withContext, type Io, type Parsed } from './io.js';

const USAGE = `usage: flowiq endpoint create --org SLUG --url URL [--events TYPE,TYPE|*] [--description D]
       flowiq endpoint list --org SLUG
       flowiq endpoint update --org SLUG --id ID [--url URL] [--events …] [--description D] [--enable]
       flowiq endpoint rotate-secret --org SLUG --id ID [--overlap 24h]
       flowiq endpoint disable --org SLUG --id ID [--reason R]`;

const ENDPOINT_FLAGS = {
  org: { type: 'string' },
  url: { type: 'string' },
  events: { type: 'string' },
  description: { type: 'string' },
} as const;

async function orgId(ctx: AppContext, slug: string): Promise<string> {
  const org = await ctx.organizationStore.findBySlug(slug);
  if (!org) throw new NotFound(`no organization with slug "${slug}"`);
  return org.id;
}

/** "a,b" or "*" as a list; the service says which type is unknown. */
function events(p: Parsed): string[] | undefined {
  const raw = optionalString(p, 'events');
  if (raw === undefined) return undefined;
  const list = raw
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (list.length === 0) throw new UsageError('--events needs one or more event types separated by commas, or *');
  return list;
}

function describe(e: EndpointView): string {
  const state = e.enabled ? 'enabled' : `disabled (${e.disabled_reason ?? 'no reason given'})`;
  return [
    e.id,
    e.url,
    `events=${e.event_types.join(',')}`,
    state,
    ...(e.failing_since !== null ? [`failing since ${e.failing_since}`] : []),
    ...(e.previous_secret_until !== null ? [`previous secret signs until ${e.previous_secret_until}`] : []),
    ...(e.description !== null ? [`"${e.description}"`] : []),
  ].join('  ');
}

function withSecret(verb: string, e: EndpointWithSecret): string {
  return `${verb} webhook endpoint ${describe(e)}
Signing secret (shown only this once; store it now): ${e.secret}`;
}

export async function endpointCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'create') {
    const p = parse(rest, ENDPOINT_FLAGS);
    const slug = required(p, 'org');
    const url = required(p, 'url');
    const eventTypes = events(p);
    const description = optionalString(p, 'description');
    const created = await withContext(async (ctx) =>
      ctx.endpoints.create(await orgId(ctx, slug), {
        url,
        ...(eventTypes !== undefined ? { eventTypes } : {}),
        ...(description !== undefined ? { description } : {}),
      }),
    );
    emit(io, p.json, created, withSecret('Created', created));
    return 0;
  }
  if (sub === 'list') {
    const p = parse(rest, { org: { type: 'string' } });
    const slug = required(p, 'org');
    const endpoints = await withContext(async (ctx) => ctx.endpoints.list(await orgId(ctx, slug)));
    emit(
      io,
      p.json,
      { endpoints },
      endpoints.length === 0 ? `No webhook endpoints for ${slug}.` : endpoints.map(describe).join('\n'),
    );
    return 0;
  }
  if (sub === 'update') {
    const p = parse(rest, { ...ENDPOINT_FLAGS, id: { type: 'string' }, enable: { type: 'boolean' } });
    const slug = required(p, 'org');
    const id = required(p, 'id');
    const url = optionalString(p, 'url');
    const eventTypes = events(p);
    const description = optionalString(p, 'description');
    const input = {
      ...(url !== undefined ? { url } : {}),
      ...(eventTypes !== undefined ? { eventTypes } : {}),
      // --description '' clears it.
      ...(description !== undefined ? { description } : {}),
      ...(p.values.enable === true ? { enabled: true } : {}),
    };
    if (Object.keys(input).length === 0)
      throw new UsageError('nothing to change: give --url, --events, --description or --enable');
    const updated = await withContext(async (ctx) => ctx.endpoints.update(await orgId(ctx, slug), id, input));
    emit(io, p.json, updated, `Updated webhook endpoint ${describe(updated)}`);
    return 0;
  }
  if (sub === 'rotate-secret') {
    const p = parse(rest, { org: { type: 'string' }, id: { type: 'string' }, overlap: { type: 'string' } });
    const slug = required(p, 'org');
    const id = required(p, 'id');
    const rawOverlap = optionalString(p, 'overlap');
    const overlapSeconds = rawOverlap === undefined ? undefined : parseDuration(rawOverlap);
    if (overlapSeconds === undefined && rawOverlap !== undefined)
      throw new UsageError(`--overlap must be a duration such as 0, 30m, 24h or 7d; got "${rawOverlap}"`);
    const rotated = await withContext(async (ctx) =>
      ctx.endpoints.rotateSecret(await orgId(ctx, slug), id, overlapSeconds !== undefined ? { overlapSeconds } : {}),
    );
    emit(io, p.json, rotated, withSecret('Rotated the secret of', rotated));
    return 0;
  }
  if (sub === 'disable') {
    const p = parse(rest, { org: { type: 'string' }, id: { type: 'string' }, reason: { type: 'string' } });
    const slug = required(p, 'org');
    const id = required(p, 'id');
    const reason = optionalString(p, 'reason') ?? 'Disabled by an operator';
    const disabled = await withContext(async (ctx) => ctx.endpoints.disable(await orgId(ctx, slug), id, reason));
    emit(io, p.json, disabled, `Disabled webhook endpoint ${describe(disabled)}`);
    return 0;
  }
  throw new UsageError(`${USAGE}\n(unknown subcommand "${sub ?? ''}")`);
}
