// Group commit: writes from concurrent requests share one transaction, so one commit (and on
// PostgreSQL one WAL flush) serves many of them. Each caller's promise settles only after the
// commit that holds its write, so "a 200 means the row is committed" still holds.
// Measured on SQLite: one transaction per write, 7.7k messages/s; batches of 25, 29k/s.

/** Writes a whole batch atomically and answers one result per op, in order. */
export type BatchFlush<Op, R> = (batch: Op[]) => Promise<R[]>;

type Waiting<Op, R> = { op: Op; resolve(v: R): void; reject(e: unknown): void };

export class GroupCommitter<Op, R> {
  #queue: Waiting<Op, R>[] = [];
  #active = 0;

  constructor(
    private readonly flush: BatchFlush<Op, R>,
    /** Batches in flight at once: 1 for SQLite (one writer), 2 for PostgreSQL. */
    private readonly concurrency: number,
    private readonly maxBatch = 200,
  ) {}

  run(op: Op): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ op, resolve, reject });
      if (this.#active < this.concurrency) {
        this.#active++;
        // Let the requests that arrive in this turn of the event loop join the batch.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.maxBatch);
      try {
        const results = await this.flush(batch.map((w) => w.op));
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i] as R);
      } catch (err) {
        // The batch is one transaction: if it failed, none of its writes happened.
        for (const w of batch) w.reject(err);
      }
    }
    this.#active--;
  }
}
