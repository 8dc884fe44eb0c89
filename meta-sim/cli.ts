// `flowiq meta-sim`: runs the simulator until SIGINT or SIGTERM.
//   --port N  --host H  --latency MS  --phone ID:TOKEN (repeatable)  --throughput N  --pair-limit
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startMetaSim } from './sim.js';
import type { MetaSimOptions } from './types.js';

const USAGE =
  'usage: flowiq meta-sim [--port N] [--host H] [--latency MS] [--phone ID:TOKEN]... [--throughput N] [--pair-limit]';

class UsageError extends Error {}

/** Starts the simulator, prints its URL on one line, and resolves once a signal has stopped it. */
export async function runMetaSimCli(argv: string[]): Promise<void> {
  let opts: MetaSimOptions;
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
export function parseCliOptions(argv: string[]): MetaSimOptions {
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
    },
  });
  const opts: MetaSimOptions = { phones: parsePhones(values.phone ?? []) };
  if (values.port !== undefined) opts.port = integerFlag('--port', values.port, 0, 65535);
  if (values.host !== undefined) opts.host = values.host;
  if (values.latency !== undefined) opts.latencyMs = integerFlag('--latency', values.latency, 0, 600_000);
  if (values.throughput !== undefined)
    opts.throughputPerSecond = integerFlag('--throughput', values.throughput, 1, 10_000_000);
  if (values['pair-limit'] === true) opts.pairLimit = true;
  return opts;
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
