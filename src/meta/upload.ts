// POST /{version}/{phone-id}/media: the stored file, streamed from disk as multipart, with the
// detected MIME type both as the `type` field and on the file part (REFERENCE §2).
import fs from 'node:fs';
import { fetch, FormData, type Dispatcher } from 'undici';
import { MetaUploadFailed } from '../errors.js';
import { parseGraphError, publicMetaError } from './graph-errors.js';

export interface UploadOptions {
  dispatcher: Dispatcher;
  graphUrl: string;
  apiVersion: string;
  phoneId: string;
  token: string;
  filePath: string;
  mimeType: string;
  filename: string;
  timeoutMs: number;
}

export async function uploadMediaToMeta(opts: UploadOptions): Promise<string> {
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('type', opts.mimeType);
  // openAsBlob reads the file lazily as the request streams: the file is never held in memory whole.
  form.append('file', await fs.openAsBlob(opts.filePath, { type: opts.mimeType }), opts.filename);
  let body: unknown;
  let status: number;
  try {
    const res = await fetch(`${opts.graphUrl}/${opts.apiVersion}/${encodeURIComponent(opts.phoneId)}/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opts.token}` },
      body: form,
      dispatcher: opts.dispatcher,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    status = res.status;
    body = await res.json().catch(() => undefined);
  } catch (err) {
    throw new MetaUploadFailed({ cause: err });
  }
  const graphError = parseGraphError(body);
  if (graphError) throw new MetaUploadFailed({ extra: { meta_error: publicMetaError(graphError) } });
  const id = (body as { id?: unknown } | undefined)?.id;
  if (status < 200 || status >= 300 || typeof id !== 'string') throw new MetaUploadFailed({ extra: { meta_error: { http_status: status } } });
  return id;
}
