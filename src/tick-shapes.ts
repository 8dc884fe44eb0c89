// Keeps two process.nextTick entries alive so V8 keeps their hidden classes, and nextTick stays on
// its fast path after full collections (why and how much: docs/PERFORMANCE.md, "nextTick shapes").
// The entries are captured once at start with an async hook that is removed again at once.
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
