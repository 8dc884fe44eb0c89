// Writing a message's outcome once Meta has answered. From that point the client's answer must be
// Meta's (a retry of the same Idempotency-Key must not send again), so a failing database write may
// not turn into a retryable 503: the write is retried a few times within the request, and if it
// still fails the request answers with Meta's outcome anyway while the write goes on being retried
// in the background until it lands. The row stays `pending` meanwhile, which the stale-pending sweep
// turns into `unknown` should the process die before it lands; the log line names the wamid, so an
// operator can settle it with `flowiq messages resolve`.
import { backOff } from 'exponential-backoff';
import type { Logger } from 'pino';

export interface SettleOptions {
  /** Attempts within the request before the request answers and the write moves to the background. */
  inRequestAttempts: number;
  /** First delay between attempts; it doubles, with full jitter, up to maxDelayMs. */
  startingDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_SETTLE: SettleOptions = { inRequestAttempts: 4, startingDelayMs: 50, maxDelayMs: 15_000 };

export class OutcomeWriter {
  readonly #background = new Map<Promise<void>, Record<string, unknown>>();
  #stopped = false;

  constructor(
    private readonly log: Pick<Logger, 'warn' | 'error' | 'info'>,
    private readonly opts: SettleOptions = DEFAULT_SETTLE,
  ) {}

  /**
   * Runs `write` until it succeeds. Resolves once it has, or once the in-request attempts are spent
   * (the write then continues in the background); never rejects.
   */
  async settle(write: () => Promise<void>, what: Record<string, unknown>): Promise<void> {
    // The first attempt bare: the send path's common case pays for no retry machinery.
    try {
      return await write();
    } catch {
      // retried below
    }
    try {
      await backOff(write, {
        delayFirstAttempt: true,
        numOfAttempts: Math.max(1, this.opts.inRequestAttempts - 1),
        startingDelay: this.opts.startingDelayMs,
        maxDelay: this.opts.maxDelayMs,
        jitter: 'full',
        retry: () => !this.#stopped,
      });
      return;
    } catch (err) {
      this.log.warn(
        { err, ...what },
        "could not record the outcome of a message Meta answered; answering with Meta's outcome and retrying the write in the background",
      );
    }
    const task = this.#retryInBackground(write, what);
    this.#background.set(task, what);
    void task.finally(() => this.#background.delete(task));
  }

  async #retryInBackground(write: () => Promise<void>, what: Record<string, unknown>): Promise<void> {
    try {
      await backOff(write, {
        // With 15 s between attempts at most, about three days of attempts; then the sweep's `unknown`.
        numOfAttempts: 20_000,
        startingDelay: this.opts.startingDelayMs * 4,
        maxDelay: this.opts.maxDelayMs,
        jitter: 'full',
        retry: () => !this.#stopped,
      });
      this.log.info(what, 'recorded the outcome of a message after retrying');
    } catch (err) {
      if (this.#stopped) return; // stop() logs what is left
      this.log.error(
        { err, ...what },
        'gave up recording the outcome of a message Meta answered; settle it with `flowiq messages resolve`',
      );
    }
  }

  /** Writes still being retried in the background. */
  get backlog(): number {
    return this.#background.size;
  }

  /**
   * At shutdown: no further attempts. Waits at most `waitMs` for the attempts under way, then logs
   * each write still unrecorded (with its wamid) for an operator.
   */
  async stop(waitMs = 2000): Promise<void> {
    this.#stopped = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.#background.keys()]), timeout]);
    clearTimeout(timer);
    for (const what of this.#background.values()) {
      this.log.error(
        what,
        'stopping with the outcome of a message Meta answered still unrecorded; settle it with `flowiq messages resolve`',
      );
    }
  }
}
