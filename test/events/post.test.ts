// One signed POST to an endpoint (events/post.ts): how many go to one receiver at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventPoster, type EventPoster } from '../../src/events/post.js';
import { until } from '../inbound/media-setup.js';

let server: http.Server | undefined;
let poster: EventPoster | undefined;
afterEach(async () => {
  poster?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** A receiver that never answers, and how many requests it holds. */
async function hangingReceiver(): Promise<{ url: string; open: () => number }> {
  let open = 0;
  server = http.createServer((req) => {
    open++;
    req.resume();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, open: () => open };
}

describe('event posts', () => {
  it.each([
    [undefined, 16],
    [24, 24],
  ])('sends as many at once to one receiver as deliveries may be in flight to it (%s → %i)', async (sockets, n) => {
    const r = await hangingReceiver();
    poster = eventPoster({
      allowPrivateNetworks: true,
      timeoutMs: 5_000,
      ...(sockets === undefined ? {} : { socketsPerHost: sockets }),
    });
    for (let i = 0; i < 30; i++) void poster.post(r.url, {}, '{}');
    await until(`${n} requests held`, async () => (r.open() >= n ? true : undefined));
    // A moment for any beyond the limit to arrive, were it not kept.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(r.open()).toBe(n);
  });
});
