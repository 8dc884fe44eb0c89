// The random secrets the inbox hands out (session cookies, set-password links) and what is kept
// of them: only their SHA-256, so a copy of the database holds nothing that signs anyone in.
import { createHmac, randomBytes } from 'node:crypto';
import { sha256Hex } from '../lib/crypto.js';

/** 256 random bits, URL- and cookie-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return sha256Hex(token);
}

/**
 * The CSRF token of a session: an HMAC keyed by the session's own token, so it is bound to the
 * session, changes with it, needs no storage, and cannot be made by a page that cannot read the
 * (HttpOnly) cookie.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('flowiq inbox csrf').digest('base64url');
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Whether a value has the shape newToken() makes: anything else is refused before a lookup. */
export function isToken(s: string): boolean {
  return TOKEN.test(s);
}
