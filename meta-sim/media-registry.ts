// Media ids uploaded to each phone, so a message can only name media its own phone uploaded.
// Bounded (oldest forgotten first) so a long benchmark cannot grow it without end; Meta keeps an
// upload for 30 days (docs/META.md §2), so a bound that is generous rather than exact is faithful enough.
export class MediaRegistry {
  private byKey = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  add(phoneId: string, mediaId: string, mime: string): void {
    if (this.byKey.size >= this.capacity) {
      const oldest = this.byKey.keys().next();
      if (oldest.done !== true) this.byKey.delete(oldest.value);
    }
    this.byKey.set(phoneId + '/' + mediaId, mime);
  }

  /** The MIME type of a media id uploaded to this phone, or undefined. */
  mimeOf(phoneId: string, mediaId: string): string | undefined {
    return this.byKey.get(phoneId + '/' + mediaId);
  }

  clear(): void {
    this.byKey.clear();
  }
}
