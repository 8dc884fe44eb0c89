// The type of a file is read from its bytes (file-type), never trusted from the URL or headers, and
// must be one the API contract lists for the message type. The MIME type sent to Meta is the detected one.
import { fileTypeFromFile } from 'file-type';
import { UnsupportedMediaType } from '../errors.js';

export type MediaKind = 'image' | 'video' | 'audio' | 'document';

// The API contract: images JPEG, PNG; video MP4; audio MP3, AAC, OGG; documents PDF, DOC, DOCX, XLS, XLSX, PPT, PPTX.
const ALLOWED: Record<MediaKind, Record<string, string>> = {
  image: { 'image/jpeg': 'jpg', 'image/png': 'png' },
  video: { 'video/mp4': 'mp4' },
  audio: { 'audio/mpeg': 'mp3', 'audio/aac': 'aac', 'audio/ogg': 'ogg' },
  document: {
    'application/pdf': 'pdf',
    'application/msword': 'doc',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
    'application/vnd.ms-excel': 'xls',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
    'application/vnd.ms-powerpoint': 'ppt',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  },
};

// Meta's limits (docs/META.md §2). "MB" is taken as 1,000,000 bytes, the stricter reading (as wajs does).
export const MAX_BYTES: Record<MediaKind, number> = {
  image: 5_000_000,
  video: 16_000_000,
  audio: 16_000_000,
  document: 100_000_000,
};

// Old Office files are all Compound File Binary containers: the bytes say "CFB", not which program.
const CFB_BY_EXTENSION: Record<string, string> = {
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
};

function accepted(kind: MediaKind): string {
  const names = Object.values(ALLOWED[kind]).map((e) => (e === 'ogg' ? 'OGG (Opus only)' : e.toUpperCase()));
  return names.join(', ');
}

/** Detected MIME type and extension, or 400 naming what was found. `nameHint` resolves CFB files. */
export async function sniffMedia(
  filePath: string,
  kind: MediaKind,
  nameHint: string | undefined,
): Promise<{ mimeType: string; ext: string }> {
  const found = await fileTypeFromFile(filePath);
  let mime = found?.mime;
  if (mime === 'application/x-cfb') {
    const ext = nameHint?.split('.').pop()?.toLowerCase() ?? '';
    mime = CFB_BY_EXTENSION[ext];
    if (!mime)
      throw new UnsupportedMediaType(
        `media_url is an old-style Office file (CFB); name it .doc, .xls or .ppt (filename or URL) so its type is known. ${kind} messages accept ${accepted(kind)}`,
      );
  }
  // Meta takes OGG audio with the Opus codec only (docs/META.md §2), uploaded as audio/ogg. file-type
  // names an Ogg file by its first stream: 'audio/ogg; codecs=opus' for Opus; plain audio/ogg for
  // Vorbis, Speex or FLAC, refused here rather than by Meta after the upload (which is a 500).
  if (mime === 'audio/ogg') {
    throw new UnsupportedMediaType(
      `media_url is OGG audio without the Opus codec, but ${kind} messages accept ${accepted(kind)}`,
    );
  }
  if (mime === 'audio/ogg; codecs=opus') mime = 'audio/ogg';
  if (mime === 'audio/x-m4a' || mime === 'audio/mp4') mime = undefined; // not in the API contract's list
  const ext = mime === undefined ? undefined : ALLOWED[kind][mime];
  if (!ext) {
    throw new UnsupportedMediaType(
      `media_url is ${found?.mime ?? 'of an unrecognised type'}, but ${kind} messages accept ${accepted(kind)}`,
    );
  }
  return { mimeType: mime!, ext };
}

/** What a customer may send: the kinds we send, and stickers (WebP), which we never send. */
export type InboundMediaKind = MediaKind | 'sticker';

/** Inbound sizes: the same limits as outbound; a sticker is at most 500 KB (animated; static 100 KB). */
export const INBOUND_MAX_BYTES: Record<InboundMediaKind, number> = { ...MAX_BYTES, sticker: 500_000 };

// Types file-type cannot read from bytes that we still label as Meta said (served with nosniff).
const PLAIN_TEXT = new Set(['text/plain', 'text/csv']);

/**
 * The type of media a customer sent, read from its bytes as for outbound media, but never refused:
 * what the customer sent is kept even when we would not send it (a WebP sticker, AMR audio). Bytes
 * file-type does not recognise are application/octet-stream, unless Meta called them plain text or
 * CSV: Meta's (the customer's phone's) word alone never gives a type a browser would run.
 */
export async function sniffInbound(filePath: string, metaMimeType: string | undefined): Promise<{ mimeType: string }> {
  const found = await fileTypeFromFile(filePath);
  const meta = metaMimeType?.split(';')[0]?.trim().toLowerCase();
  let mime = found?.mime;
  if (mime === 'application/x-cfb' && meta !== undefined && Object.values(CFB_BY_EXTENSION).includes(meta)) mime = meta;
  if (mime === 'audio/ogg; codecs=opus') mime = 'audio/ogg';
  if (mime === undefined) mime = meta !== undefined && PLAIN_TEXT.has(meta) ? meta : 'application/octet-stream';
  return { mimeType: mime };
}
