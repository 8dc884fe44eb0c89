// Peak resident memory growth of the real gateway process (started as `npm start` starts it) while
// it sends several large documents at once, each read from a loopback file server that streams from
// disk. Shared by bench/media.ts and test/faults/media-memory.test.ts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/server/context.js';
import { freePort, waitHealthy } from './processes.js';

export interface MemoryRunOptions {
  graphUrl: string;
  phoneId: string;
  token: string;
  secret: string;
  /** Concurrent document sends (4). */
  concurrency?: number;
  /** Bytes per document (99,000,000). */
  size?: number;
}

export interface MemoryRunResult {
  baselineKB: number;
  peakKB: number;
  growthMB: number;
  statuses: number[];
  bodies: string[];
}

/** VmHWM (peak resident set) of a process in kB, from /proc (Linux). */
export function vmHwmKB(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for ${pid}`);
  return Number(m[1]);
}

/** A valid PDF header, then padding that differs per variant (so content-addressed storage cannot dedupe). */
export function writePdf(file: string, size: number, variant: number): void {
  const fd = fs.openSync(file, 'w');
  const header = Buffer.from(`%PDF-1.7\n%variant-${variant}\n`);
  fs.writeSync(fd, header);
  const chunk = Buffer.alloc(1 << 20, 0x20 + (variant % 90));
  for (let written = header.length; written < size;) {
    const n = Math.min(chunk.length, size - written);
    fs.writeSync(fd, chunk, 0, n);
    written += n;
  }
  fs.closeSync(fd);
}

export async function measureGatewayMediaMemory(opts: MemoryRunOptions): Promise<MemoryRunResult> {
  const concurrency = opts.concurrency ?? 4;
  const size = opts.size ?? 99_000_000;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-media-memory-'));
  const dataDir = path.join(tmp, 'data');
  const files = path.join(tmp, 'files');
  fs.mkdirSync(dataDir);
  fs.mkdirSync(files);
  const server = http.createServer((req, res) => {
    const file = path.join(files, path.basename(new URL(req.url ?? '/', 'http://x').pathname));
    fs.stat(file, (err, st) => {
      if (err) return res.writeHead(404).end();
      res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
    });
  });
  let proc: ReturnType<typeof spawn> | undefined;
  try {
    writePdf(path.join(files, 'warmup.pdf'), 200_000, 999);
    for (let i = 0; i < concurrency; i++) writePdf(path.join(files, `doc-${i}.pdf`), size, i);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const source = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const databaseUrl = `sqlite:${path.join(dataDir, 'flowiq.db')}`;
    const ctx = await createContext(
      loadConfig({ DATABASE_URL: databaseUrl, DATA_DIR: dataDir, FLOWIQ_SECRET: opts.secret }),
      opts.secret,
    );
    const slug = `mem-${Date.now()}`;
    const org = await ctx.organizations.create(slug, {
      name: 'Memory Org',
      provider: 'meta',
      metaPhoneId: opts.phoneId,
      metaToken: opts.token,
    });
    const key = (await ctx.auth.createKey({ orgSlug: slug })).key;
    await ctx.contacts.create(org.id, { phone_number: '+27123456789' });
    await ctx.close();

    const port = await freePort();
    let out = '';
    // As `npm start` starts it.
    proc = spawn(process.execPath, ['--max-semi-space-size=64', 'bin/flowiq.js', 'serve'], {
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        FLOWIQ_SECRET: opts.secret,
        META_GRAPH_URL: opts.graphUrl,
        MEDIA_ALLOW_PRIVATE_NETWORKS: 'true',
        RATE_LIMIT_PER_KEY: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(url, proc, () => out);
    const send = async (file: string): Promise<{ status: number; body: string }> => {
      const res = await fetch(`${url}/send-whatsapp?tenantId=${slug}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          phone_number: '+27123456789',
          message_type: 'document',
          media_url: `${source}/${file}`,
          filename: 'report.pdf',
        }),
      });
      return { status: res.status, body: await res.text() };
    };
    const warm = await send('warmup.pdf');
    if (warm.status !== 200) throw new Error(`warm-up send: ${warm.status} ${warm.body}\n${out}`);
    const pid = proc.pid!;
    const baselineKB = vmHwmKB(pid);
    const results = await Promise.all(Array.from({ length: concurrency }, (_, i) => send(`doc-${i}.pdf`)));
    const peakKB = vmHwmKB(pid);
    return {
      baselineKB,
      peakKB,
      growthMB: Number(((peakKB - baselineKB) / 1024).toFixed(1)),
      statuses: results.map((r) => r.status),
      bodies: results.map((r) => r.body),
    };
  } finally {
    if (proc && proc.exitCode === null) {
      const p = proc;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
        setTimeout(() => p.kill('SIGKILL'), 5000).unref();
      });
    }
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
