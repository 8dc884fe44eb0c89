// Everything stored under FLOWIQ_SECRET's encryption key, checked and re-encrypted together: the
// organizations' Meta tokens, the Meta apps' secrets and verify tokens, and the webhook endpoints'
// signing secrets. One place, so the startup check (server/serve.ts) and `flowiq secret reencrypt`
// (cli/secret.ts) cannot disagree about what a change of secret has to move.
import type { EndpointService } from '../events/endpoints.js';
import type { OrganizationService } from '../organizations/service.js';
import type { MetaAppService } from './service.js';

/** The services that hold encrypted values; an AppContext is one. */
export interface SecretHolders {
  organizations: Pick<OrganizationService, 'undecryptableTokens' | 'reencryptTokens'>;
  apps: Pick<MetaAppService, 'undecryptableSecrets' | 'reencryptSecrets'>;
  endpoints: Pick<EndpointService, 'undecryptableSecrets' | 'reencryptSecrets'>;
}

function names(list: string[]): string {
  return list.slice(0, 5).join(', ') + (list.length > 5 ? ` and ${list.length - 5} more` : '');
}

/**
 * What no configured secret decrypts, as words to follow "cannot decrypt ", e.g. "the stored Meta
 * token of acme and the stored signing secret of webhook endpoint 0196…"; undefined when all do.
 */
export async function undecryptableStoredSecrets(holders: SecretHolders): Promise<string | undefined> {
  const [orgs, appIds, endpointIds] = await Promise.all([
    holders.organizations.undecryptableTokens(),
    holders.apps.undecryptableSecrets(),
    holders.endpoints.undecryptableSecrets(),
  ]);
  const parts: string[] = [];
  if (orgs.length > 0) parts.push(`the stored Meta token of ${names(orgs)}`);
  if (appIds.length > 0)
    parts.push(`the stored app secret or verify token of Meta app${appIds.length > 1 ? 's' : ''} ${names(appIds)}`);
  // Ids, not URLs: a URL may carry a tenant's path or query that an operator's log need not hold.
  if (endpointIds.length > 0)
    parts.push(
      `the stored signing secret of webhook endpoint${endpointIds.length > 1 ? 's' : ''} ${names(endpointIds)}`,
    );
  return parts.length > 0 ? parts.join(' and ') : undefined;
}

export interface ReencryptCounts {
  metaTokens: number;
  /** Meta apps' secrets (current and previous) and verify tokens. */
  appSecrets: number;
  /** Webhook endpoints' signing secrets (current and, during an overlap, previous). */
  endpointSecrets: number;
}

/** Moves every stored value still under FLOWIQ_SECRET_PREVIOUS to FLOWIQ_SECRET; the counts. */
export async function reencryptStoredSecrets(holders: SecretHolders): Promise<ReencryptCounts> {
  return {
    metaTokens: await holders.organizations.reencryptTokens(),
    appSecrets: await holders.apps.reencryptSecrets(),
    endpointSecrets: await holders.endpoints.reencryptSecrets(),
  };
}
