import { emit, parse, withContext, type Io, UsageError } from './io.js';

/**
 * `flowiq secret reencrypt`: the last step of changing FLOWIQ_SECRET. Run with FLOWIQ_SECRET set to
 * the new secret and FLOWIQ_SECRET_PREVIOUS to the old one; afterwards the old one can be dropped
 * (media URLs signed under it stop verifying then).
 */
export async function secretCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'reencrypt')
    throw new UsageError(`usage: flowiq secret reencrypt [--json]  (unknown subcommand "${sub ?? ''}")`);
  const p = parse(rest, {});
  const result = await withContext(async (ctx) => {
    const bad = await ctx.organizations.undecryptableTokens();
    if (bad.length > 0)
      throw new UsageError(
        `neither FLOWIQ_SECRET nor FLOWIQ_SECRET_PREVIOUS decrypts the Meta token of ${bad.join(', ')}; nothing was changed`,
      );
    return { reencrypted: await ctx.organizations.reencryptTokens() };
  });
  emit(io, p.json, result, `Re-encrypted ${result.reencrypted} Meta token(s) under the current FLOWIQ_SECRET.`);
  return 0;
}
