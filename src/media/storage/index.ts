import type { MediaStorageConfig } from '../../config.js';
import { FsStorage } from './fs.js';
import { S3Storage } from './s3.js';
import type { MediaStorage } from './types.js';

export function createStorage(config: MediaStorageConfig): MediaStorage {
  return config.kind === 'fs' ? new FsStorage(config.dir) : new S3Storage(config);
}
