// Webhook processing in the background. The route wakes the processor after each commit; this
// job also runs it every second, which processes at start what a stopped process left pending and
// retries what failed (the database away), and applies statuses whose message has since got its wamid.
import type { Logger } from 'pino';
import type { WebhookProcessor } from '../inbound/processor.js';
import { every, type Job } from './scheduler.js';

export function inboundProcessing(opts: {
  processor: WebhookProcessor;
  intervalMs: number;
  log: Pick<Logger, 'warn'>;
}): Job {
  // In the background from the start: after a crash under a storm the backlog may take seconds,
  // and Meta's retries and the API must be answered meanwhile. Never throws (the processor logs).
  const job = every(
    'inbound-processing',
    opts.intervalMs,
    async () => {
      opts.processor.wake();
      await opts.processor.idle();
      try {
        await opts.processor.applyWaiting();
      } catch (err) {
        opts.log.warn({ err }, 'could not apply waiting statuses; will retry');
      }
    },
    { background: true },
  );
  return {
    name: job.name,
    start: () => job.start(),
    stop: async () => {
      await job.stop();
      await opts.processor.idle();
    },
  };
}
