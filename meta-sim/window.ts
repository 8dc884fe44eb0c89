// The customer service window (docs/META.md, templates): a customer's message opens 24 hours in
// which the business may send anything; outside them only templates arrive. The simulator knows the
// window from the inbound messages it simulated itself, per (phone_number_id, customer), and reads
// time from its own clock so that tests can stand at 23:59:59 and at 24:00:01.

export const WINDOW_MS = 24 * 60 * 60 * 1000;

export type WindowMode = 'enforce' | 'off';

export function isWindowMode(v: unknown): v is WindowMode {
  return v === 'enforce' || v === 'off';
}

/**
 * The simulator's notion of now: the real clock moved by an offset, or a frozen instant. It only
 * governs the window and the default timestamp of inbound messages; status delays stay real time.
 */
export class SimClock {
  private offsetMs = 0;
  private frozenAt: number | undefined;

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  /** Freezes the clock at this epoch ms; null lets it run again from there. */
  set(at: number | null): void {
    if (at === null) {
      if (this.frozenAt !== undefined) this.offsetMs = this.frozenAt - Date.now();
      this.frozenAt = undefined;
      return;
    }
    checkMs(at, 'now');
    this.frozenAt = at;
  }

  /** Moves the clock forward (or back, with a negative amount), frozen or running. */
  advance(ms: number): void {
    if (!Number.isFinite(ms)) throw new TypeError('advance_ms must be a number of milliseconds');
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  /** Back to the real clock. */
  clear(): void {
    this.offsetMs = 0;
    this.frozenAt = undefined;
  }

  view(): { now: number; frozen: boolean; offset_ms: number } {
    const now = this.now();
    return { now, frozen: this.frozenAt !== undefined, offset_ms: now - Date.now() };
  }
}

function checkMs(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0) throw new TypeError(`${what} must be epoch milliseconds`);
}

/** The last inbound message's moment per (phone_number_id, wa_id). */
export class WindowTracker {
  private readonly last = new Map<string, number>();
  mode: WindowMode;

  constructor(mode: WindowMode) {
    this.mode = mode;
  }

  /** A customer wrote at `at` (epoch ms); an older message never moves the window back. */
  opened(phoneId: string, waId: string, at: number): void {
    checkMs(at, 'at');
    const key = keyOf(phoneId, waId);
    const prev = this.last.get(key);
    if (prev === undefined || at > prev) this.last.set(key, at);
  }

  /** Sets the moment exactly (a control call), or forgets it with null. */
  set(phoneId: string, waId: string, at: number | null): void {
    if (at === null) this.last.delete(keyOf(phoneId, waId));
    else {
      checkMs(at, 'at');
      this.last.set(keyOf(phoneId, waId), at);
    }
  }

  lastInbound(phoneId: string, waId: string): number | undefined {
    return this.last.get(keyOf(phoneId, waId));
  }

  /** Open while no more than 24 hours have passed since the customer's last message. */
  isOpen(phoneId: string, waId: string, now: number): boolean {
    const at = this.last.get(keyOf(phoneId, waId));
    return at !== undefined && now - at <= WINDOW_MS;
  }

  list(now: number): { phone_id: string; wa_id: string; last_inbound_at: number; closes_at: number; open: boolean }[] {
    return [...this.last].map(([key, at]) => {
      const colon = key.indexOf(':');
      return {
        phone_id: key.slice(0, colon),
        wa_id: key.slice(colon + 1),
        last_inbound_at: at,
        closes_at: at + WINDOW_MS,
        open: now - at <= WINDOW_MS,
      };
    });
  }

  clear(): void {
    this.last.clear();
  }
}

function keyOf(phoneId: string, waId: string): string {
  return `${phoneId}:${waId}`;
}
