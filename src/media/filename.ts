// Document file names shown to the recipient: the request's filename, else Content-Disposition's,
// else the URL's last path segment; stripped of paths and control characters, length-capped.

const MAX = 240;

export function sanitizeFilename(name: string): string | undefined {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '').trim();
  if (clean === '' || clean === '.' || clean === '..') return undefined;
  return [...clean].slice(0, MAX).join('');
}

function fromDisposition(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header);
  return plain?.[1];
}

function fromUrl(url: URL): string | undefined {
  const last = url.pathname.split('/').pop();
  if (!last) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

export function chooseFilename(opts: { requested?: string; disposition?: string; url: URL; ext: string }): string {
  for (const candidate of [opts.requested, fromDisposition(opts.disposition), fromUrl(opts.url)]) {
    const clean = candidate === undefined ? undefined : sanitizeFilename(candidate);
    if (clean) return clean;
  }
  return `document.${opts.ext}`;
}
