// @ts-check
// Words and marks for what the API answers in codes: ticks, Meta's failure reasons, times, sizes,
// the 24-hour window.

/** @type {Record<string, { mark: string, label: string }>} */
const TICKS = {
  pending: { mark: '🕓', label: 'Sending' },
  sent: { mark: '✓', label: 'Sent' },
  delivered: { mark: '✓✓', label: 'Delivered' },
  read: { mark: '✓✓', label: 'Read' },
  played: { mark: '✓✓', label: 'Played' },
  failed: { mark: '!', label: 'Failed' },
  unknown: { mark: '?', label: 'Outcome unknown' },
};

/** @param {string} status */
export function tick(status) {
  return TICKS[status] ?? { mark: '', label: status };
}

// Meta's codes an agent meets, in words an agent can act on (Meta's own text follows them).
/** @type {Record<string, string>} */
const REASONS = {
  131047: 'More than 24 hours passed since the customer last wrote: only a template can be sent now.',
  131026: 'WhatsApp could not deliver it: the number may not use WhatsApp, or its app is too old.',
  131049: 'Meta held back this marketing message to keep the customer’s experience healthy.',
  131050: 'The customer has stopped marketing messages from this business.',
  131051: 'WhatsApp does not support this kind of message.',
  131052: 'The customer’s file could not be downloaded from WhatsApp.',
  131053: 'The file could not be uploaded to WhatsApp (type or size not accepted).',
  131000: 'Something went wrong at Meta; sending again may work.',
  130429: 'Too many messages too fast: Meta’s rate limit for this number was reached.',
  131056: 'Too many messages to this customer in a short time.',
  132000: 'The template’s parameters do not match what it expects.',
  132001: 'The template does not exist in this language, or is not approved.',
  368: 'Meta restricted this number for policy reasons.',
  470: 'More than 24 hours passed since the customer last wrote: only a template can be sent now.',
};

/**
 * A failed message's reason: ours in words when we know the code, then Meta's message.
 * @param {{ code: string, message: string | null } | null} error
 */
export function failureReason(error) {
  if (!error) return 'Failed, without a reason from Meta.';
  const ours = REASONS[error.code];
  const theirs = error.message ? `Meta: “${error.message}” (code ${error.code})` : `Meta’s code ${error.code}`;
  return ours ? `${ours} ${theirs}` : theirs;
}

/** @param {string} iso */
export function time(iso) {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString([], { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** @param {number} bytes */
export function size(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(bytes < 10_000 ? 1 : 0)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** @param {{ state: string, open_until: string | null }} window */
export function windowText(window) {
  if (window.state === 'open' && window.open_until) return `Window open until ${time(window.open_until)}`;
  return 'Window closed: template needed';
}

/** @param {{ name: string | null, whatsapp_number: string | null }} contact */
export function contactName(contact) {
  return contact.name ?? (contact.whatsapp_number ? `+${contact.whatsapp_number}` : 'Unknown contact');
}
