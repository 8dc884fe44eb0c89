import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlIdempotencyStore } from '../../src/idempotency/sql-store.js';
import { ENGINES, freshDb, type FreshDb } from '../helpers/db.js';

describe.each(ENGINES)('the SQL idempotency store on %s', (engine) => {
  let fresh: FreshDb;
  beforeEach(async () => {
    fresh = await freshDb(engine);
  });
  afterEach(async () => fresh.cleanup());

  const scope = (key: string) => ({ organizationId: 'org-1', scope: 'POST /send-whatsapp', key });

  it('purges expired records and keeps live ones', async () => {
    const expired = new SqlIdempotencyStore(fresh.db, 1);
    const live = new SqlIdempotencyStore(fresh.db, 3600);
    expect(await expired.begin(scope('old'), 'h')).toEqual({ kind: 'owner' });
    await expired.complete(scope('old'), 200, '{}');
    expect(await live.begin(scope('new'), 'h')).toEqual({ kind: 'owner' });
    await live.complete(scope('new'), 200, '{"ok":true}');
    const deadline = Date.now() + 3000;
    let purged = 0;
    while (purged === 0 && Date.now() < deadline) {
      purged = await live.purgeExpired();
      if (purged === 0) await new Promise((r) => setTimeout(r, 100)); // the 1 s record's own lifetime
    }
    expect(purged).toBe(1);
    const rows = await fresh.db.kysely.selectFrom('idempotency_keys').select('idempotency_key').execute();
    expect(rows.map((r) => r.idempotency_key)).toEqual(['new']);
    expect(await live.begin(scope('new'), 'h')).toEqual({ kind: 'replay', status: 200, body: '{"ok":true}' });
  });
});
