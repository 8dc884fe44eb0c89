// The simulator's public types. Other code (gateway tests, the demo, benchmarks) codes against these,
// so their shape is fixed: add documentation here, never fields.

export interface MetaSimOptions {
  /** 0 = a random free port (default 0). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Added before each Graph answer (messages and media, errors included), default 0. */
  latencyMs?: number;
  /** phone_number_id -> bearer token. */
  phones?: Record<string, string>;
  /** Keep at most this many recorded messages, and as many uploads (default 100000). */
  recordLimit?: number;
  /** Fastify's logger (default off: benchmarks push ~20k messages/s through the simulator). */
  logger?: boolean;
  /** Accepted messages per second per phone id; over it -> 130429 (default off). */
  throughputPerSecond?: number;
  /** Meta's pair rate limit, 131056 (default off). */
  pairLimit?: boolean;
}

export type SimFaultAction =
  | {
      kind: 'graph_error';
      code: number;
      httpStatus?: number;
      message?: string;
      isTransient?: boolean;
      subcode?: number;
    }
  | { kind: 'http_status'; status: number; body?: string }
  /** Delay, then answer normally. */
  | { kind: 'delay'; ms: number }
  /** Destroy the socket. before = without processing; after = the message is accepted and recorded, then the connection is reset with no answer. */
  | { kind: 'drop'; when: 'before' | 'after' };

export interface SimFault {
  /**
   * Default: any message or media call. 'templates' (GET /{waba-id}/message_templates) is hit only
   * by faults that name it, so that a gateway's template sync never takes a fault meant for a send.
   */
  path?: 'messages' | 'media' | 'templates';
  /** Only messages to this recipient (digits; a leading + is ignored). */
  to?: string;
  /** Let this many matching calls through first. */
  skip?: number;
  /** How many calls it hits, default 1; Infinity allowed. */
  times?: number;
  /** 0..1, default 1. */
  probability?: number;
  action: SimFaultAction;
}

export interface SimMessage {
  phoneId: string;
  /** The recipient as digits (the wa_id the simulator answered with). */
  to: string;
  type: string;
  /** The request body exactly as parsed from JSON. */
  payload: unknown;
  wamid: string;
  /** Epoch milliseconds. */
  at: number;
}

export interface SimUpload {
  phoneId: string;
  /** The media id returned to the caller. */
  id: string;
  mimeType: string;
  size: number;
  /** Hex SHA-256 of the uploaded bytes. */
  sha256: string;
  filename?: string;
  at: number;
}

export interface SimCounts {
  /** Every call that reached POST /{version}/{phone}/messages, whatever its answer. */
  messageCalls: number;
  /** Every call that reached POST /{version}/{phone}/media. */
  mediaCalls: number;
  /** Messages and uploads accepted and recorded. */
  accepted: number;
  /** Messages and uploads answered with a Graph error (validation, auth, rate limits, graph_error faults). */
  refused: number;
}

export interface MetaSim {
  /** Origin, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  addPhone(phoneId: string, token: string): void;
  injectFault(f: SimFault): void;
  clearFaults(): void;
  messages(): SimMessage[];
  uploads(): SimUpload[];
  counts(): SimCounts;
  /** Clears records, counts, faults, uploaded media ids, rate-limit state and customers' windows; keeps phones, templates and the clock. */
  reset(): void;
  close(): Promise<void>;
}
