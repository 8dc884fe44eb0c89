// Stores a file already downloaded (inbound media, fetched from Meta with the organization's
// token) by the outbound pipeline's rules: the type read from the bytes, the key content-addressed
// per organization (`org/<organization id>/<sha256>`), stored once per content. The caller keeps,
// and removes, the temporary file; the key is what it records, and is signed on read.
import { sniffInbound } from './sniff.js';
import { mediaKey, type MediaStorage } from './storage/types.js';

export interface StoredFile {
  key: string;
  mimeType: string;
  /** False when the organization already had these bytes. */
  created: boolean;
}

export async function storeDownloadedFile(
  storage: MediaStorage,
  file: { organizationId: string; filePath: string; size: number; sha256: string; declaredMimeType?: string },
): Promise<StoredFile> {
  const { mimeType } = await sniffInbound(file.filePath, file.declaredMimeType);
  const key = mediaKey(file.organizationId, file.sha256);
  const created = (await storage.head(key)) === undefined;
  if (created) await storage.put(key, file.filePath, { contentType: mimeType, size: file.size, sha256: file.sha256 });
  return { key, mimeType, created };
}
