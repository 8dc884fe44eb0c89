// Shared plumbing for CLI commands: strict flag parsing, one output format switch, exit codes.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { createContext, type AppContext } from '../server/context.js';
import { AppError } from '../errors.js';
import { resolveSecret } from '../secret.js';

export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  json: boolean;
}

export function parse(argv: string[], options: Options, allowPositionals = false): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, json: { type: 'boolean' } },
      strict: true,
      allowPositionals,
    });
    return { values: values, positionals, json: values.json === true };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[\w+\]: /, ''));
  }
}

export function required(p: Parsed, name: string): string {
  const v = p.values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function optionalString(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export interface Io {
  out(line: string): void;
  err(line: string): void;
  isTTY: boolean;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  isTTY: process.stderr.isTTY === true,
};

export function emit(io: Io, json: boolean, value: unknown, human: string): void {
  io.out(json ? JSON.stringify(value) : human);
}

/** Runs `fn` with a context on the configured database, always closing it. */
export async function withContext<T>(
  fn: (ctx: AppContext, config: Readonly<Config>) => Promise<T>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const config = loadConfig(env);
  const { secret } = resolveSecret(config.secret, config.dataDir);
  const ctx = await createContext(config, secret);
  try {
    return await fn(ctx, config);
  } finally {
    await ctx.close();
  }
}

export function describeError(err: unknown): string {
  if (err instanceof AppError) return `${err.error}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
