// `flowiq meta-sim`: runs the simulator until SIGINT or SIGTERM.
//   --port N  --host H  --latency MS  --phone ID:TOKEN (repeatable)  --throughput N  --pair-limit
//   webhooks: --callback-url URL --app-secret S (repeatable, in pairs)  --waba PHONE_ID:WABA_ID (repeatable)
//             --status-delays SENT,DELIVERED,READ  --retry-schedule MS,MS,…  --webhook-encoding E  --media-url-ttl MS
//   templates: --templates FILE.json (repeatable)  --window enforce|off (default enforce)
// `flowiq meta-sim inbound --sim URL …`: makes a customer of a running simulator send a message.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runInboundCli } from './cli-inbound.js';
import { defaultWabaId } from './phone-info.js';
import { startMetaSim } from './sim.js';
import { parseTemplate, TemplateParseError } from './templates-parse.js';
import type { SimTemplateInput } from './templates-types.js';
import { isEncoding } from './webhook-encoding.js';
import { isWindowMode } from './window.js';
import type { MetaSimAllOptions, SimStatusDelays, SimWebhookConfig } from './webhook-types.js';

const USAGE =
  'usage: flowiq meta-sim [--port N] [--host H] [--latency MS] [--phone ID:TOKEN]... [--throughput N] [--pair-limit]\n' +
  '         [--callback-url URL --app-secret SECRET]... [--waba PHONE_ID:WABA_ID]... [--status-delays SENT,DELIVERED,READ]\n' +
  '         [--retry-schedule MS,MS,...] [--webhook-encoding escaped|utf8-escaped-signature|utf8] [--media-url-ttl MS]\n' +
  '         [--templates FILE.json]... [--window enforce|off]\n' +
  '       flowiq meta-sim inbound --sim URL [--type T] [--from WA_ID] [--text BODY] ... (flowiq meta-sim inbound --help)';

class UsageError extends Error {}

/** Starts the simulator, prints its URL on one line, and resolves once a signal has stopped it. */
export async function runMetaSimCli(argv: string[]): Promise<void> {
  if (argv[0] === 'inbound') {
    process.exitCode = await runInboundCli(argv.slice(1));
    return;
  }
  let opts: MetaSimAllOptions;
  try {
    opts = parseCliOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`flowiq meta-sim: ${err.message}\n${USAGE}\n`);
    // Exit code 2: a usage error, as command-line tools conventionally report it.
    process.exit(2);
  }
  const sim = await startMetaSim(opts);
  process.stdout.write(`meta-sim listening on ${sim.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
}

/** Parses the flags strictly: parseArgs throws a TypeError for unknown flags or missing values. */
export function parseCliOptions(argv: string[]): MetaSimAllOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      latency: { type: 'string' },
      phone: { type: 'string', multiple: true },
      throughput: { type: 'string' },
      'pair-limit': { type: 'boolean' },
      'callback-url': { type: 'string', multiple: true },
      'app-secret': { type: 'string', multiple: true },
      waba: { type: 'string', multiple: true },
      'status-delays': { type: 'string' },
      'retry-schedule': { type: 'string' },
      'webhook-encoding': { type: 'string' },
      'media-url-ttl': { type: 'string' },
      templates: { type: 'string', multiple: true },
      window: { type: 'string' },
    },
  });
  const opts: MetaSimAllOptions = { phones: parsePhones(values.phone ?? []) };
  if (values.port !== undefined) opts.port = integerFlag('--port', values.port, 0, 65535);
  if (values.host !== undefined) opts.host = values.host;
  if (values.latency !== undefined) opts.latencyMs = integerFlag('--latency', values.latency, 0, 600_000);
  if (values.throughput !== undefined)
    opts.throughputPerSecond = integerFlag('--throughput', values.throughput, 1, 10_000_000);
  if (values['pair-limit'] === true) opts.pairLimit = true;
  const urls = values['callback-url'] ?? [];
  const secrets = values['app-secret'] ?? [];
  if (urls.length !== secrets.length)
    throw new UsageError('give each --callback-url its --app-secret (the i-th secret signs for the i-th URL)');
  if (urls.length > 0) {
    opts.apps = urls.map((url, i) => {
      try {
        new URL(url);
      } catch {
        throw new UsageError(`--callback-url must be a URL, got "${url}"`);
      }
      return { callbackUrl: url, appSecret: secrets[i] ?? '' };
    });
  }
  if (values.waba !== undefined) opts.phoneInfo = parseWabas(values.waba);
  const config: Partial<SimWebhookConfig> = {};
  if (values['status-delays'] !== undefined) config.statusDelays = parseDelays(values['status-delays']);
  if (values['retry-schedule'] !== undefined)
    config.retryScheduleMs = msList('--retry-schedule', values['retry-schedule']);
  const encoding = values['webhook-encoding'];
  if (encoding !== undefined) {
    if (!isEncoding(encoding))
      throw new UsageError(`--webhook-encoding must be escaped, utf8-escaped-signature or utf8, got "${encoding}"`);
    config.encoding = encoding;
  }
  if (values['media-url-ttl'] !== undefined)
    config.mediaUrlTtlMs = integerFlag('--media-url-ttl', values['media-url-ttl'], 1, 2_147_483_647);
  if (Object.keys(config).length > 0) opts.webhookConfig = config;
  // From the shell the simulator is as strict as Meta: free-form messages outside the window fail.
  const window = values.window ?? 'enforce';
  if (!isWindowMode(window)) throw new UsageError(`--window must be enforce or off, got "${window}"`);
  opts.window = window;
  if (values.templates !== undefined) opts.templates = readTemplates(values.templates, opts);
  return opts;
}

/**
 * Each file holds {"WABA_ID": [template, …]} or [{waba_id | phone_id, …template}]; a template
 * naming neither belongs to the WABA of the only --phone. Checked here, so a bad file exits 2.
 */
function readTemplates(files: string[], opts: MetaSimAllOptions): Record<string, SimTemplateInput[]> {
  const out: Record<string, SimTemplateInput[]> = {};
  const phoneIds = Object.keys(opts.phones ?? {});
  const add = (wabaId: string, t: unknown, file: string): void => {
    try {
      parseTemplate(wabaId, t);
    } catch (err) {
      if (err instanceof TemplateParseError) throw new UsageError(`--templates ${file}: ${err.message}`);
      throw err;
    }
    (out[wabaId] ??= []).push(t as SimTemplateInput);
  };
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`--templates ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (Array.isArray(parsed)) {
      for (const t of parsed) add(wabaOfEntry(t, opts, phoneIds, file), t, file);
    } else if (typeof parsed === 'object' && parsed !== null) {
      for (const [wabaId, list] of Object.entries(parsed)) {
        if (!Array.isArray(list))
          throw new UsageError(`--templates ${file}: "${wabaId}" must name an array of templates`);
        for (const t of list) add(wabaId, t, file);
      }
    } else throw new UsageError(`--templates ${file}: the file must hold an object or an array`);
  }
  return out;
}

function wabaOfEntry(t: unknown, opts: MetaSimAllOptions, phoneIds: string[], file: string): string {
  const o = (typeof t === 'object' && t !== null ? t : {}) as { waba_id?: unknown; phone_id?: unknown };
  if (typeof o.waba_id === 'string') return o.waba_id;
  const phoneId = typeof o.phone_id === 'string' ? o.phone_id : phoneIds.length === 1 ? phoneIds[0] : undefined;
  if (phoneId === undefined) throw new UsageError(`--templates ${file}: give each template a waba_id or a phone_id`);
  return opts.phoneInfo?.[phoneId]?.wabaId ?? defaultWabaId(phoneId);
}

/** "0,500,1500"; "-" for a status never posted. */
function parseDelays(raw: string): SimStatusDelays {
  const parts = raw.split(',');
  if (parts.length !== 3) throw new UsageError(`--status-delays must be SENT,DELIVERED,READ in ms, got "${raw}"`);
  const [sent, delivered, read] = parts.map((p) =>
    p === '-' ? null : integerFlag('--status-delays', p, 0, 2_147_483_647),
  );
  return { sent: sent ?? null, delivered: delivered ?? null, read: read ?? null };
}

function msList(name: string, raw: string): number[] {
  if (raw === '') return [];
  return raw.split(',').map((p) => integerFlag(name, p, 0, 2_147_483_647));
}

function parseWabas(specs: string[]): Record<string, { wabaId: string }> {
  const out: Record<string, { wabaId: string }> = {};
  for (const spec of specs) {
    const m = /^([^:]+):(\d{1,20})$/.exec(spec);
    if (m?.[1] === undefined || m[2] === undefined)
      throw new UsageError(`--waba must be PHONE_ID:WABA_ID (digits), got "${spec}"`);
    out[m[1]] = { wabaId: m[2] };
  }
  return out;
}

function integerFlag(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

function parsePhones(specs: string[]): Record<string, string> {
  const phones: Record<string, string> = {};
  for (const spec of specs) {
    const colon = spec.indexOf(':');
    if (colon <= 0 || colon === spec.length - 1) throw new UsageError(`--phone must be ID:TOKEN, got "${spec}"`);
    phones[spec.slice(0, colon)] = spec.slice(colon + 1);
  }
  return phones;
}

// Run directly (node --import tsx meta-sim/cli.ts …) as well as through `flowiq meta-sim`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runMetaSimCli(process.argv.slice(2));
}
