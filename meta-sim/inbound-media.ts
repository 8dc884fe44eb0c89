// Media customers send (docs/META.md §6): bytes kept under a media id, and download URLs that
// need the phone's bearer token and expire (5 minutes unless configured).
import { createHash, randomBytes } from 'node:crypto';

export interface InboundMediaItem {
  phoneId: string;
  id: string;
  mimeType: string;
  sha256: string;
  size: number;
  bytes: Buffer;
}

/** Bytes held at most; the oldest media go first past it. */
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export class InboundMediaStore {
  private readonly byId = new Map<string, InboundMediaItem>();
  private held = 0;

  constructor(private readonly maxBytes = DEFAULT_MAX_BYTES) {}

  add(phoneId: string, id: string, mimeType: string, bytes: Buffer): InboundMediaItem {
    const item: InboundMediaItem = {
      phoneId,
      id,
      mimeType,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      bytes,
    };
    this.byId.set(id, item);
    this.held += bytes.length;
    for (const [oldId, old] of this.byId) {
      if (this.held <= this.maxBytes || oldId === id) break;
      this.byId.delete(oldId);
      this.held -= old.size;
    }
    return item;
  }

  get(id: string): InboundMediaItem | undefined {
    return this.byId.get(id);
  }

  clear(): void {
    this.byId.clear();
    this.held = 0;
  }
}

export interface DownloadGrant {
  mediaId: string;
  phoneId: string;
  expiresAt: number;
}

/** Download URLs handed out by GET /{media-id} (and inbound webhooks), by their random key. */
export class DownloadUrls {
  private readonly byKey = new Map<string, DownloadGrant>();

  issue(origin: string, mediaId: string, phoneId: string, ttlMs: number, now = Date.now()): string {
    this.sweep(now);
    const key = randomBytes(16).toString('hex');
    const expiresAt = now + ttlMs;
    this.byKey.set(key, { mediaId, phoneId, expiresAt });
    // Shaped like Meta's lookaside URLs: ?mid=<media id>&ext=<expiry, unix seconds>&hash=<key>.
    return `${origin}${DOWNLOAD_PATH}?mid=${mediaId}&ext=${Math.ceil(expiresAt / 1000)}&hash=${key}`;
  }

  /** The grant behind a key, undefined when unknown or expired. */
  lookup(key: string, now = Date.now()): DownloadGrant | undefined {
    const g = this.byKey.get(key);
    if (g === undefined) return undefined;
    if (now >= g.expiresAt) {
      this.byKey.delete(key);
      return undefined;
    }
    return g;
  }

  private sweep(now: number): void {
    if (this.byKey.size < 10_000) return;
    for (const [k, g] of this.byKey) if (now >= g.expiresAt) this.byKey.delete(k);
  }

  clear(): void {
    this.byKey.clear();
  }
}

export const DOWNLOAD_PATH = '/whatsapp_business/attachments/';

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

// First bytes of each type, enough for a receiver's magic-number check to recognise it.
const HEADS: ReadonlyMap<string, number[]> = new Map([
  ['image/jpeg', [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...ascii('JFIF'), 0]],
  ['image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, ...ascii('IHDR')]],
  ['video/mp4', [0, 0, 0, 0x18, ...ascii('ftypmp42'), 0, 0, 0, 0, ...ascii('isommp42')]],
  ['video/3gpp', [0, 0, 0, 0x14, ...ascii('ftyp3gp5'), 0, 0, 0, 0, ...ascii('3gp5')]],
  ['audio/ogg', [...ascii('OggS'), 0, 2, ...new Array<number>(20).fill(0), 1, 0x13, ...ascii('OpusHead'), 1, 1]],
  ['audio/mpeg', [...ascii('ID3'), 4, 0, 0, 0, 0, 0, 0]],
  ['audio/aac', [0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc]],
  ['audio/amr', [...ascii('#!AMR\n'), 0x3c, 0]],
  ['audio/mp4', [0, 0, 0, 0x18, ...ascii('ftypM4A '), 0, 0, 0, 0, ...ascii('M4A mp42')]],
  ['application/pdf', ascii('%PDF-1.7\n')],
  ['text/plain', ascii('Hello from the Meta simulator\n')],
  ['image/webp', [...ascii('RIFF'), 0x24, 0, 0, 0, ...ascii('WEBPVP8 '), 0x18, 0, 0, 0]],
]);

const ANIMATED_WEBP = [
  ...ascii('RIFF'),
  0x24,
  0,
  0,
  0,
  ...ascii('WEBPVP8X'),
  10,
  0,
  0,
  0,
  0x12,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
];

/** `size` bytes of the type (text files padded with spaces, others with zeros), or undefined for a type it cannot make. */
export function generateMedia(mimeType: string, size: number, animated = false): Buffer | undefined {
  const base = mimeType.split(';')[0]?.trim().toLowerCase() ?? '';
  const head = base === 'image/webp' && animated ? ANIMATED_WEBP : HEADS.get(base);
  if (head === undefined) return undefined;
  const out = Buffer.alloc(Math.max(size, head.length), base === 'text/plain' ? 0x20 : 0);
  Buffer.from(head).copy(out);
  return out;
}
