// Inbound media in the background (docs/META.md §6): for each message written with media pending,
// GET /{media-id} with the organization's token (the answer's URL lives 5 minutes), download it
// with the same token within the size limit, check the bytes against every SHA-256 Meta gave (the
// webhook's and the lookup's), store them as outbound media are stored (media/ingest-file.ts) and
// put the storage key (never a signed URL) on the row, media_status 'stored'. The message is
// visible from the start with its media pending; nothing here holds up Meta's acknowledgement.
//
// A failure is written on the row (error_code, error_message, error_details) and tried again after
// an exponential delay with jitter, while Meta keeps the media id (7 days after the message); then,
// or at once for what another try cannot change (too large, an id Meta does not know), the row is
// media_status 'failed' for good. The delays are computed here rather than with exponential-backoff,
// which retries inside one call: these wait in the database (media_next_at), across restarts.
import { retryDelayMs } from '../lib/backoff.js';
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { nowIso } from '../db/ids.js';
import { storeDownloadedFile } from '../media/ingest-file.js';
import { INBOUND_MAX_BYTES, type InboundMediaKind } from '../media/sniff.js';
import type { MediaStorage } from '../media/storage/types.js';
import { MediaTooLarge, MetaCallError, type MetaClient } from '../meta/client.js';
import type { OrganizationService } from '../organizations/service.js';
import type { OrganizationStore } from '../organizations/store.js';
import {
  claimDueMedia,
  recordMediaFailure,
  recordMediaStored,
  type ClaimedMedia,
  type MediaFailureRecord,
} from './media-rows.js';

export interface MediaCredentials {
  token: string;
  phoneNumberId: string;
}

export interface InboundMediaOptions {
  db: Db;
  meta: Pick<MetaClient, 'getMedia' | 'downloadMedia'>;
  credentials(organizationId: string): Promise<MediaCredentials | undefined>;
  storage: MediaStorage;
  tmpDir: string;
  log: Pick<Logger, 'warn' | 'error'>;
  downloadTimeoutMs: number;
  /** Downloads at once per instance. */
  concurrency?: number;
  /** The first retry's delay; each next one doubles, up to maxRetryMs. */
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** How long Meta keeps an inbound media id: 7 days. */
  lifetimeMs?: number;
  /** How long a claim holds a row before another instance may take it. */
  leaseMs?: number;
  now?: () => number;
  random?: () => number;
}

export const MEDIA_ID_LIFETIME_MS = 7 * 24 * 3600 * 1000;
/** A mismatch may be bytes damaged on the way: tried this many times, then failed for good. */
export const MAX_SHA256_MISMATCHES = 3;

const KINDS = new Set<string>(['image', 'video', 'audio', 'document', 'sticker']);

interface MediaRef {
  kind: InboundMediaKind;
  id: string;
  mimeType: string | undefined;
  sha256: string | undefined;
}

type Outcome = { ok: true; key: string } | ({ ok: false } & Omit<MediaFailureRecord, 'nextAt'>);

/** The organization's token and phone number id, as the send path decrypts them. */
export function organizationCredentials(
  store: Pick<OrganizationStore, 'findById'>,
  organizations: Pick<OrganizationService, 'decryptToken'>,
): (organizationId: string) => Promise<MediaCredentials | undefined> {
  return async (id) => {
    const row = await store.findById(id);
    if (row === undefined || row.meta_phone_id === null) return undefined;
    const token = organizations.decryptToken(row);
    return token === undefined ? undefined : { token, phoneNumberId: row.meta_phone_id };
  };
}

/** A SHA-256 as Meta writes it (base64 in webhooks, hex on the simulator) → hex; undefined if neither. */
export function sha256Hex(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (/^[0-9a-f]{64}$/i.test(value)) return value.toLowerCase();
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const b = Buffer.from(value, 'base64');
    if (b.length === 32) return b.toString('hex');
  }
  return undefined;
}

function mediaRef(content: string): MediaRef | undefined {
  let c: unknown;
  try {
    c = JSON.parse(content);
  } catch {
    return undefined;
  }
  const o = (c ?? {}) as Record<string, unknown>;
  if (typeof o['type'] !== 'string' || !KINDS.has(o['type']) || typeof o['id'] !== 'string') return undefined;
  return {
    kind: o['type'] as InboundMediaKind,
    id: o['id'],
    mimeType: typeof o['mimeType'] === 'string' ? o['mimeType'] : undefined,
    sha256: typeof o['sha256'] === 'string' ? o['sha256'] : undefined,
  };
}

/** What a failed Graph call says, for error_details: no token, no URL, nothing a reader may not see. */
function metaDetails(err: unknown): Record<string, unknown> {
  if (!(err instanceof MetaCallError)) return { error: err instanceof Error ? err.message.slice(0, 200) : 'error' };
  const f = err.failure;
  if (f.kind === 'graph')
    return {
      http_status: f.httpStatus,
      meta_error: {
        code: f.error.code,
        ...(f.error.subcode !== undefined ? { error_subcode: f.error.subcode } : {}),
        message: f.error.message,
        ...(f.error.fbtrace_id !== undefined ? { fbtrace_id: f.error.fbtrace_id } : {}),
      },
    };
  if (f.kind === 'http') return { http_status: f.httpStatus };
  return { transport: f.kind, cause: f.cause.slice(0, 200) };
}

function isGraphCode(err: unknown, code: number, subcode?: number): boolean {
  if (!(err instanceof MetaCallError) || err.failure.kind !== 'graph') return false;
  return err.failure.error.code === code && (subcode === undefined || err.failure.error.subcode === subcode);
}

function isHttpStatus(err: unknown, status: number): boolean {
  return err instanceof MetaCallError && err.failure.kind === 'http' && err.failure.httpStatus === status;
}

export class InboundMediaFetcher {
  readonly #o: InboundMediaOptions;
  #accepting = false;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(opts: InboundMediaOptions) {
    this.#o = opts;
  }

  /** From now on wake() fetches; before it (a CLI command, a test that drives runDue) it does nothing. */
  start(): void {
    this.#accepting = true;
  }

  /** No new runs; resolves when the one in progress has finished. */
  async stop(): Promise<void> {
    this.#accepting = false;
    await this.idle();
  }

  /** Fetches what is due soon, without waiting; the webhook processor calls it after storing media. */
  wake(): void {
    if (!this.#accepting) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.runDue();
      } while (this.#again && this.#accepting);
    })().finally(() => {
      this.#running = undefined;
    });
  }

  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  /** Claims and fetches due rows until none is due; how many were tried. Never throws. */
  async runDue(): Promise<number> {
    const concurrency = this.#o.concurrency ?? 4;
    const leaseMs = this.#o.leaseMs ?? 2 * this.#o.downloadTimeoutMs + 120_000;
    let tried = 0;
    for (;;) {
      let rows: ClaimedMedia[];
      try {
        const now = this.#now();
        rows = await claimDueMedia(
          this.#o.db,
          new Date(now).toISOString(),
          new Date(now + leaseMs).toISOString(),
          concurrency,
        );
      } catch (err) {
        this.#o.log.warn({ err }, 'could not claim inbound media; will retry');
        return tried;
      }
      if (rows.length === 0) return tried;
      tried += rows.length;
      await Promise.all(rows.map((row) => this.#settle(row)));
    }
  }

  async #settle(row: ClaimedMedia): Promise<void> {
    try {
      const outcome = await this.#fetch(row);
      const now = nowIso();
      if (outcome.ok) {
        await recordMediaStored(this.#o.db, row, outcome.key, now);
        return;
      }
      const failure = this.#schedule(row, outcome);
      await recordMediaFailure(this.#o.db, row, failure, now);
      this.#o.log.warn(
        { message: row.id, code: failure.code, attempts: row.media_attempts, final: failure.final },
        failure.final ? 'inbound media failed for good' : 'inbound media not fetched; will retry',
      );
    } catch (err) {
      // The database away: the claim's lease runs out and the row is tried again.
      this.#o.log.error({ err, message: row.id }, 'could not settle inbound media; retried after its lease');
    }
  }

  /** A failure that may be retried: when, unless the media id is gone by then. */
  #schedule(row: ClaimedMedia, f: Omit<MediaFailureRecord, 'nextAt'>): MediaFailureRecord {
    const details = { ...f.details, attempts: row.media_attempts };
    if (f.final) return { ...f, details };
    const next =
      this.#now() +
      retryDelayMs(row.media_attempts, {
        firstMs: this.#o.firstRetryMs ?? 30_000,
        maxMs: this.#o.maxRetryMs ?? 6 * 3600 * 1000,
        ...(this.#o.random ? { random: this.#o.random } : {}),
      });
    const deadline = Date.parse(row.created_at) + (this.#o.lifetimeMs ?? MEDIA_ID_LIFETIME_MS);
    if (next >= deadline)
      return { ...f, final: true, details: { ...details, gave_up: 'Meta keeps an inbound media id 7 days' } };
    const nextAt = new Date(next).toISOString();
    return { ...f, nextAt, details: { ...details, next_attempt_at: nextAt } };
  }

  async #fetch(row: ClaimedMedia): Promise<Outcome> {
    const ref = mediaRef(row.content);
    if (ref === undefined)
      return { ok: false, final: true, code: 'media_invalid', message: 'the message holds no media id', details: {} };
    const deadline = Date.parse(row.created_at) + (this.#o.lifetimeMs ?? MEDIA_ID_LIFETIME_MS);
    if (this.#now() >= deadline)
      return {
        ok: false,
        final: true,
        code: 'media_expired',
        message: 'the media id is older than the 7 days Meta keeps it',
        details: {},
      };
    let creds: MediaCredentials | undefined;
    try {
      creds = await this.#o.credentials(row.organization_id);
    } catch (err) {
      this.#o.log.error({ err, organization: row.organization_id }, 'could not read the organization token');
    }
    if (creds === undefined)
      return {
        ok: false,
        final: false,
        code: 'media_no_credentials',
        message: 'the organization has no usable Meta token or phone number id',
        details: {},
      };
    const maxBytes = INBOUND_MAX_BYTES[ref.kind];
    for (let lookup = 1; ; lookup++) {
      let info: Awaited<ReturnType<MetaClient['getMedia']>>;
      try {
        info = await this.#o.meta.getMedia(ref.id, creds.token, { phoneNumberId: creds.phoneNumberId });
      } catch (err) {
        // 100/33: no such media id for this token (expired, or never this phone's): final.
        const gone = isGraphCode(err, 100, 33);
        return {
          ok: false,
          final: gone,
          code: gone ? 'media_not_found' : 'media_lookup_failed',
          message: `media lookup failed: ${(err as Error).message}`.slice(0, 500),
          details: metaDetails(err),
        };
      }
      if (info.fileSize !== undefined && info.fileSize > maxBytes) return tooLarge(ref.kind, maxBytes, info.fileSize);
      let file: Awaited<ReturnType<MetaClient['downloadMedia']>>;
      try {
        file = await this.#o.meta.downloadMedia(info.url, creds.token, {
          maxBytes,
          tmpDir: this.#o.tmpDir,
          timeoutMs: this.#o.downloadTimeoutMs,
        });
      } catch (err) {
        if (err instanceof MediaTooLarge) return tooLarge(ref.kind, maxBytes, err.declared);
        // A 404 is an expired URL (docs/META.md §6): a fresh one, once, in the same attempt.
        if (isHttpStatus(err, 404) && lookup === 1) continue;
        return {
          ok: false,
          final: false,
          code: 'media_download_failed',
          message: `media download failed: ${(err as Error).message}`.slice(0, 500),
          details: metaDetails(err),
        };
      }
      try {
        return await this.#store(row, ref, info, file);
      } finally {
        await fs.promises.rm(file.filePath, { force: true });
      }
    }
  }

  async #store(
    row: ClaimedMedia,
    ref: MediaRef,
    info: { sha256: string | undefined; mimeType: string | undefined },
    file: { filePath: string; size: number; sha256: string },
  ): Promise<Outcome> {
    for (const [source, given] of [
      ['webhook', ref.sha256],
      ['lookup', info.sha256],
    ] as const) {
      const expected = sha256Hex(given);
      if (expected === undefined || expected === file.sha256) continue;
      return {
        ok: false,
        final: row.media_attempts >= MAX_SHA256_MISMATCHES,
        code: 'media_sha256_mismatch',
        message: `the downloaded bytes do not match the SHA-256 Meta gave in the ${source}`,
        details: { expected_sha256: expected, actual_sha256: file.sha256, size: file.size },
      };
    }
    try {
      const stored = await storeDownloadedFile(this.#o.storage, {
        organizationId: row.organization_id,
        filePath: file.filePath,
        size: file.size,
        sha256: file.sha256,
        ...((info.mimeType ?? ref.mimeType) ? { declaredMimeType: (info.mimeType ?? ref.mimeType)! } : {}),
      });
      return { ok: true, key: stored.key };
    } catch (err) {
      return {
        ok: false,
        final: false,
        code: 'media_storage_failed',
        message: `media could not be stored: ${(err as Error).message}`.slice(0, 500),
        details: {},
      };
    }
  }
}

function tooLarge(kind: InboundMediaKind, maxBytes: number, size: number | undefined): Outcome {
  return {
    ok: false,
    final: true,
    code: 'media_too_large',
    message: `the ${kind} is larger than the ${maxBytes} bytes allowed${size !== undefined ? ` (${size} bytes)` : ''}`,
    details: { max_bytes: maxBytes, ...(size !== undefined ? { size } : {}) },
  };
}
