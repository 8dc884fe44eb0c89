// `npm run bench:media`: a 100 MB document and a 16 MB video through the whole media pipeline
// (download → store → sign → upload to Meta → send), against a plain download and upload of the same
// bytes, with the gateway's peak resident memory growth. The simulator and the file server run in
// their own processes, so the memory measured is the gateway's alone. Each file is measured
// BENCH_MEDIA_RUNS times (3), alternating plain and gateway, each run with different bytes so the
// gateway's content-addressed storage cannot skip work; medians are reported, and the largest growth.
// Last, the spawned gateway process's own peak RSS growth (VmHWM) for four concurrent 99 MB documents.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Agent, fetch, FormData, request } from 'undici';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/server/context.js';
import { measureGatewayMediaMemory } from './media-memory.js';
import { freePort, startChild } from './processes.js';

const PHONE_ID = '106540352242922';
const META_TOKEN = 'EAAG-bench-token-0123456789';
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

const RUNS = Number(process.env.BENCH_MEDIA_RUNS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function writeSample(file: string, header: Buffer, size: number, variant: number): void {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, header);
  const chunk = Buffer.alloc(1 << 20, 0x20 + variant);
  for (let written = header.length; written < size;) {
    const n = Math.min(chunk.length, size - written);
    fs.writeSync(fd, chunk, 0, n);
    written += n;
  }
  fs.closeSync(fd);
}

const MP4_HEADER = Buffer.concat([
  Buffer.from([0, 0, 0, 0x18]),
  Buffer.from('ftypisom'),
  Buffer.from([0, 0, 2, 0]),
  Buffer.from('isommp41'),
  Buffer.from([0, 0, 0, 8]),
  Buffer.from('free'),
]);

async function plainCopy(url: string, simUrl: string, mime: string, tmp: string): Promise<number> {
  const started = performance.now();
  const res = await request(url);
  const file = path.join(tmp, `plain-${Date.now()}`);
  await pipeline(res.body, fs.createWriteStream(file));
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('type', mime);
  form.append('file', await fs.openAsBlob(file, { type: mime }), 'file');
  const up = await fetch(`${simUrl}/v23.0/${PHONE_ID}/media`, {
    method: 'POST',
    headers: { authorization: `Bearer ${META_TOKEN}` },
    body: form,
  });
  if (!up.ok) throw new Error(`plain upload failed: ${up.status} ${await up.text()}`);
  fs.rmSync(file);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-bench-media-'));
  const files = path.join(tmp, 'files');
  fs.mkdirSync(files);
  for (let i = 0; i < RUNS; i++) {
    writeSample(path.join(files, `report-${i}.pdf`), Buffer.from('%PDF-1.7\n'), 100_000_000, i);
    writeSample(path.join(files, `clip-${i}.mp4`), MP4_HEADER, 15_900_000, i);
  }
  const simPort = await freePort();
  const sim = await startChild(
    ['bin/flowiq.js', 'meta-sim', '--port', String(simPort), '--phone', `${PHONE_ID}:${META_TOKEN}`],
    {},
    /127\.0\.0\.1/,
  );
  const filePort = await freePort();
  const fileServer = await startChild(
    ['--import', 'tsx', 'bench/file-server.ts'],
    { PORT: String(filePort), FILES_DIR: files },
    /listening/,
  );
  const simUrl = `http://127.0.0.1:${simPort}`;
  const config = loadConfig({
    DATA_DIR: path.join(tmp, 'data'),
    FLOWIQ_SECRET: SECRET,
    META_GRAPH_URL: simUrl,
    MEDIA_ALLOW_PRIVATE_NETWORKS: 'true',
    RATE_LIMIT_PER_KEY: '0',
    LOG_LEVEL: 'warn',
    PORT: '0',
  });
  const ctx = await createContext(config, SECRET);
  const org = await ctx.organizations.create('bench', {
    name: 'Bench',
    provider: 'meta',
    metaPhoneId: PHONE_ID,
    metaToken: META_TOKEN,
  });
  const key = await ctx.auth.createKey({ orgSlug: 'bench' });
  await ctx.contacts.create(org.id, { phone_number: '+27123456789' });
  const app = await buildApp(ctx, { logger: false });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const client = new Agent();
  const results = [];
  try {
    const kinds = [
      { name: 'document 100 MB', file: (i: number) => `report-${i}.pdf`, type: 'document', mime: 'application/pdf' },
      { name: 'video 16 MB', file: (i: number) => `clip-${i}.mp4`, type: 'video', mime: 'video/mp4' },
    ];
    for (const { name, file, type, mime } of kinds) {
      const plain: number[] = [];
      const gateway: number[] = [];
      let growth = 0;
      for (let i = 0; i < RUNS; i++) {
        const url = `http://127.0.0.1:${filePort}/${file(i)}`;
        plain.push(await plainCopy(url, simUrl, mime, tmp));
        global.gc?.();
        const baseline = process.memoryUsage().rss;
        let peak = baseline;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
        const started = performance.now();
        const res = await request(`${base}/send-whatsapp?tenantId=bench`, {
          method: 'POST',
          dispatcher: client,
          headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            phone_number: '+27123456789',
            message_type: type,
            media_url: url,
            ...(type === 'document' ? { filename: 'report.pdf' } : {}),
          }),
        });
        const body = await res.body.text();
        gateway.push(performance.now() - started);
        clearInterval(sampler);
        if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode} ${body}`);
        growth = Math.max(growth, peak - baseline);
      }
      const r = {
        name,
        runs: RUNS,
        gatewayMs: Math.round(median(gateway)),
        plainMs: Math.round(median(plain)),
        ratio: Number((median(gateway) / median(plain)).toFixed(2)),
        rssGrowthMB: Number((growth / 1e6).toFixed(1)),
        gatewayRunsMs: gateway.map(Math.round),
        plainRunsMs: plain.map(Math.round),
      };
      results.push(r);
      process.stdout.write(
        `${name.padEnd(16)} gateway ${r.gatewayMs} ms  plain download+upload ${r.plainMs} ms  ratio ${r.ratio}  peak RSS growth ${r.rssGrowthMB} MB  (medians of ${RUNS}; gateway ${r.gatewayRunsMs.join('/')} ms, plain ${r.plainRunsMs.join('/')} ms)\n`,
      );
    }
    // The real gateway process, started as `npm start` starts it: VmHWM growth over four concurrent
    // 99 MB documents (the bound is 64 MB), measured after one small warm-up send.
    const mem = await measureGatewayMediaMemory({
      graphUrl: simUrl,
      phoneId: PHONE_ID,
      token: META_TOKEN,
      secret: SECRET,
    });
    if (mem.statuses.some((s) => s !== 200))
      throw new Error(`process memory run: ${mem.statuses.join(',')} ${mem.bodies.join('\n')}`);
    results.push({
      name: 'gateway process, 4 concurrent 99 MB documents',
      vmHwmBaselineKB: mem.baselineKB,
      vmHwmPeakKB: mem.peakKB,
      vmHwmGrowthMB: mem.growthMB,
    });
    process.stdout.write(
      `gateway process  4 concurrent 99 MB documents: VmHWM ${mem.baselineKB} kB -> ${mem.peakKB} kB, peak RSS growth ${mem.growthMB} MB (bound 64 MB)\n`,
    );
  } finally {
    await client.close();
    await app.close();
    await ctx.close();
    await sim.stop();
    await fileServer.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(
    'bench/results/media-latest.json',
    JSON.stringify(
      { at: new Date().toISOString(), node: process.version, targets: { rssGrowthMB: 64, ratio: 1.5 }, results },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write('wrote bench/results/media-latest.json\n');
}

await main();
