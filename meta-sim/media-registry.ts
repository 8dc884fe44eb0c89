// Media ids uploaded to each phone, so a message can only name media its own phone uploaded.
// Bounded (oldest forgotten first) so a long benchmark cannot grow it without end; Meta keeps an
// upload for 30 days (docs/META.md §2), so a bound that is generous rather than exact is faithful enough.
export interface UploadedMedia {
  mime: string;
  sha256?: string;
  size?: number;
}

export class MediaRegistry {
  private byKey = new Map<string, UploadedMedia>();

  constructor(private readonly capacity: number) {}

  add(phoneId: string, mediaId: string, mime: string, info: { sha256?: string; size?: number } = {}): void {
    if (this.byKey.size >= this.capacity) {
      const oldest = this.byKey.keys().next();
      if (oldest.done !== true) this.byKey.delete(oldest.value);
    }
    this.byKey.set(phoneId + '/' + mediaId, { mime, ...info });
  }

  /** What was uploaded under this id to this phone, or undefined. */
  get(phoneId: string, mediaId: string): UploadedMedia | undefined {
    return this.byKey.get(phoneId + '/' + mediaId);
  }

  /** The MIME type of a media id uploaded to this phone, or undefined. */
  mimeOf(phoneId: string, mediaId: string): string | undefined {
    return this.byKey.get(phoneId + '/' + mediaId)?.mime;
  }

  clear(): void {
    this.byKey.clear();
  }
}
