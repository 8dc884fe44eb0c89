import { expectObject, onlyKeys, optionalBoolean, requiredString } from './check.js';

const TEXT_KEYS = new Set(['body', 'preview_url']);

/** Meta: body required, at most 4096 characters; preview_url a boolean (docs/META.md §1). */
export function validateText(v: unknown): void {
  const text = expectObject(v, 'text');
  onlyKeys(text, TEXT_KEYS, 'text');
  requiredString(text, 'body', 'text', 4096);
  optionalBoolean(text, 'preview_url', 'text');
}
