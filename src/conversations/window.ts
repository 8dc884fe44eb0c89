// The 24-hour customer service window (docs/META.md §7): a customer's message opens 24 hours in
// which the business may send anything; outside them Meta delivers only approved templates, and
// a free-form message gets a 200 and then fails as 131047. Each thread (customer_sessions) knows
// its last inbound message (inbound-writes.ts) and, since migration 012, when Meta last said the
// window was closed; from those two the send path decides before calling Meta.
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { query, type Steps } from '../db/steps.js';
import type { Database } from '../db/types.js';
import { OutsideWindow } from '../errors.js';
import type { OrganizationRow } from '../organizations/store.js';

export const WINDOW_MS = 24 * 60 * 60 * 1000;

/** Meta's code for a free-form message outside the window (docs/META.md §3). */
export const OUTSIDE_WINDOW_CODE = 131047;

/** A thread's window as the gateway knows it. */
export interface SendWindow {
  open: boolean;
  /**
   * When it closes (open) or closed; null when the customer never wrote (it never opened), or
   * when the gateway does not look (an organization that receives no webhooks).
   */
  endsAt: string | null;
  /** Closed because Meta said so (131047), before the 24 hours were up. */
  closedByMeta: boolean;
  /** Whether the gateway knows the window at all (it reads it for this organization). */
  known: boolean;
}

const UNKNOWN: SendWindow = Object.freeze({ open: true, endsAt: null, closedByMeta: false, known: false });

/**
 * The window from the thread's last inbound message and Meta's last 131047 (the moment of the
 * refused send): open until 24 h after the last inbound message, unless Meta refused a send after it.
 */
export function windowOf(lastInboundAt: string | null, closedAt: string | null, nowMs: number): SendWindow {
  if (lastInboundAt === null) return { open: false, endsAt: closedAt, closedByMeta: closedAt !== null, known: true };
  // Meta's timestamps are whole seconds: a message in the second of the refused send came after it.
  if (closedAt !== null && closedAt.slice(0, 19) > lastInboundAt.slice(0, 19))
    return { open: false, endsAt: closedAt, closedByMeta: true, known: true };
  const endsMs = Date.parse(lastInboundAt) + WINDOW_MS;
  return { open: nowMs < endsMs, endsAt: new Date(endsMs).toISOString(), closedByMeta: false, known: true };
}

/**
 * Whether free-form sends of this organization are refused outside the window: its own
 * `window_check` ('on' / 'off'), else WINDOW_CHECK. With `webhooks` (the default) only an
 * organization that receives Meta's webhooks (a Meta app attached) is checked: without them the
 * gateway never sees a customer's message and cannot know the window.
 */
export function isWindowChecked(org: OrganizationRow, rule: Config['windowCheck']): boolean {
  if (org.window_check === 'on') return true;
  if (org.window_check === 'off') return false;
  if (rule === 'always') return true;
  if (rule === 'off') return false;
  return org.meta_app_id !== null;
}

/** Whether the gateway reads the window of this organization's threads (to check or to report it). */
function isWindowKnown(org: OrganizationRow, rule: Config['windowCheck']): boolean {
  return org.meta_app_id !== null || isWindowChecked(org, rule);
}

interface WindowRow {
  last_inbound_at: string | null;
  window_closed_at: string | null;
}

const SELECT =
  'select last_inbound_at, window_closed_at from customer_sessions where organization_id = $1 and contact_id = $2';

/** Reads and closes windows. SQLite answers synchronously: a text send pays for no promise. */
export class SendWindows {
  readonly #sqliteRead: SQLite.Statement<[string, string], WindowRow> | undefined;

  /**
   * Open windows, by organization and contact, until they close or `cacheMs` pass: a conversation's
   * replies read the thread once a second, not once a send. A closed window is never kept (the
   * customer's next message opens it at once); a 131047 answered here drops its entry, one seen by
   * a status webhook or another instance counts after at most `cacheMs`.
   */
  readonly #open = new Map<string, { window: SendWindow; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly rule: Config['windowCheck'],
    private readonly cacheMs = 0,
    private readonly now: () => number = Date.now,
  ) {
    this.#sqliteRead =
      db.engine === 'sqlite' ? db.sqlite.prepare<[string, string], WindowRow>(SELECT.replace(/\$\d/g, '?')) : undefined;
  }

  /** Whether a free-form send to this contact is refused outside its window. */
  checks(org: OrganizationRow): boolean {
    return isWindowChecked(org, this.rule);
  }

  /** The window of the organization's thread with this contact. */
  read(org: OrganizationRow, contactId: string): SendWindow | Promise<SendWindow> {
    if (!isWindowKnown(org, this.rule)) return UNKNOWN;
    const now = this.now();
    const key = `${org.id} ${contactId}`;
    const hit = this.#open.get(key);
    if (hit !== undefined && now < hit.until) return hit.window;
    if (this.#sqliteRead) {
      const row = this.#sqliteRead.get(org.id, contactId);
      return this.#keep(key, windowOf(row?.last_inbound_at ?? null, row?.window_closed_at ?? null, now), now);
    }
    if (this.db.engine !== 'postgres') throw new Error('unreachable');
    return this.db.pgPool
      .query<WindowRow>({ name: 'flowiq-send-window', text: SELECT, values: [org.id, contactId] })
      .then((res) =>
        this.#keep(
          key,
          windowOf(res.rows[0]?.last_inbound_at ?? null, res.rows[0]?.window_closed_at ?? null, now),
          now,
        ),
      );
  }

  #keep(key: string, w: SendWindow, now: number): SendWindow {
    if (!w.open || this.cacheMs <= 0) {
      this.#open.delete(key);
      return w;
    }
    if (this.#open.size >= 100_000) this.#open.clear(); // bounded; refilled by the next reads
    this.#open.set(key, { window: w, until: Math.min(now + this.cacheMs, Date.parse(w.endsAt!)) });
    return w;
  }

  /** Meta answered a send to this contact with 131047: its window was closed at `at`. */
  async markClosed(organizationId: string, contactId: string, at: string): Promise<void> {
    this.#open.delete(`${organizationId} ${contactId}`);
    await this.db.kysely
      .updateTable('customer_sessions')
      .set({ window_closed_at: at })
      .where('organization_id', '=', organizationId)
      .where('contact_id', '=', contactId)
      .where((eb) => eb.or([eb('window_closed_at', 'is', null), eb('window_closed_at', '<', at)]))
      .execute();
  }
}

/**
 * A `failed` status with 131047 for a message of this thread: its window was closed when the
 * message was sent (`sentAt`), whatever the 24 hours said. Steps, for the status write's transaction.
 */
export function* closeWindowOnStatus(k: Kysely<Database>, sessionId: string, sentAt: string): Steps<void> {
  yield* query(
    k
      .updateTable('customer_sessions')
      .set({ window_closed_at: sentAt })
      .where('id', '=', sessionId)
      .where((eb) => eb.or([eb('window_closed_at', 'is', null), eb('window_closed_at', '<', sentAt)])),
  );
}

const USE_A_TEMPLATE = 'Only an approved template can be sent now (message_type "template").';

/** The refusal of a free-form send outside the window, saying when it closed. */
export function outsideWindow(w: SendWindow): OutsideWindow {
  const extra = { window_ends_at: w.endsAt };
  if (w.closedByMeta)
    return new OutsideWindow(
      `Meta reported the customer service window closed (131047) for a message sent at ${w.endsAt}, and the customer has not written since. ${USE_A_TEMPLATE}`,
      { extra },
    );
  if (w.endsAt === null)
    return new OutsideWindow(
      `The customer has not written to this number, so no customer service window is open and a free-form message would not be delivered (Meta's 131047). ${USE_A_TEMPLATE}`,
      { extra },
    );
  return new OutsideWindow(
    `The customer service window closed at ${w.endsAt}, 24 hours after the customer's last message; a free-form message would not be delivered (Meta's 131047). ${USE_A_TEMPLATE}`,
    { extra },
  );
}

/** Meta's own 131047 in a send's answer, in the same words. */
export function outsideWindowByMeta(metaError: Record<string, unknown>): OutsideWindow {
  return new OutsideWindow(
    `Meta refused the message: more than 24 hours have passed since the customer's last message (131047). ${USE_A_TEMPLATE}`,
    { extra: { window_ends_at: null, meta_error: metaError } },
  );
}
