// `flowiq app create|update|list`: Meta app records, whose webhooks arrive at /webhooks/meta/{app id}.
// The app secret and the verify token are read from a file or standard input only, never from
// the command line itself (shell history, process listings). Only one of the two can be `-`:
// standard input holds one value, so the other comes from its file.
// `app update --app-secret… --keep-previous-secret` keeps accepting the replaced secret on
// webhooks (Meta's deliveries signed before the reset) until `--drop-previous-secret`.
import fs from 'node:fs';
import type { MetaAppView } from '../apps/service.js';
import { emit, optionalString, parse, required, UsageError, withContext, type Io, type Parsed } from './io.js';

const FLAGS = {
  'app-id': { type: 'string' },
  name: { type: 'string' },
  'app-secret': { type: 'string' },
  'app-secret-file': { type: 'string' },
  'verify-token': { type: 'string' },
  'verify-token-file': { type: 'string' },
} as const;

const UPDATE_FLAGS = {
  ...FLAGS,
  'keep-previous-secret': { type: 'boolean' },
  'drop-previous-secret': { type: 'boolean' },
} as const;

type SecretFlag = 'app-secret' | 'verify-token';

const LABEL: Record<SecretFlag, string> = { 'app-secret': 'app secret', 'verify-token': 'verify token' };

/** `--F -` (standard input) or `--F-file PATH`; undefined when neither is given. */
function secretValue(p: Parsed, flag: SecretFlag): string | undefined {
  const inline = optionalString(p, flag);
  const file = optionalString(p, `${flag}-file`);
  if (inline !== undefined && file !== undefined) throw new UsageError(`give --${flag} - or --${flag}-file, not both`);
  if (inline !== undefined && inline !== '-')
    throw new UsageError(
      `the ${LABEL[flag]} is not taken on the command line, where shell history and process listings keep it: give --${flag} - (standard input) or --${flag}-file FILE`,
    );
  let raw: string;
  if (file !== undefined) {
    try {
      raw = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--${flag}-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } else if (inline === '-') {
    raw = fs.readFileSync(0, 'utf8');
  } else return undefined;
  // A file or a pipe usually ends with a newline; nothing else around the value is part of it.
  const value = raw.trim();
  if (value === '' || /[\r\n]/.test(value)) throw new UsageError(`the ${LABEL[flag]} read must be one non-empty line`);
  return value;
}

function secrets(p: Parsed): { appSecret?: string; verifyToken?: string } {
  if (optionalString(p, 'app-secret') === '-' && optionalString(p, 'verify-token') === '-')
    throw new UsageError(
      'only one of --app-secret and --verify-token can be read from standard input (-): give the other with its -file flag',
    );
  const appSecret = secretValue(p, 'app-secret');
  const verifyToken = secretValue(p, 'verify-token');
  return {
    ...(appSecret !== undefined ? { appSecret } : {}),
    ...(verifyToken !== undefined ? { verifyToken } : {}),
  };
}

function describe(a: MetaAppView): string {
  const previous = a.previous_app_secret === null ? '' : `  previous_app_secret=${a.previous_app_secret}`;
  return `${a.meta_app_id}  ${a.name === null ? '(no name)' : `"${a.name}"`}  app_secret=${a.app_secret}${previous}  verify_token=${a.verify_token}  organizations=${a.organizations}  webhook=/webhooks/meta/${a.meta_app_id}`;
}

export async function appCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'create' || sub === 'update') {
    const p = parse(rest, sub === 'create' ? FLAGS : UPDATE_FLAGS);
    const metaAppId = required(p, 'app-id');
    const name = optionalString(p, 'name');
    const values = secrets(p);
    const input = {
      ...(name !== undefined ? { name } : {}),
      ...values,
      ...(p.values['keep-previous-secret'] === true ? { keepPreviousSecret: true } : {}),
      ...(p.values['drop-previous-secret'] === true ? { dropPreviousSecret: true } : {}),
    };
    const { appSecret, verifyToken } = values;
    if (sub === 'create') {
      if (appSecret === undefined)
        throw new UsageError('--app-secret - or --app-secret-file FILE is required: the app secret from Meta');
      if (verifyToken === undefined)
        throw new UsageError('--verify-token - or --verify-token-file FILE is required: a token of your choosing');
    } else if (Object.keys(input).length === 0) {
      throw new UsageError('nothing to change: give --name, --app-secret…, --verify-token… or --drop-previous-secret');
    }
    const app = await withContext((ctx) =>
      appSecret !== undefined && verifyToken !== undefined && sub === 'create'
        ? ctx.apps.create(metaAppId, { ...input, appSecret, verifyToken })
        : ctx.apps.update(metaAppId, input),
    );
    emit(io, p.json, app, `${sub === 'create' ? 'Created' : 'Updated'} Meta app ${describe(app)}`);
    return 0;
  }
  if (sub === 'list') {
    const p = parse(rest, {});
    const apps = await withContext((ctx) => ctx.apps.list());
    emit(io, p.json, { apps }, apps.length === 0 ? 'No Meta apps.' : apps.map(describe).join('\n'));
    return 0;
  }
  throw new UsageError(`usage: flowiq app create|update|list …  (unknown subcommand "${sub ?? ''}")`);
}
