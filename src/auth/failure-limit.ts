import { isIPv6 } from 'node:net';

// Failed authentications per client address: random well-formed keys each cost a database lookup,
// so past `max` failures in a window an address is refused before any lookup until the window ends.
// In memory, per instance (each instance bounds its own lookups, which is what this protects).
export class FailedAuthLimit {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max = 20,
    private readonly windowMs = 60_000,
    /** Addresses tracked at most: beyond it the oldest windows are dropped, so memory stays bounded. */
    private readonly maxAddresses = 50_000,
  ) {}

  /** Seconds until the address may try again, or 0 when it may try now. */
  retryAfter(address: string, now = Date.now()): number {
    const w = this.#windows.get(address);
    if (!w) return 0;
    if (w.resetAt <= now) {
      this.#windows.delete(address);
      return 0;
    }
    return w.count >= this.max ? Math.max(1, Math.ceil((w.resetAt - now) / 1000)) : 0;
  }

  /** Forgets a key's failures. */
  clear(key: string): void {
    this.#windows.delete(key);
  }

  recordFailure(address: string, now = Date.now()): void {
    const w = this.#windows.get(address);
    if (w && w.resetAt > now) {
      w.count++;
      return;
    }
    if (this.#windows.size >= this.maxAddresses) {
      const oldest = this.#windows.keys().next().value;
      if (oldest !== undefined) this.#windows.delete(oldest);
    }
    this.#windows.set(address, { count: 1, resetAt: now + this.windowMs });
  }
}

/**
 * The key an address's failures count under. An IPv6 client is handed a whole /64 (it picks its
 * own interface bits and may rotate them at will), so the /64 is the client; an IPv4 client seen
 * through a dual-stack socket (::ffff:a.b.c.d) is its IPv4 address. Anything else is itself.
 */
export function addressKey(address: string): string {
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare.toLowerCase());
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** A valid IPv6 address as its eight 16-bit groups (a trailing dotted IPv4 counts as two). */
function ipv6Groups(address: string): number[] {
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = '', tail] = address.split('::');
  const first = parse(head);
  const last = tail === undefined ? [] : parse(tail);
  return [...first, ...Array<number>(8 - first.length - last.length).fill(0), ...last];
}
