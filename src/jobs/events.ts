// Event delivery in the background (events/dispatcher.ts). Commits that write events wake the
// dispatcher at once; this job also wakes it every interval, which delivers at start what a stopped
// process left pending, what another instance committed, retries when they fall due, and claims a
// dead instance's deliveries once their lease passes.
import type { Dispatching } from '../events/dispatch-setup.js';
import { every, type Job } from './scheduler.js';

export function eventDispatching(opts: { dispatcher: Dispatching; intervalMs: number }): Job {
  const job = every('event-dispatch', opts.intervalMs, async () => opts.dispatcher.wake({ probe: true }), {
    background: true,
  });
  return {
    name: job.name,
    start: () => job.start(),
    stop: async () => {
      await job.stop();
      await opts.dispatcher.stop();
    },
  };
}
