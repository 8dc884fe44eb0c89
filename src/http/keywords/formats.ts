// The formats `http-url` (media_url) and `file-name` (a document's display name).
import { checkHttpUrl, isHttpUrl } from '../../lib/http-url.js';
import type { SchemaKeyword } from './types.js';

export { isHttpUrl };

// eslint-disable-next-line no-control-regex
const UNSAFE_FILENAME = /[/\\\u0000-\u001f\u007f]/;

/** A display name for a file, never a path: no separators, no control characters, not . or .. */
export function isSafeFilename(s: string): boolean {
  return !UNSAFE_FILENAME.test(s) && s !== '.' && s !== '..';
}

/** `format: http-url`: what the media pipeline may download. OpenAPI: uri with an http(s) pattern. */
export const httpUrlFormat: SchemaKeyword = {
  install: (ajv) => ajv.addFormat('http-url', { type: 'string', validate: isHttpUrl }),
  toOpenApi(node, out) {
    if (node['format'] !== 'http-url') return;
    out['format'] = 'uri';
    out['pattern'] ??= '^[Hh][Tt][Tt][Pp][Ss]?://';
  },
};

/** `format: file-name`. OpenAPI shows it as a plain string with its description. */
export const fileNameFormat: SchemaKeyword = {
  install: (ajv) => ajv.addFormat('file-name', { type: 'string', validate: isSafeFilename }),
  toOpenApi: () => undefined,
};

/** What each format means, in the words of an error message. */
export const FORMAT_WORDS: Readonly<Record<string, string>> = {
  'http-url': 'an http or https URL',
  'file-name': 'a file name without path separators or control characters',
  emoji: 'a single emoji, or "" to remove the reaction',
  date: 'a date written YYYY-MM-DD',
};

/** The words for a value that failed `format`, when the value says more than the format does. */
export function formatProblem(format: string, value: unknown): string | undefined {
  if (format !== 'http-url' || typeof value !== 'string') return undefined;
  const check = checkHttpUrl(value);
  return !check.ok && check.problem === 'port'
    ? `is not a valid URL: port ${check.port} is out of range (0 to 65535)`
    : undefined;
}
