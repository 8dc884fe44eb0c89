// A media source server on loopback whose answers each test shapes, a real S3 protocol server
// (s3rver), and hashing helpers.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { freePort } from '../../bench/processes.js';
import { SAMPLES } from '../../src/cli/demo-media.js';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface SourceServer {
  url: string;
  connections: number;
  route(pathname: string, handler: Route): void;
  close(): Promise<void>;
}

export async function startSource(): Promise<SourceServer> {
  const routes = new Map<string, Route>();
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const handler = routes.get(pathname);
    if (handler) return handler(req, res);
    res.writeHead(404).end('not found');
  });
  const state = { connections: 0 };
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    route: (p, h) => routes.set(p, h),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function serveBytes(bytes: Buffer, headers: Record<string, string | number> = {}): Route {
  return (_req, res) => res.writeHead(200, { 'content-length': bytes.length, ...headers }).end(bytes);
}

export function sample(ext: string): Buffer {
  const s = SAMPLES[ext];
  if (!s) throw new Error(`no sample for ${ext}`);
  return s.bytes();
}

/** An old-style Office file: a Compound File Binary header, then padding. */
export function cfb(): Buffer {
  return Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(1024, 0)]);
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function startS3(): Promise<{ env: Record<string, string>; dir: string; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-s3-'));
  const port = await freePort();
  const s3 = new S3rver({
    port,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: [{ name: 'media' }],
  });
  await s3.run();
  return {
    dir,
    env: {
      MEDIA_STORAGE: 's3',
      S3_BUCKET: 'media',
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
    close: async () => {
      await s3.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every file under a directory, for "nothing left behind" checks. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}
