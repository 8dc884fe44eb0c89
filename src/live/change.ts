// A change hint: which conversation of which organization changed, and how. Never the data: a page
// that hears of a change reads it through the read API, as the agent it is signed in as, so the
// feed itself cannot leak what the reader may not see and stays small enough for NOTIFY.
export type ChangeKind = 'message' | 'status' | 'reaction' | 'read';

export interface Change {
  organization_id: string;
  conversation_id: string;
  kind: ChangeKind;
  /** The message that changed (not on `read`). */
  message_id?: string;
}

const KINDS = new Set<string>(['message', 'status', 'reaction', 'read']);

/** The key two equal hints share: a batch carries each once. */
export function changeKey(c: Change): string {
  return `${c.organization_id} ${c.conversation_id} ${c.kind} ${c.message_id ?? ''}`;
}

function isChange(v: unknown): v is Change {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    typeof c['organization_id'] === 'string' &&
    typeof c['conversation_id'] === 'string' &&
    typeof c['kind'] === 'string' &&
    KINDS.has(c['kind']) &&
    (c['message_id'] === undefined || typeof c['message_id'] === 'string')
  );
}

/** Hints as one bus message: a JSON array. */
export function encodeChanges(changes: readonly Change[]): string {
  return JSON.stringify(changes);
}

/**
 * A bus message as hints. It came over the network (another instance, or anyone who can publish
 * on the channel), so it is checked: whatever is not a well-formed hint is dropped.
 */
export function decodeChanges(payload: string): Change[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(isChange).map((c) => ({
    organization_id: c.organization_id,
    conversation_id: c.conversation_id,
    kind: c.kind,
    ...(c.message_id !== undefined ? { message_id: c.message_id } : {}),
  }));
}

/**
 * Hints in bus messages of at most `maxBytes` each (PostgreSQL's NOTIFY refuses a payload of
 * 8,000 bytes or more). Ids are ASCII, so a string's length is its size in bytes.
 */
export function chunkChanges(changes: readonly Change[], maxBytes: number): string[] {
  const out: string[] = [];
  let part: string[] = [];
  let size = 2;
  for (const c of changes) {
    const one = JSON.stringify(c);
    if (part.length > 0 && size + one.length + 1 > maxBytes) {
      out.push(`[${part.join(',')}]`);
      part = [];
      size = 2;
    }
    part.push(one);
    size += one.length + 1;
  }
  if (part.length > 0) out.push(`[${part.join(',')}]`);
  return out;
}

/** Collects the hints of one transaction's writes; published only once it has committed. */
export class ChangeSet {
  readonly changes: Change[] = [];

  add(c: Change): void {
    this.changes.push(c);
  }

  /** Moves `other`'s hints after this set's: an item's, once the savepoint around it held. */
  take(other: ChangeSet): void {
    this.changes.push(...other.changes.splice(0));
  }
}
