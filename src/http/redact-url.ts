// Secrets that travel in query strings must not reach the logs: a signed media URL's `sig` (the URL
// lives a year, so anyone reading the logs could fetch the media) and the verify token of Meta's
// webhook handshake (`hub.verify_token`, sent again each time the callback is saved). Every logged
// URL goes through here. Query names are case-sensitive and the routes read exactly these names.
const SECRET_PARAMS = /([?&](?:sig|hub\.verify_token)=)[^&#]*/g;

export function redactUrl(url: string): string {
  // Most URLs carry neither: substring searches instead of a regular expression for them.
  return url.includes('sig=') || url.includes('verify_token=') ? url.replace(SECRET_PARAMS, '$1[redacted]') : url;
}
