// One sync of an organization's catalogue: every page of GET /{waba-id}/message_templates with its
// stored token, checked, then written in one transaction (store.ts). Nothing is written unless
// every page was read: a catalogue cut short would lose templates that still exist.
import { nowIso } from '../db/ids.js';
import { MetaApiError, MetaNotConfigured, MetaRateLimited, MetaUnavailable, type AppError } from '../errors.js';
import { MetaCallError, type MetaClient } from '../meta/client.js';
import type { GraphMessageTemplate, GraphPaging } from '../meta/graph-types.js';
import type { OrganizationRow } from '../organizations/store.js';
import type { TemplateRecord, TemplateStore } from './store.js';
import type { TemplateSyncResult } from './types.js';

/** What a sync asks Meta for (docs/META.md: message_templates). */
export const TEMPLATE_FIELDS = [
  'id',
  'name',
  'language',
  'status',
  'category',
  'parameter_format',
  'components',
  'quality_score',
  'rejected_reason',
] as const;

export interface SyncLimits {
  /** Templates per page asked for (Meta's `limit`). */
  pageSize: number;
  /** Pages read at most; an account with more is refused rather than half-synced. */
  maxPages: number;
}

/** 100 × 100: well past the 6,000 templates Meta allows an account. */
export const DEFAULT_SYNC_LIMITS: SyncLimits = { pageSize: 100, maxPages: 100 };

export interface SyncDeps {
  store: TemplateStore;
  meta: Pick<MetaClient, 'getMessageTemplates'>;
  decryptToken(org: OrganizationRow): string | undefined;
  limits?: SyncLimits;
}

function str(v: unknown, max = 512): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;
}

/** One template of Meta's answer as a row, or undefined when it lacks what names it. */
export function toRecord(raw: unknown): TemplateRecord | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const t = raw as GraphMessageTemplate & Record<string, unknown>;
  const id = typeof t.id === 'number' ? String(t.id) : str(t.id, 64);
  const name = str(t.name);
  const language = str(t.language, 32);
  if (id === undefined || name === undefined || language === undefined) return undefined;
  const quality = str((t.quality_score as { score?: unknown } | undefined)?.score, 32) ?? null;
  const rejected = str(t.rejected_reason);
  return {
    meta_id: id,
    name,
    language,
    status: (str(t.status, 64) ?? 'UNKNOWN').toUpperCase(),
    category: (str(t.category, 64) ?? 'UNKNOWN').toUpperCase(),
    // Meta's default is POSITIONAL: a template without the field was created positional.
    parameter_format: str(t.parameter_format)?.toUpperCase() === 'NAMED' ? 'NAMED' : 'POSITIONAL',
    components: JSON.stringify(Array.isArray(t.components) ? t.components : []),
    quality,
    // Meta says "NONE" for a template that was not rejected.
    rejected_reason: rejected === undefined || rejected === 'NONE' ? null : rejected,
  };
}

/**
 * The cursor of the next page, when Meta says one follows (`next`): `cursors.after`, else the
 * `after` of the `next` URL (read, never requested). A next page without either fails the sync:
 * stopping there would delete every template on the pages not read.
 */
function nextCursor(paging: unknown): string | undefined {
  if (typeof paging !== 'object' || paging === null) return undefined;
  const p = paging as GraphPaging;
  if (typeof p.next !== 'string') return undefined;
  const after = str(p.cursors?.after, 4096);
  if (after !== undefined) return after;
  let fromUrl: string | null = null;
  try {
    fromUrl = new URL(p.next).searchParams.get('after');
  } catch {
    // not a URL: no cursor in it
  }
  const cursor = str(fromUrl, 4096);
  if (cursor === undefined) throw new MetaApiError('Meta said more templates follow but gave no cursor to read them');
  return cursor;
}

/** A Graph failure of a sync, as the error the CLI and the logs show. */
export function syncError(err: unknown): AppError | undefined {
  if (!(err instanceof MetaCallError)) return undefined;
  const f = err.failure;
  if (f.kind === 'graph' && f.class === 'throttled')
    return new MetaRateLimited(`Meta is throttling template reads (code ${f.error.code}): ${f.error.message}`);
  if (f.kind === 'graph')
    return new MetaApiError(`Meta refused the template list (code ${f.error.code}): ${f.error.message}`);
  if (f.kind === 'http') return new MetaApiError(`Meta answered HTTP ${f.httpStatus} to the template list`);
  return new MetaUnavailable(`Meta could not be reached for the template list: ${f.cause}`);
}

/** Every page of the account's templates, in Meta's order. */
export async function fetchTemplates(
  deps: Pick<SyncDeps, 'meta' | 'limits'>,
  wabaId: string,
  token: string,
): Promise<{ records: TemplateRecord[]; pages: number }> {
  const limits = deps.limits ?? DEFAULT_SYNC_LIMITS;
  const byKey = new Map<string, TemplateRecord>();
  const seen = new Set<string>();
  let after: string | undefined;
  for (let pages = 1; pages <= limits.maxPages; pages++) {
    let page;
    try {
      page = await deps.meta.getMessageTemplates(wabaId, token, {
        fields: TEMPLATE_FIELDS,
        limit: limits.pageSize,
        ...(after !== undefined ? { after } : {}),
      });
    } catch (err) {
      throw syncError(err) ?? err;
    }
    for (const raw of page.data) {
      const record = toRecord(raw);
      if (record) byKey.set(`${record.name}\u0000${record.language}`, record);
    }
    after = nextCursor(page.paging);
    if (after === undefined) return { records: [...byKey.values()], pages };
    // A cursor Meta gave before would page around in a circle.
    if (seen.has(after)) throw new MetaApiError('Meta returned the same template page cursor twice');
    seen.add(after);
  }
  throw new MetaApiError(
    `WhatsApp Business Account ${wabaId} has more than ${limits.maxPages} pages of templates; nothing was synced`,
  );
}

/** Checks what a sync needs before anything is asked of Meta. */
export function syncCredentials(
  org: OrganizationRow,
  decryptToken: SyncDeps['decryptToken'],
): { wabaId: string; token: string } {
  const missing: string[] = [];
  if (!org.meta_waba_id) missing.push('meta_waba_id');
  if (!org.whatsapp_bearer_token) missing.push('whatsapp_bearer_token');
  const token = missing.length === 0 ? decryptToken(org) : undefined;
  if (org.meta_waba_id === null || token === undefined) throw new MetaNotConfigured(missing);
  return { wabaId: org.meta_waba_id, token };
}

/** One whole sync of `org`: read every page, then replace its catalogue in one transaction. */
export async function syncOrganization(deps: SyncDeps, org: OrganizationRow): Promise<TemplateSyncResult> {
  const { wabaId, token } = syncCredentials(org, (o) => deps.decryptToken(o));
  const startedAt = nowIso();
  const { records, pages } = await fetchTemplates(deps, wabaId, token);
  const syncedAt = nowIso();
  const { removed } = await deps.store.replace({
    organizationId: org.id,
    wabaId,
    records,
    syncedAt,
    requestedBefore: startedAt,
  });
  return { organizationId: org.id, wabaId, stored: records.length, removed, pages, syncedAt };
}
