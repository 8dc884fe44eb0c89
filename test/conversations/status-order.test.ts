// The one rule for a message's status: forward only, failed after sent, unknown values inert.
import { describe, expect, it } from 'vitest';
import { statusesReplacedBy } from '../../src/conversations/status-order.js';
import type { MessageStatus } from '../../src/db/types.js';

const CURRENT: MessageStatus[] = ['pending', 'unknown', 'sent', 'delivered', 'read', 'played', 'failed'];

// Each row: the webhook's status, then the current statuses it replaces (all others it leaves).
const TABLE: [string, MessageStatus[]][] = [
  ['sent', ['pending', 'unknown']],
  ['delivered', ['pending', 'unknown', 'sent']],
  ['read', ['pending', 'unknown', 'sent', 'delivered']],
  ['played', ['pending', 'unknown', 'sent', 'delivered', 'read']],
  ['failed', ['pending', 'unknown', 'sent', 'delivered']],
  ['deleted', []],
  ['warning', []],
  ['', []],
  ['__proto__', []],
  ['toString', []],
];

describe('statusesReplacedBy', () => {
  it.each(TABLE)('%s replaces exactly %j', (next, replaced) => {
    const got = statusesReplacedBy(next);
    for (const current of CURRENT) expect(got.includes(current)).toBe(replaced.includes(current));
  });

  it('never moves a message backwards along sent < delivered < read < played', () => {
    const chain = ['sent', 'delivered', 'read', 'played'];
    for (let i = 0; i < chain.length; i++)
      for (let j = 0; j <= i; j++) expect(statusesReplacedBy(chain[j]!)).not.toContain(chain[i]);
  });
});
