// Injected faults: which one, if any, hits a Graph call. Faults are tried in the order injected and
// at most one applies per call.
import type { SimFault, SimFaultAction } from './types.js';

export type GraphPath = 'messages' | 'media' | 'templates';

interface ActiveFault {
  path: GraphPath | undefined;
  to: string | undefined;
  skip: number;
  times: number;
  probability: number;
  action: SimFaultAction;
}

export function digitsOf(phone: string): string {
  return phone.startsWith('+') ? phone.slice(1) : phone;
}

export class FaultList {
  private faults: ActiveFault[] = [];

  get size(): number {
    return this.faults.length;
  }

  add(f: SimFault): void {
    this.faults.push({
      path: f.path,
      to: f.to === undefined ? undefined : digitsOf(f.to),
      skip: f.skip ?? 0,
      times: f.times ?? 1,
      probability: f.probability ?? 1,
      action: f.action,
    });
  }

  clear(): void {
    this.faults = [];
  }

  /**
   * The action for this call, if a fault hits it. A fault that only matches `to` never hits uploads:
   * the recipient is a message's. `to` is the request's recipient (undefined when it has none).
   */
  take(path: GraphPath, to: string | undefined): SimFaultAction | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i];
      if (f === undefined || !matches(f, path, to)) continue;
      if (f.skip > 0) {
        f.skip -= 1;
        continue;
      }
      if (f.probability < 1 && Math.random() >= f.probability) continue;
      f.times -= 1;
      if (f.times <= 0) this.faults.splice(i, 1);
      return f.action;
    }
    return undefined;
  }
}

function matches(f: ActiveFault, path: GraphPath, to: string | undefined): boolean {
  if (f.path !== undefined ? f.path !== path : path === 'templates') return false;
  if (f.to !== undefined && (to === undefined || digitsOf(to) !== f.to)) return false;
  return true;
}
