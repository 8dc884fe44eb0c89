// The send path: the API contract's checks in order, then record → (media) → Meta → record.
// Checks 1–2 (key, organization) are the auth hook's; 3–4 are assertMetaConfigured, run before the
// body is validated (5); this service does 5's cross-field rules, 6 (the contact) and 7 (the send).
import type { ContactService } from '../contacts/service.js';
import { toGraphRecipient } from '../contacts/phone.js';
import {
  AppError,
  ContactNotFound,
  InvalidProvider,
  MetaApiError,
  MetaNotConfigured,
  MetaRateLimited,
  MetaUnavailable,
  MetaUploadFailed,
} from '../errors.js';
import type { MediaKind, MediaService, IngestedMedia } from '../media/service.js';
import { MetaCallError, type MetaClient, type MetaFailure, type SentMessage } from '../meta/client.js';
import { publicMetaError } from '../meta/graph-errors.js';
import { buildGraphPayload, type PayloadOptions } from './to-graph/index.js';
import type { OrganizationRow } from '../organizations/store.js';
import { checkMessageRules } from './rules.js';
import type { SendRequest } from './schema.js';
import type { OutcomeWriter } from './settle.js';
import type { FailureDetails, MessageStore } from '../conversations/store.js';
import { OUTSIDE_WINDOW_CODE, outsideWindow, outsideWindowByMeta, type SendWindows } from '../conversations/window.js';
import type { GraphTemplateComponent } from '../meta/graph-types.js';
import { isTemplateError, templateRefusal, type TemplateChecks } from './template-send.js';
import { templateHeaderMedia } from './to-graph/template.js';
import type { ChangeBus } from '../live/bus.js';
import type { ChangeKind } from '../live/change.js';

/** A sent message: the fields of the API contract's success `data`, Meta's answer as it arrived. */
export interface SendOutcome {
  message_id: string;
  recipient: string;
  message_type: string;
  organization: string;
  /** Meta's response body exactly as received: the answer's `data.meta_response`. */
  metaResponseText: string;
  /** A template, or a free-form message (which Meta delivers only inside the 24-hour window). */
  kind: 'free_form' | 'template';
  /** Free-form: when the thread's window closes, as known at the send; null when not known. */
  windowEndsAt: string | null;
}

export interface SendDeps {
  contacts: ContactService;
  messages: MessageStore;
  /** Writes each row's outcome once Meta has answered, retrying until it lands (settle.ts). */
  outcomes: OutcomeWriter;
  meta: MetaClient;
  media: MediaService;
  /** Template sends checked against the organizations' catalogues (template-send.ts). */
  templates: TemplateChecks;
  /** The 24-hour windows of the threads (conversations/window.ts). */
  windows: SendWindows;
  decryptToken(org: OrganizationRow): string | undefined;
  /** The inbox's change hints, published once each write has committed (src/live/). */
  live?: Pick<ChangeBus, 'publish'>;
}

/** The pending row a send writes, and what its change hints name. */
interface SendRow {
  id: string;
  sessionId: string;
  organizationId: string;
}

/** Checks 3 and 4 of the API contract: the provider, then the Meta credentials. */
export function assertMetaConfigured(org: OrganizationRow): void {
  if (org.whatsapp_provider_choice !== 'meta') throw new InvalidProvider(org.whatsapp_provider_choice);
  const missing: string[] = [];
  if (!org.meta_phone_id) missing.push('meta_phone_id');
  if (!org.whatsapp_bearer_token) missing.push('whatsapp_bearer_token');
  if (missing.length > 0) throw new MetaNotConfigured(missing);
}

/** Throttling answers 429 with a Retry-After: Meta's own, else one suited to the limit hit. */
function retryAfterFor(code: number, given: number | undefined): number {
  if (given !== undefined) return Math.max(1, Math.ceil(given));
  if (code === 131056) return 6; // pair limit: one message every 6 s to the same user (docs/META.md §4)
  if (code === 130429) return 1;
  return 60; // app / WABA call-rate limits (4, 80007)
}

/** The client's answer and the row's final state for a failed Graph call. */
export function failureOutcome(f: MetaFailure): {
  error: AppError;
  rowStatus: 'failed' | 'unknown';
  details: FailureDetails;
} {
  if (f.kind === 'graph') {
    const meta_error = publicMetaError(f.error);
    const details: FailureDetails = {
      code: String(f.error.code),
      message: f.error.message,
      details: { ...meta_error, http_status: f.httpStatus },
    };
    if (f.class === 'throttled') {
      const seconds = retryAfterFor(f.error.code, f.retryAfterSeconds);
      return {
        rowStatus: 'failed',
        details,
        error: new MetaRateLimited(`Meta is throttling this sender (code ${f.error.code}); retry after ${seconds} s`, {
          extra: { meta_error },
          headers: { 'retry-after': String(seconds) },
        }),
      };
    }
    return { rowStatus: 'failed', details, error: new MetaApiError(f.error.message, { extra: { meta_error } }) };
  }
  if (f.kind === 'http') {
    return {
      rowStatus: 'failed',
      details: { code: `http_${f.httpStatus}`, message: `Graph answered HTTP ${f.httpStatus}`, details: null },
      error: new MetaApiError(`Meta answered HTTP ${f.httpStatus}`, {
        extra: { meta_error: { http_status: f.httpStatus } },
      }),
    };
  }
  if (f.kind === 'not_sent') {
    return {
      rowStatus: 'failed',
      details: { code: 'unreachable', message: f.cause, details: null },
      error: new MetaUnavailable('Meta API could not be reached; the message was not sent'),
    };
  }
  return {
    rowStatus: 'unknown',
    // Only a media download can be too large (meta/client.ts): described, should a send ever see it.
    details: { code: 'no_answer', message: 'cause' in f ? f.cause : MetaCallError.describe(f), details: null },
    error: new MetaUnavailable(
      'Meta did not answer in time; the message may have been sent. It will not be resent automatically.',
    ),
  };
}

/** The client's answer for a failed upload: Meta's error when it gave one. */
function uploadFailure(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (!(err instanceof MetaCallError)) return new MetaApiError('Media upload to Meta failed');
  const f = err.failure;
  if (f.kind === 'graph') return new MetaUploadFailed({ extra: { meta_error: publicMetaError(f.error) } });
  if (f.kind === 'http') return new MetaUploadFailed({ extra: { meta_error: { http_status: f.httpStatus } } });
  return new MetaUploadFailed({ cause: err });
}

interface MediaSource {
  url: string;
  kind: MediaKind;
  filename?: string;
}

function mediaSource(
  req: SendRequest,
  template: readonly GraphTemplateComponent[] | undefined,
): MediaSource | undefined {
  if (template !== undefined) return templateHeaderMedia(template);
  switch (req.message_type) {
    case 'image':
    case 'video':
    case 'audio':
      return { url: req.media_url, kind: req.message_type };
    case 'document':
      return {
        url: req.media_url,
        kind: 'document',
        ...(req.filename !== undefined ? { filename: req.filename } : {}),
      };
    case 'interactive': {
      const hm = req.interactive.type === 'button' ? req.interactive.header_media : undefined;
      if (!hm) return undefined;
      return { url: hm.url, kind: hm.type, ...(hm.filename !== undefined ? { filename: hm.filename } : {}) };
    }
    default:
      return undefined;
  }
}

interface Sender {
  phoneId: string;
  token: string;
}

/** What an answer to a failed send needs to know of it. */
interface SendAbout {
  org: OrganizationRow;
  req: SendRequest;
  contactId: string;
}

export class SendService {
  constructor(private readonly deps: SendDeps) {}

  async send(
    org: OrganizationRow,
    req: SendRequest,
    requestId: string,
    hangUp?: () => AbortSignal,
  ): Promise<SendOutcome> {
    const recipient = checkMessageRules(req);
    const found = this.deps.contacts.findByNumber(org.id, recipient);
    const contact = found instanceof Promise ? await found : found;
    if (!contact) throw new ContactNotFound(recipient);
    const sender: Sender = { phoneId: org.meta_phone_id!, token: this.deps.decryptToken(org)! };

    // A template is checked against the catalogue; any other message against the 24-hour window.
    let template: GraphTemplateComponent[] | undefined;
    let windowEndsAt: string | null = null;
    if (req.message_type === 'template') {
      const checked = this.deps.templates.check(org.id, req);
      template = checked instanceof Promise ? await checked : checked;
    } else {
      const read = this.deps.windows.read(org, contact.id);
      const window = read instanceof Promise ? await read : read;
      if (!window.open && this.deps.windows.checks(org)) throw outsideWindow(window);
      windowEndsAt = window.endsAt;
    }

    // No await when there is no media: a text message skips the promise and its microtask turn.
    const source = mediaSource(req, template);
    const media = source === undefined ? undefined : await this.ingest(org, source, hangUp?.());
    let row: SendRow;
    try {
      const created = await this.deps.messages.createPending({
        organizationId: org.id,
        contactId: contact.id,
        messageType: req.message_type,
        content: req,
        mediaUrl: media?.key ?? null, // the storage key: a signed URL is made on read
        requestId,
        windowEndsAt,
      });
      row = { ...created, organizationId: org.id };
    } catch (err) {
      await media?.discard();
      throw err;
    }
    this.changed(row, 'message');
    const mediaId = media ? await this.upload(sender, media, row) : undefined;
    const options: PayloadOptions = { to: toGraphRecipient(recipient) };
    if (mediaId !== undefined) options.mediaId = mediaId;
    if (media) options.filename = media.filename;
    if (template) options.templateComponents = template;
    const payload = buildGraphPayload(req, options);
    const sent = await this.deliver(sender, payload, row, { org, req, contactId: contact.id });
    await this.deps.outcomes.settle(() => this.changedAfter(this.deps.messages.markSent(row.id, sent.wamid), row), {
      messageId: row.id,
      wamid: sent.wamid,
      status: 'sent',
    });
    return {
      message_id: sent.wamid,
      recipient,
      message_type: req.message_type,
      organization: org.name,
      metaResponseText: sent.text,
      kind: template ? 'template' : 'free_form',
      windowEndsAt,
    };
  }

  /** Steps 1–3 of the API contract's Media Upload Flow: download, check, store. */
  private async ingest(
    org: OrganizationRow,
    source: MediaSource,
    signal: AbortSignal | undefined,
  ): Promise<IngestedMedia> {
    return this.deps.media.ingest({ organizationId: org.id, ...source, ...(signal ? { signal } : {}) });
  }

  /** A hint for the inbox's open pages; called only once the write it names has committed. */
  private changed(row: SendRow, kind: ChangeKind): void {
    this.deps.live?.publish([
      { organization_id: row.organizationId, conversation_id: row.sessionId, kind, message_id: row.id },
    ]);
  }

  /** `write`, then the row's status hint: a settle attempt that fails publishes nothing. */
  private async changedAfter(write: Promise<void>, row: SendRow): Promise<void> {
    await write;
    this.changed(row, 'status');
  }

  /** Step 4: upload to Meta. On failure nothing stays stored and the row is failed without its URL. */
  private async upload(sender: Sender, media: IngestedMedia, row: SendRow): Promise<string> {
    const rowId = row.id;
    try {
      const id = await this.deps.meta.uploadMedia(sender.phoneId, sender.token, {
        path: media.filePath,
        mimeType: media.mimeType,
        filename: media.filename,
      });
      await media.release();
      return id;
    } catch (err) {
      await media.discard();
      const e = uploadFailure(err);
      await this.deps.outcomes.settle(
        () =>
          this.changedAfter(
            this.deps.messages.markFailed(
              rowId,
              'failed',
              { code: 'meta_upload_failed', message: e.message, details: e.extra },
              true,
            ),
            row,
          ),
        { messageId: rowId, status: 'failed' },
      );
      throw e;
    }
  }

  /** The Graph call; a failure becomes the row's final state and the client's answer. */
  private async deliver(sender: Sender, payload: unknown, row: SendRow, about: SendAbout): Promise<SentMessage> {
    const rowId = row.id;
    const startedAt = new Date().toISOString();
    try {
      return await this.deps.meta.sendMessage(sender.phoneId, sender.token, payload);
    } catch (err) {
      if (!(err instanceof MetaCallError)) throw err;
      const outcome = failureOutcome(err.failure);
      const write = () =>
        this.changedAfter(this.deps.messages.markFailed(rowId, outcome.rowStatus, outcome.details), row);
      await this.deps.outcomes.settle(write, {
        messageId: rowId,
        status: outcome.rowStatus,
      });
      throw await this.answerFor(err.failure, outcome.error, about, startedAt);
    }
  }

  /** Meta's window and template refusals in our words (and what they teach us); else `error`. */
  private async answerFor(f: MetaFailure, error: AppError, about: SendAbout, startedAt: string): Promise<AppError> {
    if (f.kind !== 'graph') return error;
    if (f.error.code === OUTSIDE_WINDOW_CODE) {
      await this.deps.windows.markClosed(about.org.id, about.contactId, startedAt).catch(() => undefined);
      return outsideWindowByMeta(publicMetaError(f.error));
    }
    if (about.req.message_type === 'template' && isTemplateError(f.error.code)) {
      this.deps.templates.resync(about.org.id);
      return templateRefusal(about.req, f.error);
    }
    return error;
  }
}
