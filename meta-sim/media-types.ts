// The files Meta accepts on POST /media, and how large (docs/META.md §2).
// "MB" is undefined in Meta's docs; the simulator reads it as 1,000,000 bytes, as whatsapp-api-js
// does: the stricter reading, so a gateway that passes here passes at Meta.

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

export const MB = 1_000_000;
export const KB = 1_000;

const LIMITS: Record<MediaKind, number> = {
  image: 5 * MB,
  video: 16 * MB,
  audio: 16 * MB,
  document: 100 * MB,
  // Meta: 500 KB for animated stickers; static ones are checked against STATIC_STICKER_LIMIT.
  sticker: 500 * KB,
};

export const STATIC_STICKER_LIMIT = 100 * KB;

/** The largest file any kind allows: uploads are cut off (and refused) past it. */
export const MAX_UPLOAD_BYTES = 100 * MB;

const KIND_OF: ReadonlyMap<string, MediaKind> = new Map<string, MediaKind>([
  ['image/jpeg', 'image'],
  ['image/png', 'image'],
  ['video/mp4', 'video'],
  ['video/3gpp', 'video'],
  ['audio/aac', 'audio'],
  ['audio/amr', 'audio'],
  ['audio/mpeg', 'audio'],
  ['audio/mp4', 'audio'],
  ['audio/ogg', 'audio'],
  ['text/plain', 'document'],
  ['application/pdf', 'document'],
  ['application/msword', 'document'],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'document'],
  ['application/vnd.ms-excel', 'document'],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'document'],
  ['application/vnd.ms-powerpoint', 'document'],
  ['application/vnd.openxmlformats-officedocument.presentationml.presentation', 'document'],
  // Meta: webp is the only sticker format.
  ['image/webp', 'sticker'],
]);

/** "Audio/OGG; codecs=opus" → "audio/ogg": Meta's table names bare types. */
export function normalizeMime(raw: string): string {
  const semi = raw.indexOf(';');
  return (semi === -1 ? raw : raw.slice(0, semi)).trim().toLowerCase();
}

export function mediaKindOf(mime: string): MediaKind | undefined {
  return KIND_OF.get(mime);
}

export function sizeLimitOf(kind: MediaKind): number {
  return LIMITS[kind];
}
