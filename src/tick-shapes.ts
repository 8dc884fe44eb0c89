// A workaround for a V8 behaviour that made every process.nextTick of the server slow.
//
// Node builds each nextTick entry as an object literal with computed (symbol) keys. V8 tracks the
// hidden classes ("maps") of those objects weakly. When a full garbage collection runs at a moment
// when no entry is queued, which on a server happens between bursts of requests, the maps die,
// and the next entries get new ones; after a few such collections the literal's inline cache gives
// up and every nextTick defines its properties through the runtime's slow path. Node's streams
// call nextTick about ten times per request: under callgrind this was ~13% of the instructions
// the send path ran on the main thread, and a micro-benchmark shows nextTick 5x slower after one
// full collection with an empty queue.
//
// Holding two real entries (one with arguments, one without) for the life of the process keeps
// their maps alive, so the cache stays monomorphic. The entries are captured once at start with an
// async hook that is removed again at once.
import { createHook } from 'node:async_hooks';

const kept: object[] = [];

/** Captures and keeps nextTick entries; returns how many are kept. Idempotent. */
export function keepTickShapes(): number {
  if (kept.length > 0) return kept.length;
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'TickObject') kept.push(resource);
    },
  });
  hook.enable();
  try {
    process.nextTick(() => {});
    process.nextTick(() => {}, undefined);
  } finally {
    hook.disable();
  }
  return kept.length;
}
