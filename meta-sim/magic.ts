// The simulator's own check that a file's first bytes agree with the MIME type it was uploaded as.
// A MIME type that does not match the file is the usual cause of Meta's 131053 (docs/META.md §2).

/** How many leading bytes the checks need (text/plain looks at the most). */
export const HEAD_BYTES = 4096;

function startsWith(head: Buffer, sig: readonly number[], at = 0): boolean {
  if (head.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (head[at + i] !== sig[i]) return false;
  return true;
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

const JPEG = [0xff, 0xd8, 0xff];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]; // doc, xls, ppt
const ZIP = [0x50, 0x4b, 0x03, 0x04]; // docx, xlsx, pptx
const PDF = ascii('%PDF-');
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const FTYP = ascii('ftyp');
const OGGS = ascii('OggS');
const OPUS_HEAD = ascii('OpusHead');
const AMR = ascii('#!AMR');
const ID3 = ascii('ID3');
const ADIF = ascii('ADIF');

/** ISO base media (mp4, m4a, 3gp): a size, then "ftyp" at byte 4. */
function isIsoMedia(head: Buffer): boolean {
  return startsWith(head, FTYP, 4);
}

function is3gpp(head: Buffer): boolean {
  // The major brand (bytes 8–11) of 3GPP files is 3gp4, 3gp5, 3g2a…
  return isIsoMedia(head) && head[8] === 0x33 && head[9] === 0x67;
}

/** AAC in ADTS frames (sync 0xFFF, layer 00) or an ADIF header. */
function isAac(head: Buffer): boolean {
  const b0 = head[0];
  const b1 = head[1];
  if (b0 === 0xff && b1 !== undefined && (b1 & 0xf6) === 0xf0) return true;
  return startsWith(head, ADIF);
}

/** MP3: an ID3 tag, or an MPEG audio frame (sync 11 bits set, layer not 00). */
function isMpegAudio(head: Buffer): boolean {
  if (startsWith(head, ID3)) return true;
  const b0 = head[0];
  const b1 = head[1];
  return b0 === 0xff && b1 !== undefined && (b1 & 0xe0) === 0xe0 && ((b1 >> 1) & 0x03) !== 0;
}

/** Meta: ogg audio must be OPUS; its first page carries "OpusHead" right after the 28-byte page header. */
function isOggOpus(head: Buffer): boolean {
  return startsWith(head, OGGS) && startsWith(head, OPUS_HEAD, 28);
}

function isWebp(head: Buffer): boolean {
  return startsWith(head, RIFF) && startsWith(head, WEBP, 8);
}

/** Plain text has no control bytes other than tab, line breaks, form feed and escape. */
function isPlainText(head: Buffer): boolean {
  for (const b of head) {
    if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b) || b === 0x7f) return false;
  }
  return true;
}

const CHECKS: ReadonlyMap<string, (head: Buffer) => boolean> = new Map<string, (head: Buffer) => boolean>([
  ['image/jpeg', (h) => startsWith(h, JPEG)],
  ['image/png', (h) => startsWith(h, PNG)],
  ['image/webp', isWebp],
  ['video/mp4', isIsoMedia],
  ['video/3gpp', is3gpp],
  ['audio/aac', isAac],
  ['audio/amr', (h) => startsWith(h, AMR)],
  ['audio/mpeg', isMpegAudio],
  ['audio/mp4', isIsoMedia],
  ['audio/ogg', isOggOpus],
  ['text/plain', isPlainText],
  ['application/pdf', (h) => startsWith(h, PDF)],
  ['application/msword', (h) => startsWith(h, OLE2)],
  ['application/vnd.ms-excel', (h) => startsWith(h, OLE2)],
  ['application/vnd.ms-powerpoint', (h) => startsWith(h, OLE2)],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', (h) => startsWith(h, ZIP)],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', (h) => startsWith(h, ZIP)],
  ['application/vnd.openxmlformats-officedocument.presentationml.presentation', (h) => startsWith(h, ZIP)],
]);

/** True when the file's first bytes look like `mime`. Unknown types never match. */
export function magicMatches(mime: string, head: Buffer): boolean {
  const check = CHECKS.get(mime);
  return check !== undefined && head.length > 0 && check(head);
}

/** An extended WebP (VP8X chunk at byte 12) with the animation flag (bit 1 of byte 20). */
export function isAnimatedWebp(head: Buffer): boolean {
  return startsWith(head, ascii('VP8X'), 12) && ((head[20] ?? 0) & 0x02) !== 0;
}
