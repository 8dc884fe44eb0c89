// Everything stored under FLOWIQ_SECRET's encryption key, checked and re-encrypted together: the
// organizations' Meta tokens and the Meta apps' secrets and verify tokens. One place, so the
// startup check (server/serve.ts) and `flowiq secret reencrypt` (cli/secret.ts) cannot disagree.
import type { OrganizationService } from '../organizations/service.js';
import type { MetaAppService } from './service.js';

function names(list: string[]): string {
  return list.slice(0, 5).join(', ') + (list.length > 5 ? ` and ${list.length - 5} more` : '');
}

/**
 * What no configured secret decrypts, as words to follow "cannot decrypt ", e.g. "the stored Meta
 * token of acme and the stored app secret or verify token of Meta app 1234"; undefined when all do.
 */
export async function undecryptableStoredSecrets(
  organizations: OrganizationService,
  apps: MetaAppService,
): Promise<string | undefined> {
  const [orgs, appIds] = await Promise.all([organizations.undecryptableTokens(), apps.undecryptableSecrets()]);
  const parts: string[] = [];
  if (orgs.length > 0) parts.push(`the stored Meta token of ${names(orgs)}`);
  if (appIds.length > 0)
    parts.push(`the stored app secret or verify token of Meta app${appIds.length > 1 ? 's' : ''} ${names(appIds)}`);
  return parts.length > 0 ? parts.join(' and ') : undefined;
}

/** Moves every stored value still under FLOWIQ_SECRET_PREVIOUS to FLOWIQ_SECRET; the counts. */
export async function reencryptStoredSecrets(
  organizations: OrganizationService,
  apps: MetaAppService,
): Promise<{ metaTokens: number; appSecrets: number }> {
  return { metaTokens: await organizations.reencryptTokens(), appSecrets: await apps.reencryptSecrets() };
}
