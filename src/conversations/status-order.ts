// A message's status only moves forward: sent < delivered < read < played (delivered may be
// skipped). `failed` is taken over anything short of read, and nothing moves a failed message.
// A status value Meta adds later is kept in the history and changes nothing here.
import type { MessageStatus } from '../db/types.js';

const BEFORE_SENT: readonly MessageStatus[] = ['pending', 'unknown'];

const REPLACES: Readonly<Record<string, readonly MessageStatus[]>> = {
  sent: BEFORE_SENT,
  delivered: [...BEFORE_SENT, 'sent'],
  read: [...BEFORE_SENT, 'sent', 'delivered'],
  played: [...BEFORE_SENT, 'sent', 'delivered', 'read'],
  failed: [...BEFORE_SENT, 'sent', 'delivered'],
};

/**
 * The statuses a message may be in for a webhook's `next` to replace; empty when `next` never
 * changes the row (a value we do not know).
 */
export function statusesReplacedBy(next: string): readonly MessageStatus[] {
  return Object.hasOwn(REPLACES, next) ? REPLACES[next]! : [];
}

export function isAppliedStatus(status: string): status is 'sent' | 'delivered' | 'read' | 'played' | 'failed' {
  return Object.hasOwn(REPLACES, status);
}
