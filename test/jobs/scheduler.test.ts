import { describe, expect, it } from 'vitest';
import { every, startJobs, type Job } from '../../src/jobs/scheduler.js';

const recorder = (log: string[], name: string): Job => ({
  name,
  start: async () => void log.push(`start ${name}`),
  stop: async () => void log.push(`stop ${name}`),
});

describe('startJobs', () => {
  it('starts jobs in order and stops them in reverse', async () => {
    const log: string[] = [];
    const jobs = await startJobs([recorder(log, 'a'), recorder(log, 'b'), recorder(log, 'c')]);
    await jobs.stop();
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('stops the jobs already started when a later one fails to start', async () => {
    const log: string[] = [];
    const failing: Job = {
      name: 'x',
      start: async () => Promise.reject(new Error('no')),
      stop: async () => void log.push('stop x'),
    };
    await expect(startJobs([recorder(log, 'a'), failing, recorder(log, 'c')])).rejects.toThrow('no');
    expect(log).toEqual(['start a', 'stop a']);
  });
});

describe('every', () => {
  it('never overlaps runs, and stop waits for the run in progress', async () => {
    let active = 0;
    let maxActive = 0;
    let finished = 0;
    const job = every('slow', 5, async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 30));
      active--;
      finished++;
    });
    await job.start();
    await new Promise((r) => setTimeout(r, 100));
    await job.stop();
    expect(maxActive).toBe(1);
    expect(active).toBe(0);
    const after = finished;
    await new Promise((r) => setTimeout(r, 50));
    expect(finished).toBe(after);
  });

  it('in the background, starts without waiting for the first run, and stop still waits for it', async () => {
    let release!: () => void;
    let finished = false;
    const job = every(
      'backlog',
      60_000,
      async () => {
        await new Promise<void>((r) => (release = r));
        finished = true;
      },
      { background: true },
    );
    await job.start();
    expect(finished).toBe(false);
    const stopped = job.stop();
    release();
    await stopped;
    expect(finished).toBe(true);
  });

  it('by default, start waits for the first run', async () => {
    let finished = false;
    const job = every('first', 60_000, async () => {
      await new Promise((r) => setTimeout(r, 20));
      finished = true;
    });
    await job.start();
    expect(finished).toBe(true);
    await job.stop();
  });
});
