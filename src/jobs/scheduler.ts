// One shape for background work: each job runs once at start (awaited), then on its timer, and
// stops in the reverse order it started, each stop awaited, so a job that depends on another (a
// dispatcher on the writes a sweep settles) never outlives it. A run never overlaps the previous one.

export interface Job {
  name: string;
  /** Runs once now (awaited at start), then on its timer until stop(). */
  start(): Promise<void>;
  /** Clears the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * A job that runs every intervalMs, the first time at start. With `background`, start does not
 * wait for that first run: one that may take long (a backlog left by a crash) must not keep the
 * process from listening.
 */
export function every(
  name: string,
  intervalMs: number,
  run: () => Promise<void>,
  opts: { background?: boolean } = {},
): Job {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = () => {
    // One run at a time: a slow database must not pile up runs.
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
  return {
    name,
    start: async () => {
      if (opts.background) void tick();
      else await tick();
      timer = setInterval(() => void tick(), intervalMs);
      timer.unref();
    },
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

export interface Jobs {
  stop(): Promise<void>;
}

/** Starts the jobs in order; stop() stops the started ones in reverse order. */
export async function startJobs(jobs: Job[]): Promise<Jobs> {
  const started: Job[] = [];
  const stop = async (): Promise<void> => {
    for (const job of started.splice(0).reverse()) await job.stop();
  };
  try {
    for (const job of jobs) {
      await job.start();
      started.push(job);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}
