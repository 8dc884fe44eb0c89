import fs from 'node:fs';
import type { OrganizationInput, OrganizationView } from '../organizations/service.js';
import { emit, optionalString, parse, required, UsageError, withContext, type Io, type Parsed } from './io.js';

const FLAGS = {
  slug: { type: 'string' },
  name: { type: 'string' },
  provider: { type: 'string' },
  'meta-phone-id': { type: 'string' },
  'meta-token': { type: 'string' },
  'meta-token-file': { type: 'string' },
  'meta-app': { type: 'string' },
  'meta-waba-id': { type: 'string' },
  'window-check': { type: 'string' },
} as const;

/** `--meta-app ID` / `--meta-waba-id ID`; the word `none` clears the value (ids are digits only). */
function clearable(p: Parsed, name: 'meta-app' | 'meta-waba-id'): string | null | undefined {
  const v = optionalString(p, name);
  return v === 'none' ? null : v;
}

/** `--window-check on|off|default`: the organization's 24-hour window rule; default follows WINDOW_CHECK. */
function windowCheck(p: Parsed): 'on' | 'off' | null | undefined {
  const v = optionalString(p, 'window-check');
  if (v === undefined) return undefined;
  if (v === 'on' || v === 'off') return v;
  if (v === 'default') return null;
  throw new UsageError(`--window-check must be on, off or default; got "${v}"`);
}

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
      ? ` phone_id=${o.meta_phone_id ?? '(none)'} token=${o.meta_token_configured ? 'set' : '(none)'} app=${o.meta_app_id ?? '(none)'} waba_id=${o.meta_waba_id ?? '(none)'}${o.window_check !== null ? ` window_check=${o.window_check}` : ''}`
      : '';
  return `${o.slug}  "${o.name}"  provider=${o.whatsapp_provider_choice}${meta}  id=${o.id}`;
}

export async function orgCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'create' || sub === 'update') {
    const p = parse(rest, FLAGS);
    const slug = required(p, 'slug');
    const input: OrganizationInput = {};
    const name = optionalString(p, 'name');
    if (name !== undefined) input.name = name;
    const provider = optionalString(p, 'provider');
    if (provider !== undefined) input.provider = provider;
    const metaPhoneId = optionalString(p, 'meta-phone-id');
    if (metaPhoneId !== undefined) input.metaPhoneId = metaPhoneId;
    const metaApp = clearable(p, 'meta-app');
    if (metaApp !== undefined) input.metaApp = metaApp;
    const metaWabaId = clearable(p, 'meta-waba-id');
    if (metaWabaId !== undefined) input.metaWabaId = metaWabaId;
    const check = windowCheck(p);
    if (check !== undefined) input.windowCheck = check;
    const token = metaToken(p);
    if (token !== undefined) input.metaToken = token;
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
