// @ts-check
// The page's requests to /inbox/api: JSON in and out, the session's CSRF token on every change,
// and the API's error shape ({error, message}) turned into an ApiError a screen can show.

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} error
   * @param {string} message
   */
  constructor(status, error, message) {
    super(message);
    this.status = status;
    this.error = error;
  }
}

/** @type {{ csrf: string, onSignedOut: () => void }} */
export const session = { csrf: '', onSignedOut: () => {} };

/**
 * @param {string} method
 * @param {string} path under /inbox/api
 * @param {{ json?: unknown, form?: FormData, query?: Record<string, string | undefined> }} [opts]
 * @returns {Promise<any>}
 */
export async function call(method, path, opts = {}) {
  const url = new URL(`/inbox/api${path}`, location.origin);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, v);
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = session.csrf;
  /** @type {BodyInit | undefined} */
  let body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) body = opts.form;
  const res = await fetch(url, { method, headers, body, credentials: 'same-origin' });
  if (res.status === 204) return null;
  const answer = await res.json().catch(() => null);
  if (res.ok) return answer;
  const error = answer && typeof answer.error === 'string' ? answer.error : `HTTP ${res.status}`;
  const message = answer && typeof answer.message === 'string' ? answer.message : 'The gateway did not answer';
  // A session that ended (signed out elsewhere, expired, agent disabled) sends the page back to sign-in.
  if (res.status === 401 && path !== '/sign-in' && path !== '/me') session.onSignedOut();
  throw new ApiError(res.status, error, message);
}

export const get = (/** @type {string} */ path, /** @type {Record<string, string | undefined>} */ query = {}) =>
  call('GET', path, { query });
export const post = (/** @type {string} */ path, /** @type {unknown} */ json) => call('POST', path, { json });
