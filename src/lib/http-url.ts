// The one rule for an http(s) URL, shared by configuration (PUBLIC_URL, META_GRAPH_URL), the
// schema format `http-url` (media_url) and the media download (each redirect hop).

export type HttpUrlCheck =
  | { ok: true; url: URL }
  | { ok: false; problem: 'invalid' | 'not-http' }
  | { ok: false; problem: 'port'; port: string };

const URL_PORT = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*:(\d+)(?:[/?#]|$)/i;

/**
 * An absolute http or https URL with a host, and no white space (the URL parser would quietly
 * encode or drop it, so the URL fetched would not be the one given).
 */
export function checkHttpUrl(raw: string): HttpUrlCheck {
  if (/\s/.test(raw) || !URL.canParse(raw)) {
    // The parser refuses a port past 65535 without saying why: say it.
    const port = URL_PORT.exec(raw)?.[1];
    if (port !== undefined && Number(port) > 65535) return { ok: false, problem: 'port', port };
    return { ok: false, problem: 'invalid' };
  }
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, problem: 'not-http' };
  if (url.hostname === '') return { ok: false, problem: 'invalid' };
  return { ok: true, url };
}

export function isHttpUrl(raw: string): boolean {
  return checkHttpUrl(raw).ok;
}
