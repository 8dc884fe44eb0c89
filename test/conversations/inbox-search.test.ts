// GET /api/conversations?q=: what a search matches (docs/INBOX-API.md, "Search"), on both engines,
// whichever way the list took (the index's candidates, or the walk that checks each conversation),
// and what it does with input that is not plain words: LIKE and FTS syntax, quotes, NUL and other
// control characters, blanks, very long input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboxReads } from '../../src/conversations/inbox-reads.js';
import { MessageReads } from '../../src/conversations/reads.js';
import { MediaSigner } from '../../src/media/signing.js';
import { ENGINES } from '../helpers/db.js';
import type { WebhookTenant } from '../inbound/helpers.js';
import {
  T0,
  api,
  inbound,
  outbound,
  startInbox,
  threadOf,
  wamid,
  wholeList,
  type InboxFixture,
} from './inbox-helpers.js';

let numberSeq = 0;
const number = () => `2783${String(process.pid % 1000).padStart(3, '0')}${String(++numberSeq).padStart(4, '0')}`;

describe.each(ENGINES)('inbox search (%s)', (engine) => {
  let f: InboxFixture;
  let t: WebhookTenant;
  const who: Record<string, string> = {};
  const numbers: Record<string, string> = {};
  beforeAll(async () => {
    f = await startInbox(engine);
    t = await f.tenant();
    const people: [string, string, string][] = [
      ['zoe', 'Zoe 50%_off', 'hello'],
      ['bob', 'Bob', 'Where is my INVOICE?'],
      ['carla', 'Carla', 'a 100% refund'],
      ['dan', 'Dan', 'plain'],
      ['erin', "Erin O'Brien", 'say "hi" now, a*b OR c NEAR(x) col:val ^start'],
      ['fay', 'Fay', 'before\u0000after'],
      ['gus', 'Gus', 'Café au lait'],
    ];
    for (const [i, [k, name, body]] of people.entries()) {
      numbers[k] = number();
      await inbound(f.gw, t, { from: numbers[k], at: T0 + i, name, body });
    }
    const dan = await threadOf(f.gw, t, numbers['dan']!);
    await outbound(f.gw, t, dan.contactId, wamid(), { message_type: 'text', text: 'Your parcel ships today' });
    await inbound(f.gw, t, {
      from: numbers['dan']!,
      at: T0 + 20,
      type: 'image',
      fields: { image: { id: 'media-1', mime_type: 'image/jpeg', sha256: 'abc', caption: 'receipt photo' } },
    });
    for (const k of Object.keys(numbers)) who[(await threadOf(f.gw, t, numbers[k]!)).id] = k;
  });
  afterAll(async () => f.close());

  const search = async (q: string) => (await wholeList(f.gw, t, { q })).map((c) => who[c.id]).sort();

  it('finds a substring of a name, a number as typed, an inbound text, our text and a caption', async () => {
    expect(await search('zoe')).toEqual(['zoe']);
    expect(await search('arl')).toEqual(['carla']); // inside a name
    expect(await search('invoice')).toEqual(['bob']); // inbound text, ASCII case ignored
    expect(await search('PARCEL')).toEqual(['dan']); // our text
    expect(await search('receipt')).toEqual(['dan']); // a caption
    const bob = numbers['bob']!;
    expect(await search(bob.slice(-6))).toEqual(['bob']);
    expect(await search(`+${bob.slice(0, 5)} ${bob.slice(5, 8)}-${bob.slice(8)}`)).toEqual(['bob']);
    expect(await search('  invoice  ')).toEqual(['bob']); // surrounding blanks ignored
    expect(await search('nobody')).toEqual([]);
    // JSON keys and other fields are not text: every stored message has "type" and "body".
    expect(await search('body')).toEqual([]);
    expect(await search('image/jpeg')).toEqual([]);
  });

  it('matches a phrase as written, not its words apart', async () => {
    expect(await search('where is my')).toEqual(['bob']);
    expect(await search('my where')).toEqual([]);
  });

  it('searches names and numbers only below 3 characters', async () => {
    expect(await search('Bo')).toEqual(['bob']);
    expect(await search('e')).toEqual(['erin', 'zoe']);
    // "a 100% refund" has a %, but the text is not searched for one character: only Zoe's name.
    expect(await search('%')).toEqual(['zoe']);
    expect(await search('_')).toEqual(['zoe']);
    expect(await search('100%')).toEqual(['carla']); // 4 characters: the text is searched
  });

  it('takes LIKE wildcards, quotes and FTS syntax literally', async () => {
    expect(await search('0%_')).toEqual(['zoe']);
    expect(await search('50%')).toEqual(['zoe']);
    expect(await search('%%%')).toEqual([]);
    expect(await search('___')).toEqual([]);
    expect(await search("o'brien")).toEqual(['erin']);
    expect(await search('"hi"')).toEqual(['erin']);
    expect(await search('a*b')).toEqual(['erin']);
    expect(await search('OR c')).toEqual(['erin']);
    expect(await search('NEAR(x)')).toEqual(['erin']);
    expect(await search('col:val')).toEqual(['erin']);
    expect(await search('^start')).toEqual(['erin']);
    for (const q of [
      '"',
      '""',
      '"unclosed',
      'a AND',
      'NOT',
      '*',
      '(((',
      'x:',
      '\\',
      '\\%',
      "'; drop table contacts; --",
    ])
      expect((await api(f.gw, t).list({ q })).statusCode, q).toBe(200);
  });

  it('finds a message whose text holds a NUL, and refuses a NUL in q', async () => {
    expect(await search('after')).toEqual(['fay']);
    for (const q of ['\u0000', 'a\u0000', 'line\nbreak', '\u0007bell']) {
      const res = await api(f.gw, t).list({ q });
      expect(res.statusCode, JSON.stringify(q)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'Invalid field', message: expect.stringMatching(/^q /) });
    }
  });

  it('keeps a message whose stored content is not JSON, and finds nothing in it', async () => {
    // No writer of ours stores such content; a row from elsewhere must still be written and read.
    const u = await f.tenant();
    const n = number();
    await inbound(f.gw, u, { from: n, at: T0, body: 'first' });
    const th = await threadOf(f.gw, u, n);
    const now = new Date().toISOString();
    await f.gw.ctx.db.kysely
      .insertInto('helpdesk_messages')
      .values({
        id: '01a00000-0000-7000-8000-00000000abcd',
        organization_id: u.organizationId,
        contact_id: th.contactId,
        session_id: th.id,
        direction: 'inbound',
        message_type: 'text',
        content: 'not json: nightingale',
        status: 'received',
        created_at: now,
        updated_at: now,
      })
      .execute();
    expect(await wholeList(f.gw, u, { q: 'nightingale' })).toEqual([]);
    expect((await wholeList(f.gw, u, { q: 'first' })).map((c) => c.id)).toEqual([th.id]);
  });

  it('refuses a blank or too long q with 400, and takes 100 characters', async () => {
    for (const q of ['   ', 'x'.repeat(101)]) {
      const res = await api(f.gw, t).list({ q });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ message: expect.stringMatching(/q/), request_id: expect.any(String) });
    }
    expect((await api(f.gw, t).list({ q: 'x'.repeat(100) })).statusCode).toBe(200);
  });

  it('leaves letters other than ASCII as they are: an accent is a different letter', async () => {
    expect(await search('café')).toEqual(['gus']);
    expect(await search('cafe')).toEqual([]);
  });

  it('finds a message whether its text is indexed yet or still queued for the index', async () => {
    // SQLite indexes messages 64 at a time (migration 015): the first of these are in the index
    // by the end, the last ones wait in the queue; PostgreSQL indexes each as it is written.
    const u = await f.tenant();
    const n = number();
    for (let i = 0; i < 70; i++) await inbound(f.gw, u, { from: n, at: T0 + i, body: `ticket q${1000 + i}x` });
    const th = await threadOf(f.gw, u, n);
    for (const i of [0, 1, 63, 64, 69])
      expect(
        (await wholeList(f.gw, u, { q: `q${1000 + i}x` })).map((c) => c.id),
        String(i),
      ).toEqual([th.id]);
    const db = f.gw.ctx.db;
    if (db.engine === 'sqlite') {
      const count = (table: string) =>
        (db.sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      expect(count('message_search_queue')).toBeGreaterThan(0);
      expect(count('message_search_queue')).toBeLessThan(64);
      expect(count('message_search')).toBeGreaterThan(0);
    }
  });

  it('answers the same when every word counts as common (the walk) as through the index', async () => {
    const signer = new MediaSigner('s', 'http://127.0.0.1', 60);
    const reads = (opts: { cap: number; window: number }) =>
      new InboxReads(f.gw.ctx.db, new MessageReads(f.gw.ctx.db, signer), Date.now, opts);
    const byIndex = reads({ cap: 1_000, window: 0 });
    const byWalk = reads({ cap: 0, window: 0 });
    const byWindow = reads({ cap: 0, window: 1_000 });
    const byWindowThenIndex = reads({ cap: 1_000, window: 1 });
    const ids = async (r: InboxReads, q: string, limit: number) => {
      const out: string[] = [];
      let after: readonly [string, string] | undefined;
      for (;;) {
        const page = await r.list(t.organizationId, { q }, { limit, ...(after ? { after } : {}) });
        out.push(...page.map((c) => c.id));
        if (page.length < limit) return out;
        after = page[page.length - 1]!.key;
      }
    };
    for (const q of [
      'zoe',
      'after',
      'invoice',
      'parcel',
      'receipt',
      '%',
      'Bo',
      '0%_',
      'a',
      'e',
      'nobody',
      numbers['bob']!,
    ]) {
      const expected = await ids(byIndex, q, 100);
      for (const r of [byWalk, byWindow, byWindowThenIndex])
        for (const limit of [1, 2, 100]) expect(await ids(r, q, limit), q).toEqual(expected);
    }
  });
});
