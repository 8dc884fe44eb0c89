import type { ApiKeyView } from '../auth/service.js';
import { emit, optionalString, parse, required, UsageError, withContext, type Io } from './io.js';

function describe(k: ApiKeyView): string {
  return `${k.id}  ${k.prefix}…  ${k.status}  label=${k.label ?? '-'}  created=${k.created_at}  last_used=${k.last_used_at ?? 'never'}  expires=${k.expires_at ?? 'never'}`;
}

export async function keyCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'create') {
    const p = parse(rest, { org: { type: 'string' }, label: { type: 'string' }, 'expires-in': { type: 'string' } });
    const orgSlug = required(p, 'org');
    const label = optionalString(p, 'label');
    const expiresIn = optionalString(p, 'expires-in');
    const created = await withContext((ctx) =>
      ctx.auth.createKey({ orgSlug, ...(label !== undefined ? { label } : {}), ...(expiresIn !== undefined ? { expiresIn } : {}) }),
    );
    emit(io, p.json, created, `Created API key ${created.id} for ${orgSlug}. It is shown only now; store it safely:\n${created.key}`);
    return 0;
  }
  if (sub === 'revoke') {
    const p = parse(rest, { id: { type: 'string' } });
    const revoked = await withContext((ctx) => ctx.auth.revokeKey(required(p, 'id')));
    emit(io, p.json, revoked, `Revoked API key ${revoked.id} (${revoked.prefix}…)`);
    return 0;
  }
  if (sub === 'list') {
    const p = parse(rest, { org: { type: 'string' } });
    const keys = await withContext((ctx) => ctx.auth.listKeys(required(p, 'org')));
    emit(io, p.json, { keys }, keys.length === 0 ? 'No API keys.' : keys.map(describe).join('\n'));
    return 0;
  }
  throw new UsageError(`usage: flowiq key create|revoke|list …  (unknown subcommand "${sub ?? ''}")`);
}
