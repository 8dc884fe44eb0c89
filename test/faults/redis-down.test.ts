import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/processes.js';
import { startMetaSim, type MetaSim } from '../../meta-sim/index.js';
import { META_TOKEN, PHONE_ID } from '../helpers/sim.js';
import { seedDatabase, spawnGateway, type GatewayProcess, type SeededDatabase } from './process.js';

// Redis killed under a running gateway and started again on the same port: while it is down,
// sends that need it (an Idempotency-Key) answer 503 with Retry-After and /readyz names redis;
// once it is back the gateway recovers by itself, without a restart. A private redis-server on
// its own loopback port, so the shared one is never touched.
const hasRedisServer = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].some((p) => fs.existsSync(p));

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function until<T>(what: string, ms: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await attempt();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what} did not happen within ${ms} ms${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await until('redis-server listening', 10_000, async () => ((await canConnect(port)) ? true : undefined));
  return proc;
}

async function stopRedis(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

describe.runIf(hasRedisServer)('Redis down and back', () => {
  let sim: MetaSim;
  let seeded: SeededDatabase;
  let gw: GatewayProcess;
  let redis: ChildProcess;
  let redisPort: number;

  beforeAll(async () => {
    sim = await startMetaSim({ phones: { [PHONE_ID]: META_TOKEN } });
    seeded = await seedDatabase();
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    // The rate limiter on too, so that it shares the Redis connection as in production.
    gw = await spawnGateway(seeded, {
      META_GRAPH_URL: sim.url,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      RATE_LIMIT_PER_KEY: '10000',
    });
  });
  afterAll(async () => {
    if (gw && gw.proc.exitCode === null) {
      gw.proc.kill('SIGTERM');
      await gw.exited;
    }
    if (redis) await stopRedis(redis);
    await sim?.close();
    if (seeded) fs.rmSync(seeded.dataDir, { recursive: true, force: true });
  });

  // An Idempotency-Key makes the send claim it in Redis first: without one Redis is not needed.
  const send = (text: string) =>
    fetch(`${gw.url}/send-whatsapp?tenantId=${seeded.slug}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${seeded.key}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ phone_number: '+27123456789', message_type: 'text', text }),
    });
  const readyz = async () => {
    const res = await fetch(`${gw.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { checks?: Record<string, string> } };
  };

  it('answers 503 with Retry-After while Redis is down and recovers by itself once it is back', async () => {
    const first = await send('before');
    expect(first.status, await first.clone().text()).toBe(200);
    expect((await readyz()).status).toBe(200);

    await stopRedis(redis);

    // The first request after the kill may still be on its way through ioredis' reconnect; the
    // gateway must settle on 503 soon, never a 500 or a 200 without its idempotency claim.
    const seen: number[] = [];
    const down = await until('a 503 while Redis is down', 15_000, async () => {
      const res = await send('while-down');
      seen.push(res.status);
      return res.status === 503 ? res : undefined;
    });
    for (const s of seen) expect([200, 503]).toContain(s);
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await down.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'Service unavailable' });
    expect(typeof body.message).toBe('string');
    expect(body).not.toHaveProperty('stack');

    const notReady = await until('/readyz 503', 15_000, async () => {
      const r = await readyz();
      return r.status === 503 ? r : undefined;
    });
    expect(notReady.body.checks).toMatchObject({ database: 'ok', redis: 'failed' });

    redis = await startRedis(redisPort);

    // Same process, same port: recovered when a send succeeds and /readyz is green again.
    await until('a successful send after Redis restarted', 15_000, async () =>
      (await send('after')).status === 200 ? true : undefined,
    );
    await until('/readyz 200 after Redis restarted', 15_000, async () =>
      (await readyz()).status === 200 ? true : undefined,
    );
    expect(gw.proc.exitCode).toBeNull();
  });
});
