// ctx.templates: the catalogue as the send path, the listing, the job and the CLI see it. Syncs of
// one organization never run two at once in a process: a second asker joins the one in flight.
// Syncs that nobody asked for by hand (a send's miss, a Meta template error, a webhook) are
// rate-limited per organization, so a stream of sends naming a template that does not exist
// costs Meta one call per interval, not one per send.
import type { Logger } from 'pino';
import { InvalidField, MetaNotConfigured, NotFound } from '../errors.js';
import { decodeCursor, encodeCursor, pageQuery, toPage, type Page } from '../lib/pagination.js';
import type { OrganizationStore } from '../organizations/store.js';
import { TtlCache } from '../lib/ttl-cache.js';
import { parseComponents, TemplateStore, toStoredTemplate, type TemplateRow } from './store.js';
import { syncOrganization, type SyncDeps } from './sync.js';
import type { StoredTemplate, TemplateCatalogue, TemplateListOptions, TemplateSyncResult } from './types.js';

export const MAX_TEMPLATE_PAGE = 200;

export interface CatalogueOptions extends Omit<SyncDeps, 'store'> {
  store: TemplateStore;
  organizations: Pick<OrganizationStore, 'findById'>;
  log: Pick<Logger, 'warn'>;
  /** Least time between two syncs of one organization that no operator asked for (30 s). */
  minIntervalMs?: number;
  now?: () => number;
}

export class TemplateCatalogueService implements TemplateCatalogue {
  readonly #inFlight = new Map<string, Promise<TemplateSyncResult>>();
  /** When each organization's last sync started, for the rate limit. */
  readonly #lastStarted = new Map<string, number>();
  readonly #minIntervalMs: number;
  readonly #now: () => number;
  /** Components parsed, by template, kept while the stored text is the same (a send parses none). */
  readonly #parsed = new TtlCache<{ text: string; components: unknown[] }>(60_000, 10_000);

  constructor(private readonly opts: CatalogueOptions) {
    this.#minIntervalMs = opts.minIntervalMs ?? 30_000;
    this.#now = opts.now ?? Date.now;
  }

  async find(organizationId: string, name: string, language: string): Promise<StoredTemplate | undefined> {
    const row = await this.opts.store.find(organizationId, name, language);
    if (row) return this.#stored(row);
    if (!(await this.#limitedSync(organizationId))) return undefined;
    const again = await this.opts.store.find(organizationId, name, language);
    return again && this.#stored(again);
  }

  /** The row as the send path gets it; its components are shared between sends: read-only. */
  #stored(row: TemplateRow): StoredTemplate {
    const key = `${row.organization_id}\u0000${row.name}\u0000${row.language}`;
    let hit = this.#parsed.get(key);
    if (hit?.text !== row.components) {
      hit = { text: row.components, components: parseComponents(row.components) };
      this.#parsed.set(key, hit);
    }
    return toStoredTemplate(row, hit.components);
  }

  resync(organizationId: string): void {
    void this.#limitedSync(organizationId);
  }

  /**
   * A rate-limited sync: joins the one in flight, else starts one unless the last began less than
   * the interval ago. Whether a sync ran (and succeeded); failures are logged, never thrown.
   */
  async #limitedSync(organizationId: string): Promise<boolean> {
    return (await this.#limitedSyncOutcome(organizationId)) === 'synced';
  }

  async #limitedSyncOutcome(organizationId: string): Promise<'synced' | 'limited' | 'failed' | 'impossible'> {
    const last = this.#lastStarted.get(organizationId);
    if (!this.#inFlight.has(organizationId) && last !== undefined && this.#now() - last < this.#minIntervalMs)
      return 'limited';
    try {
      await this.sync(organizationId);
      return 'synced';
    } catch (err) {
      // An organization without a WABA id or token has no catalogue to sync: nothing to report.
      if (err instanceof MetaNotConfigured || err instanceof NotFound) return 'impossible';
      this.opts.log.warn({ err, organizationId }, 'template sync failed');
      return 'failed';
    }
  }

  /** Syncs now (or joins the sync in flight); throws a typed error when it cannot. */
  sync(organizationId: string): Promise<TemplateSyncResult> {
    let running = this.#inFlight.get(organizationId);
    if (running) return running;
    this.#lastStarted.set(organizationId, this.#now());
    running = this.#syncOnce(organizationId).finally(() => this.#inFlight.delete(organizationId));
    this.#inFlight.set(organizationId, running);
    return running;
  }

  async #syncOnce(organizationId: string): Promise<TemplateSyncResult> {
    const org = await this.opts.organizations.findById(organizationId);
    if (!org) throw new NotFound(`no organization with id ${organizationId}`);
    return syncOrganization(this.opts, org);
  }

  /** Syncs each organization a template webhook asked for, within the rate limit. */
  async syncRequested(): Promise<void> {
    for (const organizationId of await this.opts.store.requestedResyncs()) {
      // Requests for an organization that lost its WABA id, token or row would be retried forever.
      if ((await this.#limitedSyncOutcome(organizationId)) === 'impossible')
        await this.opts.store.dropResyncs(organizationId);
    }
  }

  /** Resolves when no sync is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()]);
  }

  async list(organizationId: string, opts: TemplateListOptions): Promise<Page<StoredTemplate>> {
    const page = pageQuery(opts, {
      defaultLimit: 50,
      maxLimit: MAX_TEMPLATE_PAGE,
      decode: (cursor) => {
        const v = decodeCursor(cursor, 2);
        return v?.every((x) => typeof x === 'string') ? ([v[0], v[1]] as [string, string]) : undefined;
      },
    });
    if (opts.status !== undefined && !/^[A-Za-z_]{1,32}$/.test(opts.status))
      throw new InvalidField('status must be a template status such as APPROVED, PAUSED or REJECTED');
    const rows = await this.opts.store.list(organizationId, {
      limit: page.readLimit,
      after: page.after,
      status: opts.status?.toUpperCase(),
      name: opts.name,
      language: opts.language,
    });
    return toPage(
      rows,
      page,
      (row) => encodeCursor([row.name, row.language]),
      (row) => toStoredTemplate(row),
    );
  }
}
