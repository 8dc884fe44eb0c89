// Durable first: a webhook body whose signature checked is committed here before Meta gets its
// 200. Concurrent POSTs share a commit (db/group-commit.ts); each is answered after the commit
// that holds it, so a 200 always means the body is on disk.
import type { Db } from '../db/database.js';
import { GroupCommitter } from '../db/group-commit.js';
import { newId, nowIso } from '../db/ids.js';

export interface NewReceipt {
  id: string;
  metaAppId: string;
  receivedAt: string;
  body: string;
}

function flushFor(db: Db): (batch: NewReceipt[]) => Promise<void[]> {
  if (db.engine === 'sqlite') {
    const insert = db.sqlite.prepare<[string, string, string, string]>(
      `insert into webhook_receipts (id, meta_app_id, received_at, body, state, attempts) values (?, ?, ?, ?, 'pending', 0)`,
    );
    const write = db.sqlite.transaction((batch: NewReceipt[]) => {
      for (const r of batch) insert.run(r.id, r.metaAppId, r.receivedAt, r.body);
    });
    return async (batch) => {
      write(batch);
      return batch.map(() => undefined);
    };
  }
  return async (batch) => {
    await db.kysely
      .insertInto('webhook_receipts')
      .values(
        batch.map((r) => ({
          id: r.id,
          meta_app_id: r.metaAppId,
          received_at: r.receivedAt,
          body: r.body,
          state: 'pending' as const,
          attempts: 0,
        })),
      )
      .execute();
    return batch.map(() => undefined);
  };
}

export class ReceiptStore {
  readonly #writes: GroupCommitter<NewReceipt, void>;

  constructor(db: Db) {
    this.#writes = new GroupCommitter(flushFor(db), db.engine === 'sqlite' ? 1 : 2);
  }

  /** Commits the body; resolves once it is committed. */
  async store(metaAppId: string, body: string): Promise<string> {
    const id = newId();
    await this.#writes.run({ id, metaAppId, receivedAt: nowIso(), body });
    return id;
  }
}
