import { reencryptStoredSecrets, undecryptableStoredSecrets } from '../apps/stored-secrets.js';
import { emit, parse, withContext, type Io, UsageError } from './io.js';

/**
 * `flowiq secret reencrypt`: the last step of changing FLOWIQ_SECRET. It moves organizations' Meta
 * tokens, Meta apps' secrets and verify tokens, and webhook endpoints' signing secrets alike;
 * nothing is changed unless all decrypt. Run with FLOWIQ_SECRET set to the new secret and
 * FLOWIQ_SECRET_PREVIOUS to the old one; afterwards the old one can be dropped (media URLs signed
 * under it stop verifying then).
 */
export async function secretCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'reencrypt')
    throw new UsageError(`usage: flowiq secret reencrypt [--json]  (unknown subcommand "${sub ?? ''}")`);
  const p = parse(rest, {});
  const result = await withContext(async (ctx) => {
    const undecryptable = await undecryptableStoredSecrets(ctx);
    if (undecryptable !== undefined)
      throw new UsageError(
        `neither FLOWIQ_SECRET nor FLOWIQ_SECRET_PREVIOUS decrypts ${undecryptable}; nothing was changed`,
      );
    return reencryptStoredSecrets(ctx);
  });
  // `reencrypted` counts every stored value moved: Meta tokens, app secrets and verify tokens, and
  // endpoint signing secrets; the parts say which.
  emit(
    io,
    p.json,
    { reencrypted: result.metaTokens + result.appSecrets + result.endpointSecrets, ...result },
    `Re-encrypted ${result.metaTokens} Meta token(s), ${result.appSecrets} Meta app secret(s) and verify token(s), and ${result.endpointSecrets} webhook endpoint signing secret(s) under the current FLOWIQ_SECRET.`,
  );
  return 0;
}
