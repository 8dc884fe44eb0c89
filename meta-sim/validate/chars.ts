// Meta counts characters as people see them: an emoji, a flag or an accented letter is one.
// So lengths are counted in grapheme clusters, not UTF-16 units.
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** True when `s` has more than `limit` user-perceived characters. */
export function exceedsChars(s: string, limit: number): boolean {
  // A string never has more graphemes than UTF-16 units: the common case needs no segmenting.
  if (s.length <= limit) return false;
  let n = 0;
  for (const _segment of graphemes.segment(s)) {
    n += 1;
    if (n > limit) return true;
  }
  return false;
}

export function isSingleGrapheme(s: string): boolean {
  let n = 0;
  for (const _segment of graphemes.segment(s)) {
    n += 1;
    if (n > 1) return false;
  }
  return n === 1;
}

const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;

/** One emoji as Meta's reaction wants it: a single grapheme that is (or contains) an emoji. */
export function isOneEmoji(s: string): boolean {
  return isSingleGrapheme(s) && EMOJI.test(s);
}
