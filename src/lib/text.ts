// One rule for "nothing was given", shared by validation (a required text that is blank), the send
// rules and the Graph payload (an optional text that is blank is left out, never sent as "").

// Spaces and characters that show nothing: zero-width space and joiners, word joiner, BOM, soft
// hyphen, variation selectors, Hangul fillers (Unicode's Default_Ignorable_Code_Point).
const BLANK = /^[\s\p{Default_Ignorable_Code_Point}]*$/u;

/** True when `s` would show nothing: only whitespace and invisible characters. */
export function isBlank(s: string): boolean {
  return BLANK.test(s);
}

/** True when `s` is present and shows something. */
export function isGiven(s: string | undefined): s is string {
  return s !== undefined && !isBlank(s);
}
