import type { Redis } from 'ioredis';
import { ServiceUnavailable } from '../errors.js';
import type { BeginResult, IdempotencyScope, IdempotencyStore } from './store.js';

interface Record {
  h: string;
  s?: number;
  b?: string;
}

// Fail closed: without the store a retried request could send twice, so a Redis failure is a 503
// (retry shortly), never a pass-through and never a 500.
function unavailable(err: unknown): never {
  throw new ServiceUnavailable('Idempotency storage (Redis) is unavailable; retry shortly', 2, err);
}

/** One Redis string per key: SET NX claims it atomically across every instance. */
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  private name(s: IdempotencyScope): string {
    return `flowiq:idem:${s.organizationId}:${s.scope}:${s.key}`;
  }

  begin(s: IdempotencyScope, requestHash: string): Promise<BeginResult> {
    return this.tryBegin(s, requestHash).catch(unavailable);
  }

  private async tryBegin(s: IdempotencyScope, requestHash: string): Promise<BeginResult> {
    const claimed = await this.redis.set(
      this.name(s),
      JSON.stringify({ h: requestHash } satisfies Record),
      'EX',
      this.ttlSeconds,
      'NX',
    );
    if (claimed === 'OK') return { kind: 'owner' };
    const raw = await this.redis.get(this.name(s));
    if (raw === null) return this.tryBegin(s, requestHash); // expired between the two calls
    const rec = JSON.parse(raw) as Record;
    if (rec.h !== requestHash) return { kind: 'mismatch' };
    if (rec.s !== undefined && rec.b !== undefined) return { kind: 'replay', status: rec.s, body: rec.b };
    return { kind: 'in_progress' };
  }

  complete(s: IdempotencyScope, status: number, body: string): Promise<void> {
    return this.tryComplete(s, status, body).catch(unavailable);
  }

  private async tryComplete(s: IdempotencyScope, status: number, body: string): Promise<void> {
    const raw = await this.redis.get(this.name(s));
    const h = raw === null ? '' : (JSON.parse(raw) as Record).h;
    await this.redis.set(
      this.name(s),
      JSON.stringify({ h, s: status, b: body } satisfies Record),
      'EX',
      this.ttlSeconds,
    );
  }

  async release(s: IdempotencyScope): Promise<void> {
    await this.redis.del(this.name(s)).catch(unavailable);
  }
}
