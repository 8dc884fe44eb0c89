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
    // A bare number used to mean seconds, which nobody intends for a key lifetime; and a huge value overflowed Date.
    if (expiresIn !== undefined) {
      const m = /^(\d+)([smhd])$/.exec(expiresIn.trim());
      if (!m) throw new UsageError(`--expires-in needs a unit (s, m, h or d), e.g. 30d; got "${expiresIn}"`);
      const seconds = Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
      if (seconds <= 0 || seconds > 100 * 365 * 86400)
        throw new UsageError(`--expires-in must be between 1s and 36500d; got "${expiresIn}"`);
    }
    const created = await withContext((ctx) =>
      ctx.auth.createKey({
        orgSlug,
        ...(label !== undefined ? { label } : {}),
        ...(expiresIn !== undefined ? { expiresIn } : {}),
      }),
    );
    emit(
      io,
      p.json,
      created,
      `Created API key ${created.id} for ${orgSlug}. It is shown only now; store it safely:\n${created.key}`,
    );
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
