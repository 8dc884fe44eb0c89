// A bounded copy of a JSON value, for the parts of a webhook kept "as sent" (a referral, a template
// event, a message type we do not know). Bounded so that a hostile or broken body cannot make the
// copy deep, wide or slow: recursion stops at LIMITS.looseDepth levels, a fixed number rather than
// whatever the body nests, and the whole copy visits at most LIMITS.looseNodes values.
import { LIMITS, isRecord } from './parse-read.js';
import type { LooseJson } from '../meta/webhook-items.js';

interface Budget {
  nodes: number;
  cut: boolean;
}

function copyString(s: string, budget: Budget): string {
  if (s.length <= LIMITS.text) return s;
  budget.cut = true;
  return s.slice(0, LIMITS.text);
}

function copyObject(v: Record<string, unknown>, depth: number, budget: Budget): { [key: string]: LooseJson } {
  const out: { [key: string]: LooseJson } = {};
  for (const key of Object.keys(v)) {
    if (budget.nodes <= 0) {
      budget.cut = true;
      break;
    }
    // defineProperty, not assignment: `out["__proto__"] = x` would set the prototype instead.
    Object.defineProperty(out, key, { value: copy(v[key], depth + 1, budget), enumerable: true, writable: true });
  }
  return out;
}

function copy(v: unknown, depth: number, budget: Budget): LooseJson {
  budget.nodes -= 1;
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') return copyString(v, budget);
  if (typeof v !== 'object' || depth >= LIMITS.looseDepth) {
    budget.cut = true;
    return null;
  }
  if (Array.isArray(v)) {
    const out: LooseJson[] = [];
    for (const item of v) {
      if (budget.nodes <= 0) {
        budget.cut = true;
        break;
      }
      out.push(copy(item, depth + 1, budget));
    }
    return out;
  }
  return isRecord(v) ? copyObject(v, depth, budget) : null;
}

/**
 * The copy, and whether anything was cut (levels past the limit become null, long strings are
 * shortened, entries past the node budget are dropped). The caller notes a cut on its item.
 */
export function looseCopy(v: unknown): { value: LooseJson; cut: boolean } {
  const budget: Budget = { nodes: LIMITS.looseNodes, cut: false };
  const value = copy(v, 0, budget);
  return { value, cut: budget.cut };
}

/** looseCopy of an object, noting a cut under `label`; used where the value must stay an object. */
export function looseRecord(v: Record<string, unknown>, label: string, notes: string[]): { [key: string]: LooseJson } {
  const budget: Budget = { nodes: LIMITS.looseNodes, cut: false };
  const value = copyObject(v, 0, budget);
  if (budget.cut) notes.push(`${label} was cut to the size limits`);
  return value;
}
