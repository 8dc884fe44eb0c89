// The catalogue's shapes, apart from its implementation, so the send path can depend on them alone.
import type { Page } from '../lib/pagination.js';
import type { ParameterFormat } from './params.js';

/** One template as the catalogue stores it: Meta's fields, per organization and language. */
export interface StoredTemplate {
  organizationId: string;
  wabaId: string;
  metaId: string;
  name: string;
  language: string;
  /** Meta's status, upper-case: APPROVED, PENDING, REJECTED, PAUSED, DISABLED, … */
  status: string;
  category: string;
  parameterFormat: ParameterFormat;
  /** Meta's components as stored (upper-case types); `expectationOf` reads them. */
  components: unknown[];
  quality: string | null;
  /** Meta's reason when REJECTED, else null. */
  rejectedReason: string | null;
  /** When a sync (or a status webhook) last wrote this row, ISO 8601. */
  syncedAt: string;
}

/** A listing's query as the client gave it; `limit` and `cursor` are checked by `pageQuery`. */
export interface TemplateListOptions {
  limit?: string | undefined;
  cursor?: string | undefined;
  status?: string | undefined;
  name?: string | undefined;
  language?: string | undefined;
}

/** What one sync did. */
export interface TemplateSyncResult {
  organizationId: string;
  wabaId: string;
  /** Templates Meta returned, now stored. */
  stored: number;
  /** Stored templates Meta no longer returned, now deleted. */
  removed: number;
  pages: number;
  syncedAt: string;
}

/** `ctx.templates`. */
export interface TemplateCatalogue {
  /** The stored template; on a miss, a rate-limited sync from Meta for that organization, then read again. */
  find(organizationId: string, name: string, language: string): Promise<StoredTemplate | undefined>;
  /** Ask for a resync (rate-limited, in the background): a Meta template error said the catalogue changed. */
  resync(organizationId: string): void;
  /** The organization's templates, by name then language, keyset-paged. */
  list(organizationId: string, opts: TemplateListOptions): Promise<Page<StoredTemplate>>;
  /** Sync now, not rate-limited (the CLI, the job): throws a typed error when it cannot. */
  sync(organizationId: string): Promise<TemplateSyncResult>;
}
