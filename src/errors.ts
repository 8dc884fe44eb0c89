// One class per failure the API document names, each knowing its status, `error` string and message.
// The HTTP error handler (src/http/error-handler.ts) is the only place that turns them into responses.

/**
 * A client's value as an error message may quote it: at most `max` characters, with an ellipsis
 * when cut. Auth runs before the schema, so a tenantId here may be any length.
 */
export function echo(value: string, max = 64): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

export type ErrorExtra = Record<string, unknown>;

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly error: string;
  /** Fields added to the body beside error and message (e.g. whatsapp_id). */
  readonly extra: ErrorExtra;
  readonly headers: Record<string, string>;

  constructor(message: string, opts: { extra?: ErrorExtra; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.extra = opts.extra ?? {};
    this.headers = opts.headers ?? {};
  }
}

export class InvalidApiKey extends AppError {
  readonly status = 401;
  readonly error = 'Invalid API key';
}

export class OrganizationNotFound extends AppError {
  readonly status = 404;
  readonly error = 'Organization not found';
  constructor(slug: string) {
    super(`No organization exists with tenantId ${JSON.stringify(echo(slug))}`);
  }
}

export class InvalidProvider extends AppError {
  readonly status = 400;
  readonly error = 'Invalid provider';
  constructor(current: string) {
    super(`Organization must use Meta WhatsApp provider. Current: ${current}`);
  }
}

export class MetaNotConfigured extends AppError {
  readonly status = 400;
  readonly error = 'Meta credentials not configured';
  constructor(missing: string[]) {
    super(
      `Organization is missing ${missing.join(' and ')}. Set ${missing.length > 1 ? 'them' : 'it'} with 'flowiq org update'.`,
    );
  }
}

export class MissingField extends AppError {
  readonly status = 400;
  readonly error = 'Missing required field';
}

export class InvalidField extends AppError {
  readonly status = 400;
  readonly error = 'Invalid field';
}

export class InvalidMessageType extends AppError {
  readonly status = 400;
  readonly error = 'Invalid message type';
}

/** A body sent as something other than JSON to a JSON route. */
export class UnsupportedContentType extends AppError {
  readonly status = 415;
  readonly error = 'Unsupported content type';
}

export class InvalidRequest extends AppError {
  readonly status = 400;
  readonly error = 'Invalid request';
}

export class ContactNotFound extends AppError {
  readonly status = 404;
  readonly error = 'Contact not found';
  constructor(whatsappId: string) {
    super(
      `No contact exists with WhatsApp number ${whatsappId}. Please create the contact first using the /api/contact endpoint.`,
      { extra: { whatsapp_id: whatsappId } },
    );
  }
}

/** The inbox: a contact known only by WhatsApp user id, whom the send route cannot address by number. */
export class ContactNotReachable extends AppError {
  readonly status = 422;
  readonly error = 'Contact not reachable';
  constructor() {
    super('This contact is known only by a WhatsApp user id, without a phone number: the gateway cannot message them');
  }
}

export class ContactExists extends AppError {
  readonly status = 409;
  readonly error = 'Contact already exists';
  constructor(whatsappId: string, contactId: string) {
    super(`A contact with WhatsApp number ${whatsappId} already exists`, {
      extra: { contact_id: contactId, whatsapp_id: whatsappId },
    });
  }
}

export class EndpointNotFound extends AppError {
  readonly status = 404;
  readonly error = 'Webhook endpoint not found';
  constructor(id: string) {
    // The same answer whether the id exists in another organization or nowhere.
    super(`No webhook endpoint exists with id ${JSON.stringify(echo(id))} in this organization`);
  }
}

export class NotFound extends AppError {
  readonly status = 404;
  readonly error = 'Not found';
}

export class TemplateNotFound extends AppError {
  readonly status = 404;
  readonly error = 'Template not found';
  constructor(name: string, language: string, otherLanguages: readonly string[]) {
    super(
      `No template ${JSON.stringify(name)} exists in ${language} in this organization's WhatsApp Business Account` +
        (otherLanguages.length > 0 ? ` (it exists in ${otherLanguages.join(', ')})` : '') +
        '. GET /api/templates lists the templates and the parameters each expects.',
    );
  }
}

/** A template that exists but may not be sent: paused, disabled, pending, rejected… (Meta: only APPROVED). */
export class TemplateNotApproved extends AppError {
  readonly status = 409;
  readonly error = 'Template not approved';
}

/** A template send whose parameters do not fit the template: every mismatch, named by component. */
export class TemplateMismatch extends AppError {
  readonly status = 400;
  readonly error = 'Template parameters do not match';
}

/** Meta refused a template send (132xxx): the catalogue was out of date; it is being synced again. */
export class TemplateRefusedByMeta extends AppError {
  readonly error = 'Template refused by Meta';
  constructor(
    readonly status: number,
    message: string,
    extra: ErrorExtra,
  ) {
    super(message, { extra });
  }
}

/** A free-form send outside the 24-hour customer service window: only a template may be sent. */
export class OutsideWindow extends AppError {
  readonly status = 409;
  readonly error = 'Outside the customer service window';
}

export class MetaApiError extends AppError {
  readonly status = 502;
  readonly error = 'Meta API error';
}

export class MetaRateLimited extends AppError {
  readonly status = 429;
  readonly error = 'Rate limited by Meta';
}

export class MetaUnavailable extends AppError {
  readonly status = 504;
  readonly error = 'Meta API unavailable';
}

export class MetaUploadFailed extends AppError {
  readonly status = 500;
  readonly error = 'Meta upload failed';
  constructor(opts: { extra?: ErrorExtra; cause?: unknown } = {}) {
    super('Failed to upload media to Meta', opts);
  }
}

export class MediaDownloadFailed extends AppError {
  readonly status = 400;
  readonly error = 'Media download failed';
}

export class UnsupportedMediaType extends AppError {
  readonly status = 400;
  readonly error = 'Unsupported media type';
}

export class Forbidden extends AppError {
  readonly status = 403;
  readonly error = 'Forbidden';
}

/** A Meta webhook POST whose X-Hub-Signature-256 is missing or does not verify. */
export class InvalidSignature extends AppError {
  readonly status = 401;
  readonly error = 'Invalid signature';
}

export class PayloadTooLarge extends AppError {
  readonly status = 413;
  readonly error = 'Payload too large';
}

export class HeaderTooLarge extends AppError {
  readonly status = 431;
  readonly error = 'Request header too large';
}

export class RequestTimeout extends AppError {
  readonly status = 408;
  readonly error = 'Request timeout';
}

export class TooManyRequests extends AppError {
  readonly status = 429;
  readonly error = 'Too many requests';
}

export class IdempotencyKeyReuse extends AppError {
  readonly status = 422;
  readonly error = 'Idempotency key reuse';
  constructor() {
    super('This Idempotency-Key was already used with a different request body');
  }
}

export class RequestInProgress extends AppError {
  readonly status = 409;
  readonly error = 'Request in progress';
  constructor() {
    super(
      'A request with this Idempotency-Key is still being processed; retry shortly. If this answer persists, that request stopped before its outcome was recorded and its message may have been sent: do not resend it under a new key; an operator can check it with `flowiq messages pending` and settle it with `flowiq messages resolve`.',
      { headers: { 'retry-after': '1' } },
    );
  }
}

export class ServiceUnavailable extends AppError {
  readonly status = 503;
  readonly error = 'Service unavailable';
  constructor(
    message = 'The service is temporarily unavailable; retry shortly',
    retryAfterSeconds = 2,
    cause?: unknown,
  ) {
    super(message, { headers: { 'retry-after': String(retryAfterSeconds) }, cause });
  }
}

export class InternalError extends AppError {
  readonly status = 500;
  readonly error = 'Internal server error';
  constructor(cause?: unknown) {
    super('An unexpected error occurred', { cause });
  }
}

// The inbox's agents (src/agents/).

/** Sign-in refused: the same answer for an unknown organization, email, a wrong password or a disabled agent. */
export class InvalidCredentials extends AppError {
  readonly status = 401;
  readonly error = 'Invalid credentials';
  constructor() {
    super('The organization, email or password is wrong');
  }
}

/** No valid session cookie: never signed in, signed out, expired, or the agent was disabled. */
export class NotSignedIn extends AppError {
  readonly status = 401;
  readonly error = 'Not signed in';
  constructor() {
    super('Sign in to the inbox first: no valid session');
  }
}

/** A state-changing inbox request without the session's CSRF token, or sent from another site. */
export class CsrfRefused extends AppError {
  readonly status = 403;
  readonly error = 'CSRF check failed';
}

/** A set-password link that does not exist, was already used, was replaced, or expired. */
export class InvalidPasswordLink extends AppError {
  readonly status = 400;
  readonly error = 'Invalid set-password link';
  constructor() {
    super('This set-password link is invalid, used or expired; ask an administrator for a new one');
  }
}
