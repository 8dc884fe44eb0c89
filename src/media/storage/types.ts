import type { Readable } from 'node:stream';

export interface StoredObject {
  size: number;
  contentType: string;
  etag: string;
}

/** Media storage: one small interface, a filesystem and an S3 backend. Keys are ours, never a user's filename. */
export interface MediaStorage {
  /** Stores the file at `filePath` (the caller keeps it) under `key`. */
  put(key: string, filePath: string, meta: { contentType: string; size: number; sha256: string }): Promise<void>;
  head(key: string): Promise<StoredObject | undefined>;
  /** `range` is inclusive, already checked against the size. */
  read(key: string, range?: { start: number; end: number }): Promise<Readable>;
  delete(key: string): Promise<void>;
  /** Resolves when the backend can be used now (for /readyz); rejects with the reason otherwise. */
  check(): Promise<void>;
  close(): Promise<void>;
}

const KEY = /^org\/[0-9a-f-]{36}\/[0-9a-f]{64}$/;

/** Keys are `org/<organization id>/<sha256>`: namespaced, content-addressed, nothing from the user. */
export function mediaKey(organizationId: string, sha256: string): string {
  return `org/${organizationId}/${sha256}`;
}

export function isMediaKey(key: string): boolean {
  return KEY.test(key);
}
