import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteConnection } from '../../src/db/sqlite-connection.js';
import { createStorage } from '../../src/media/storage/index.js';
import { mediaKey } from '../../src/media/storage/types.js';

// What the gateway writes to disk holds tokens, key hashes, messages and customers' media: owner only.
const modeOf = (f: string) => fs.statSync(f).mode & 0o777;

describe('files the gateway creates', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-modes-'));
    dirs.push(d);
    return d;
  };

  it('creates the SQLite database and its WAL and shared-memory files 0600', () => {
    const file = path.join(tmp(), 'flowiq.db');
    const db = openSqliteConnection(file);
    db.exec('create table t (x)');
    db.exec("insert into t values ('a')");
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(modeOf(f), f).toBe(0o600);
    db.close();
  });

  it('stores media objects and their sidecar files 0600', async () => {
    const dir = tmp();
    const storage = createStorage({ kind: 'fs', dir: path.join(dir, 'media') });
    const src = path.join(dir, 'src');
    fs.writeFileSync(src, 'bytes', { mode: 0o600 });
    await storage.put(mediaKey('01234567-89ab-7cde-8f01-23456789abcd', 'a'.repeat(64)), src, {
      contentType: 'image/png',
      size: 5,
      sha256: 'abc',
    });
    const files = fs
      .readdirSync(path.join(dir, 'media'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile());
    expect(files.length).toBe(2);
    for (const e of files) expect(modeOf(path.join(e.parentPath, e.name)), e.name).toBe(0o600);
    await storage.close();
  });
});
