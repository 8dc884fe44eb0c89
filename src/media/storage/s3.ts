// S3-compatible backend through the AWS SDK v3; uploads stream from the temporary file in parts.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { MediaStorageConfig } from '../../config.js';
import type { MediaStorage, StoredObject } from './types.js';

type S3Config = Extract<MediaStorageConfig, { kind: 's3' }>;

// A readiness probe that waits on an unreachable endpoint through the SDK's retries would hold
// /readyz past the orchestrator's own probe timeout; a bounded answer of "failed" is more useful.
const CHECK_TIMEOUT_MS = 2000;

export class S3Storage implements MediaStorage {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(config: S3Config) {
    this.#bucket = config.bucket;
    this.#client = new S3Client({
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(config.accessKeyId && config.secretAccessKey
        ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
        : {}),
    });
  }

  async put(key: string, filePath: string, meta: { contentType: string; size: number; sha256: string }): Promise<void> {
    const upload = new Upload({
      client: this.#client,
      params: {
        Bucket: this.#bucket,
        Key: key,
        Body: fs.createReadStream(filePath),
        ContentType: meta.contentType,
        Metadata: { sha256: meta.sha256 },
      },
      queueSize: 2,
      partSize: 8 * 1024 * 1024,
    });
    await upload.done();
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const h = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return {
        size: h.ContentLength ?? 0,
        contentType: h.ContentType ?? 'application/octet-stream',
        etag: h.Metadata?.sha256 ? `"${h.Metadata.sha256}"` : (h.ETag ?? '""'),
      };
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (err as Error).name === 'NotFound' || (err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const res = await this.#client.send(
      new GetObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      }),
    );
    return res.Body as Readable;
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
  }

  /** HeadBucket: the endpoint answers, the credentials are accepted and the bucket exists. */
  async check(): Promise<void> {
    await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }), {
      abortSignal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
