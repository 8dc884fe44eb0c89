// Template catalogues in the background (src/templates/): every organization with a WhatsApp
// Business Account id and a token is synced at start and every TEMPLATES_SYNC_INTERVAL, one after
// another (Meta's template API is rate-limited per app and account), and the resyncs the template
// webhooks asked for are run every few seconds, within the catalogue's own rate limit.
import type { Logger } from 'pino';
import type { OrganizationStore } from '../organizations/store.js';
import type { TemplateCatalogueService } from '../templates/catalogue.js';
import { every, type Job } from './scheduler.js';

export interface TemplateJobOptions {
  catalogue: Pick<TemplateCatalogueService, 'sync' | 'syncRequested' | 'idle'>;
  organizations: Pick<OrganizationStore, 'list'>;
  intervalMs: number;
  /** How often the webhooks' resync requests are looked for (5 s). */
  requestedEveryMs?: number;
  log: Pick<Logger, 'warn'>;
}

/** One pass over every organization that has a catalogue; how many synced and failed. */
export async function syncAllTemplates(
  o: Pick<TemplateJobOptions, 'organizations' | 'log'> & { catalogue: Pick<TemplateCatalogueService, 'sync'> },
): Promise<{ synced: number; failed: number }> {
  const counts = { synced: 0, failed: 0 };
  for (const org of await o.organizations.list()) {
    if (org.whatsapp_provider_choice !== 'meta' || !org.meta_waba_id || !org.whatsapp_bearer_token) continue;
    try {
      await o.catalogue.sync(org.id);
      counts.synced++;
    } catch (err) {
      counts.failed++;
      o.log.warn({ err, organization: org.slug }, 'could not sync the template catalogue; will retry');
    }
  }
  return counts;
}

export function templateSyncing(o: TemplateJobOptions): Job {
  const all = every(
    'template-sync',
    o.intervalMs,
    async () => {
      try {
        await syncAllTemplates(o);
      } catch (err) {
        o.log.warn({ err }, 'could not sync template catalogues; will retry');
      }
    },
    // Meta may be slow: the first pass must not keep the process from listening.
    { background: true },
  );
  const requested = every(
    'template-resync',
    o.requestedEveryMs ?? 5_000,
    async () => {
      try {
        await o.catalogue.syncRequested();
      } catch (err) {
        o.log.warn({ err }, 'could not read template resync requests; will retry');
      }
    },
    { background: true },
  );
  return {
    name: 'template-sync',
    start: async () => {
      await all.start();
      await requested.start();
    },
    stop: async () => {
      await requested.stop();
      await all.stop();
      await o.catalogue.idle();
    },
  };
}
