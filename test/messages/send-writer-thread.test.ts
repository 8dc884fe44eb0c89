// The writer thread's own failure modes; its normal work is covered through the send path's suites
// (SEND_VARIANTS: batched-writes.test.ts, send.test.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/errors.js';
import { SendWriterThread, WRITER_STOPPED } from '../../src/messages/send-writer-thread.js';
import type { SendWrite } from '../../src/messages/send-writes.js';

const pending = (id: string): SendWrite => ({ kind: 'pending', id, organizationId: 'o', contactId: 'c', messageType: 'text', content: '{}', mediaUrl: null, requestId: null, now: '2026-11-25T00:00:00.000Z' });

describe('the send path writer thread', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('fails each batch as "database unavailable" (503) when its thread cannot open the database, and never hangs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-writer-'));
    dirs.push(dir);
    const writer = new SendWriterThread(dir); // a directory: SQLite cannot open it
    for (const id of ['first', 'second']) {
      const err = (await writer.flush([pending(id)]).catch((e: unknown) => e)) as { code?: string };
      expect(err.code).toBe(WRITER_STOPPED);
      expect(isDatabaseUnavailable(err)).toBe(true);
    }
    await writer.stop();
  });

  it('rejects a batch it cannot hand to the thread instead of waiting for it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-writer-'));
    dirs.push(dir);
    const writer = new SendWriterThread(path.join(dir, 'x.db'));
    const unclonable = { ...pending('p'), content: (() => '{}') as unknown as string };
    await expect(writer.flush([unclonable])).rejects.toThrow(/could not be cloned/);
    await writer.stop();
  });
});
