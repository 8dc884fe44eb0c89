// Inbound media in the background (inbound/media.ts). The webhook processor wakes the fetcher as
// soon as it has stored a message with media; this job also runs it on a timer, which fetches at
// start what a stopped process left pending and takes each retry when it falls due.
import type { InboundMediaFetcher } from '../inbound/media.js';
import { every, type Job } from './scheduler.js';

export function inboundMediaFetching(opts: { fetcher: InboundMediaFetcher; intervalMs: number }): Job {
  // In the background from the start, like the webhook backlog: downloads must not delay listening.
  const job = every(
    'inbound-media',
    opts.intervalMs,
    async () => {
      opts.fetcher.wake();
      await opts.fetcher.idle();
    },
    { background: true },
  );
  return {
    name: job.name,
    start: async () => {
      opts.fetcher.start();
      await job.start();
    },
    stop: async () => {
      await job.stop();
      await opts.fetcher.stop();
    },
  };
}
