import fs from 'node:fs';
import type { OrganizationView } from '../organizations/service.js';
import { emit, optionalString, parse, required, UsageError, withContext, type Io, type Parsed } from './io.js';

const FLAGS = {
  slug: { type: 'string' },
  name: { type: 'string' },
  provider: { type: 'string' },
  'meta-phone-id': { type: 'string' },
  'meta-token': { type: 'string' },
  'meta-token-file': { type: 'string' },
} as const;

/**
 * The Meta token: `--meta-token-file PATH`, or `--meta-token -` for standard input. A token given
 * on the command line itself stays in shell history and in every process listing; still accepted.
 */
function metaToken(p: Parsed): string | undefined {
  const inline = optionalString(p, 'meta-token');
  const file = optionalString(p, 'meta-token-file');
  if (inline !== undefined && file !== undefined)
    throw new UsageError('give --meta-token or --meta-token-file, not both');
  let raw: string;
  if (file !== undefined) {
    try {
      raw = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `--meta-token-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  } else if (inline === '-') {
    raw = fs.readFileSync(0, 'utf8');
  } else return inline;
  const token = raw.trim();
  if (token === '' || /\s/.test(token))
    throw new UsageError('the Meta token read must be one non-empty line without spaces');
  return token;
}

function describe(o: OrganizationView): string {
  const meta =
    o.whatsapp_provider_choice === 'meta'
      ? ` phone_id=${o.meta_phone_id ?? '(none)'} token=${o.meta_token_configured ? 'set' : '(none)'}`
      : '';
  return `${o.slug}  "${o.name}"  provider=${o.whatsapp_provider_choice}${meta}  id=${o.id}`;
}

export async function orgCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'create' || sub === 'update') {
    const p = parse(rest, FLAGS);
    const slug = required(p, 'slug');
    const input = {
      ...(optionalString(p, 'name') !== undefined ? { name: optionalString(p, 'name') } : {}),
      ...(optionalString(p, 'provider') !== undefined ? { provider: optionalString(p, 'provider') } : {}),
      ...(optionalString(p, 'meta-phone-id') !== undefined ? { metaPhoneId: optionalString(p, 'meta-phone-id') } : {}),
    };
    const token = metaToken(p);
    if (token !== undefined) Object.assign(input, { metaToken: token });
    const org = await withContext(async (ctx) => {
      if (sub === 'update') return ctx.organizations.update(slug, input);
      return ctx.organizations.create(slug, { ...input, name: required(p, 'name') });
    });
    emit(io, p.json, org, `${sub === 'create' ? 'Created' : 'Updated'} organization ${describe(org)}`);
    return 0;
  }
  if (sub === 'list') {
    const p = parse(rest, {});
    const orgs = await withContext((ctx) => ctx.organizations.list());
    emit(io, p.json, { organizations: orgs }, orgs.length === 0 ? 'No organizations.' : orgs.map(describe).join('\n'));
    return 0;
  }
  throw new UsageError(`usage: flowiq org create|update|list …  (unknown subcommand "${sub ?? ''}")`);
}
