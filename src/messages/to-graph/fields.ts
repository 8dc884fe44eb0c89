import { isGiven } from '../../lib/text.js';

// Optional texts: an empty or blank one is treated as absent, never sent to Meta as "" (Meta refuses
// empty text, and the API contract's clients send "" for "none").

/** `{ [key]: value }` when the value is given, else `{}`: for spreading into a payload. */
export function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (isGiven(value) ? { [key]: value } : {}) as { [P in K]?: string };
}

/** A copy of `o` without its blank strings; undefined when nothing is left. */
export function withoutBlanks<T extends Record<string, string | undefined>>(o: T): Partial<T> | undefined {
  const kept = Object.entries(o).filter(([, v]) => isGiven(v));
  return kept.length === 0 ? undefined : (Object.fromEntries(kept) as Partial<T>);
}
