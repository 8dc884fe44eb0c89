// The media pipeline's first steps: download, check the type from the bytes, store (once per
// content per organization). The caller records the storage key, never a signed URL: a URL's
// signature is a credential, so it is made on read (signer.url(key)) and never stored. The
// temporary file stays for the Meta upload; the caller then calls release() on success or
// discard() on failure; both remove the temporary file, and neither deletes a stored object,
// which another message may reference.
import fs from 'node:fs';
import type { Config } from '../config.js';
import { downloadToFile, mediaFetcher, type Downloaded } from './download.js';
import { chooseFilename } from './filename.js';
import { MediaSigner } from './signing.js';
import { MAX_BYTES, sniffMedia, type MediaKind } from './sniff.js';
import { createStorage } from './storage/index.js';
import { storedToTemp, uploadSha } from './upload.js';
import { mediaKey, type MediaStorage } from './storage/types.js';

export type { MediaKind } from './sniff.js';

export interface IngestedMedia {
  /** The storage key (`org/<organization id>/<sha256>`): what helpdesk_messages.media_url holds. */
  key: string;
  mimeType: string;
  size: number;
  sha256: string;
  filename: string;
  filePath: string;
  created: boolean;
  discard(): Promise<void>;
  release(): Promise<void>;
}

export interface MediaService {
  ingest(opts: {
    organizationId: string;
    url: string;
    kind: MediaKind;
    filename?: string;
    signal?: AbortSignal;
  }): Promise<IngestedMedia>;
  storage: MediaStorage;
  signer: MediaSigner;
  close(): Promise<void>;
}

export function createMediaService(opts: {
  config: Config['media'];
  publicUrl: string;
  secret: string;
  previousSecret?: string | undefined;
  tmpDir: string;
  /** Where a client's URL is fetched from; the URL itself unless a caller (the demo) says otherwise. */
  rewriteUrl?: ((url: string) => string) | undefined;
}): MediaService {
  const storage = createStorage(opts.config.storage);
  const signer = new MediaSigner(opts.secret, opts.publicUrl, opts.config.urlTtlSeconds, opts.previousSecret);
  const fetcher = mediaFetcher({
    allowPrivateNetworks: opts.config.allowPrivateNetworks,
    connectTimeoutMs: opts.config.connectTimeoutMs,
  });

  async function ingest(req: {
    organizationId: string;
    url: string;
    kind: MediaKind;
    filename?: string;
    signal?: AbortSignal;
  }): Promise<IngestedMedia> {
    // An agent's upload (media/upload.ts) is read back from storage; any other URL is downloaded.
    const uploaded = uploadSha(req.url);
    const dl: Pick<Downloaded, 'filePath' | 'size' | 'sha256' | 'contentDisposition'> =
      uploaded !== undefined
        ? { ...(await storedToTemp(storage, req.organizationId, uploaded, opts.tmpDir)), contentDisposition: undefined }
        : await downloadToFile(opts.rewriteUrl ? opts.rewriteUrl(req.url) : req.url, MAX_BYTES[req.kind], {
            fetcher,
            allowPrivateNetworks: opts.config.allowPrivateNetworks,
            connectTimeoutMs: opts.config.connectTimeoutMs,
            timeoutMs: opts.config.downloadTimeoutMs,
            tmpDir: opts.tmpDir,
            ...(req.signal ? { signal: req.signal } : {}),
          });
    const removeTemp = () => fs.promises.rm(dl.filePath, { force: true });
    try {
      const nameHint = req.filename ?? new URL(req.url).pathname;
      const { mimeType, ext } = await sniffMedia(dl.filePath, req.kind, nameHint);
      const key = mediaKey(req.organizationId, dl.sha256);
      // Same content, same organization: stored once; every message still gets its own row and URL.
      const created = (await storage.head(key)) === undefined;
      if (created) await storage.put(key, dl.filePath, { contentType: mimeType, size: dl.size, sha256: dl.sha256 });
      const filename =
        req.kind === 'document'
          ? chooseFilename({
              ...(req.filename !== undefined ? { requested: req.filename } : {}),
              ...(dl.contentDisposition !== undefined ? { disposition: dl.contentDisposition } : {}),
              url: new URL(req.url),
              ext,
            })
          : `${req.kind}.${ext}`;
      return {
        key,
        mimeType,
        size: dl.size,
        sha256: dl.sha256,
        filename,
        filePath: dl.filePath,
        created,
        // Only the temporary file goes: the stored object is shared by every message of this
        // organization with the same bytes, and a concurrent send may already have a row whose
        // key points at it. An object nothing references costs its bytes, once per content.
        discard: removeTemp,
        release: removeTemp,
      };
    } catch (err) {
      await removeTemp();
      throw err;
    }
  }

  return {
    ingest,
    storage,
    signer,
    close: async () => {
      await storage.close();
    },
  };
}
