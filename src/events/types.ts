// The events a tenant's endpoints can subscribe to (docs/EVENTS.md). Each is written to the outbox
// in the transaction of the change that causes it (events/outbox.ts).
export const EVENT_TYPES = [
  'message.status',
  'message.received',
  'message.reaction',
  'message.media_ready',
  'message.media_failed',
  'contact.created',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}

/** Every type, for an endpoint that wants them all (stored as ["*"]). */
export const ALL_EVENTS = '*';

export function subscribes(eventTypesJson: string, type: EventType): boolean {
  let types: unknown;
  try {
    types = JSON.parse(eventTypesJson);
  } catch {
    return false;
  }
  return Array.isArray(types) && (types.includes(ALL_EVENTS) || types.includes(type));
}
