// Graph errors are classified by their `code`, never by HTTP status: Meta sends rate limits as 400
// too (docs/META.md §3). The classes decide what the gateway answers and whether it may retry.

export type GraphErrorClass = 'throttled' | 'transient' | 'permanent';

export interface GraphError {
  code: number;
  message: string;
  type?: string;
  subcode?: number;
  fbtrace_id?: string;
  details?: string;
  is_transient?: boolean;
}

/** docs/META.md §3/§4: app, WABA, phone throughput and pair limits. */
export const THROTTLE_CODES = new Set([4, 80007, 130429, 131056]);
/** Temporary conditions on Meta's side; the same request may succeed later. */
export const TRANSIENT_CODES = new Set([1, 2, 131000, 131016, 131057]);

export function classifyGraphError(err: GraphError): GraphErrorClass {
  if (THROTTLE_CODES.has(err.code)) return 'throttled';
  if (TRANSIENT_CODES.has(err.code) || err.is_transient === true) return 'transient';
  return 'permanent';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads Graph's error envelope; undefined when the body is not one. */
export function parseGraphError(body: unknown): GraphError | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const e = body.error;
  if (typeof e.code !== 'number') return undefined;
  const data = isRecord(e.error_data) ? e.error_data : undefined;
  return {
    code: e.code,
    message: typeof e.message === 'string' ? e.message : 'Unknown Graph error',
    ...(typeof e.type === 'string' ? { type: e.type } : {}),
    ...(typeof e.error_subcode === 'number' ? { subcode: e.error_subcode } : {}),
    ...(typeof e.fbtrace_id === 'string' ? { fbtrace_id: e.fbtrace_id } : {}),
    ...(data && typeof data.details === 'string' ? { details: data.details } : {}),
    ...(typeof e.is_transient === 'boolean' ? { is_transient: e.is_transient } : {}),
  };
}

/** What a client sees under `meta_error`: Meta's code, message and trace id, nothing of ours. */
export function publicMetaError(err: GraphError): Record<string, unknown> {
  return {
    code: err.code,
    message: err.message,
    ...(err.details !== undefined ? { details: err.details } : {}),
    ...(err.fbtrace_id !== undefined ? { fbtrace_id: err.fbtrace_id } : {}),
  };
}
