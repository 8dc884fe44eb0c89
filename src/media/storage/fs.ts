// Filesystem backend. Each object is a file plus a small JSON sidecar holding its content type.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isMediaKey, type MediaStorage, type StoredObject } from './types.js';

export class FsStorage implements MediaStorage {
  constructor(private readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
  }

  /** Only well-formed keys map to paths, and the result is checked to stay under the root. */
  private pathOf(key: string): string {
    if (!isMediaKey(key)) throw new Error(`invalid media key ${JSON.stringify(key)}`);
    const p = path.resolve(this.root, key);
    if (!p.startsWith(path.resolve(this.root) + path.sep)) throw new Error('media key escapes the storage root');
    return p;
  }

  async put(key: string, filePath: string, meta: { contentType: string; size: number; sha256: string }): Promise<void> {
    const target = this.pathOf(key);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomUUID()}.part`;
    // The downloaded file is not written again once complete, so a second name for it is as good
    // as a copy, and instant: copying 100 MB was a quarter of bench:media's gateway time. A copy
    // when the two paths are on different filesystems (EXDEV) or links are refused.
    await fs.promises.link(filePath, tmp).catch(() => fs.promises.copyFile(filePath, tmp));
    const sidecar: StoredObject = { size: meta.size, contentType: meta.contentType, etag: `"${meta.sha256}"` };
    await fs.promises.writeFile(`${target}.json`, JSON.stringify(sidecar), { mode: 0o600 });
    await fs.promises.rename(tmp, target); // the object appears whole or not at all
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const p = this.pathOf(key);
      await fs.promises.access(p);
      return JSON.parse(await fs.promises.readFile(`${p}.json`, 'utf8')) as StoredObject;
    } catch {
      return undefined;
    }
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    return fs.createReadStream(this.pathOf(key), range ? { start: range.start, end: range.end } : {});
  }

  async delete(key: string): Promise<void> {
    const p = this.pathOf(key);
    await fs.promises.rm(p, { force: true });
    await fs.promises.rm(`${p}.json`, { force: true });
  }

  /**
   * The root must still be a directory we can list, read and create files in: it is created at
   * start, but a volume can be unmounted, remounted read-only or have its permissions changed later.
   * access() reports EROFS for a read-only mount, so no probe file is written on every poll.
   */
  async check(): Promise<void> {
    const st = await fs.promises.stat(this.root);
    if (!st.isDirectory()) throw new Error(`media storage root ${this.root} is not a directory`);
    await fs.promises.access(this.root, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
  }

  async close(): Promise<void> {}
}
