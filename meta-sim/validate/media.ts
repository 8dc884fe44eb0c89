// image, video, audio, document and sticker messages, and the media object interactive headers reuse.
import { invalidParam, invalidValue, mediaError, missingParam, wrongType } from '../errors.js';
import { mediaKindOf, type MediaKind } from '../media-types.js';
import {
  expectObject,
  onlyKeys,
  optionalBoolean,
  optionalString,
  sub,
  type Obj,
  type ValidationContext,
} from './check.js';

export type MediaMessageType = MediaKind;

// Meta: only image, video and document take a caption; filename is for documents; audio may carry
// voice; stickers take only id or link (docs/META.md §1). Anything else is an unknown parameter.
const MESSAGE_KEYS: Record<MediaMessageType, ReadonlySet<string>> = {
  image: new Set(['id', 'link', 'caption']),
  video: new Set(['id', 'link', 'caption']),
  document: new Set(['id', 'link', 'caption', 'filename']),
  audio: new Set(['id', 'link', 'voice']),
  sticker: new Set(['id', 'link']),
};

const HEADER_KEYS: ReadonlySet<string> = new Set(['id', 'link']);

const HTTP_URL = /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/i;

export function validateMediaMessage(kind: MediaMessageType, v: unknown, ctx: ValidationContext): void {
  const media = expectObject(v, kind);
  onlyKeys(media, MESSAGE_KEYS[kind], kind);
  validateMediaSource(media, kind, kind, ctx);
  optionalString(media, 'caption', kind, 1024);
  optionalString(media, 'filename', kind);
  const voice = optionalBoolean(media, 'voice', kind);
  // Meta: a voice message needs an OGG/OPUS file (docs/META.md §1). Only an uploaded id can be checked.
  const id = media['id'];
  if (voice === true && typeof id === 'string' && ctx.mediaMimeOf(id) !== 'audio/ogg') {
    throw mediaError(`Param ${sub(kind, 'voice')} needs an audio/ogg (OPUS) file; media ${id} is not one.`);
  }
}

/** A header's image/video/document: only id or link. */
export function validateHeaderMedia(
  kind: 'image' | 'video' | 'document',
  v: unknown,
  path: string,
  ctx: ValidationContext,
): void {
  const media = expectObject(v, path);
  onlyKeys(media, HEADER_KEYS, path);
  validateMediaSource(media, kind, path, ctx);
}

/** Meta: exactly one of id or link (docs/META.md §1). */
function validateMediaSource(media: Obj, kind: MediaKind, path: string, ctx: ValidationContext): void {
  const id = media['id'];
  const link = media['link'];
  if (id !== undefined && link !== undefined)
    throw invalidParam(`Param ${path} must have either id or link, not both.`);
  if (id === undefined && link === undefined) throw missingParam(`${sub(path, 'id')} or ${sub(path, 'link')}`);
  if (id !== undefined) {
    if (typeof id !== 'string') throw wrongType(sub(path, 'id'), 'a string');
    checkUploadedId(id, kind, path, ctx);
    return;
  }
  if (typeof link !== 'string') throw wrongType(sub(path, 'link'), 'a string');
  if (!HTTP_URL.test(link) || !URL.canParse(link)) {
    throw invalidValue(`Param ${sub(path, 'link')} must be a valid http or https URL.`);
  }
}

/**
 * A media id must name a file this phone uploaded, of the message's kind. Meta answers both
 * mistakes with 131053 "Media upload error" (docs/META.md §2–3: the usual cause is a file whose type
 * does not fit), so the simulator does too; the details say which.
 */
function checkUploadedId(id: string, kind: MediaKind, path: string, ctx: ValidationContext): void {
  const mime = ctx.mediaMimeOf(id);
  if (mime === undefined) {
    throw mediaError(`Param ${sub(path, 'id')}: media ${id} was not uploaded to phone number ${ctx.phoneId}.`);
  }
  if (mediaKindOf(mime) !== kind) {
    throw mediaError(`Param ${sub(path, 'id')}: media ${id} is ${mime}, which cannot be sent as ${kind}.`);
  }
}
