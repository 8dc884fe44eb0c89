// Signed media URLs live a year: their signature must not reach the logs, where anyone who reads
// them could fetch the media. Every logged URL goes through here.
// Query names are case-sensitive and the media route reads `sig` only, so only `sig` is a signature.
const SIG = /([?&]sig=)[^&#]*/g;

export function redactUrl(url: string): string {
  // Most URLs carry no signature: one substring search instead of a regular expression for them.
  return url.includes('sig=') ? url.replace(SIG, '$1[redacted]') : url;
}
