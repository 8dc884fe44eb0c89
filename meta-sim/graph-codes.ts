// Defaults for injected graph_error faults: the title Meta uses for a code and the HTTP status Graph
// has been seen to answer with. Meta says to handle errors by code, not status (docs/META.md §3); the
// statuses follow the older error table quoted there, which is the closest thing to a source.
import { GraphError } from './errors.js';

const TITLES: ReadonlyMap<number, string> = new Map([
  [0, 'AuthException'],
  [1, 'An unknown error occurred'],
  [2, 'Service temporarily unavailable'],
  [4, 'Application request limit reached'],
  [10, 'Permission denied'],
  [100, 'Invalid parameter'],
  [190, 'Invalid OAuth access token - Cannot parse access token'],
  [368, 'Temporarily blocked for policies violations'],
  [80007, 'Rate limit issues'],
  [130429, 'Rate limit hit'],
  [131000, 'Something went wrong'],
  [131005, 'Access denied'],
  [131008, 'Required parameter is missing'],
  [131009, 'Parameter value is not valid'],
  [131016, 'Service unavailable'],
  [131026, 'Message undeliverable'],
  [131031, 'Account has been locked'],
  [131047, 'Re-engagement message'],
  [131048, 'Spam rate limit hit'],
  [131051, 'Unsupported message type'],
  [131053, 'Media upload error'],
  [131056, '(Business Account, Consumer Account) pair rate limit hit'],
  [131057, 'Account in maintenance mode'],
  [133004, 'Server temporarily unavailable'],
  [133010, 'Phone number Not Registered'],
]);

/** The title Meta uses for a code, when the simulator knows it. */
export function knownTitle(code: number): string | undefined {
  return TITLES.get(code);
}

/** Graph-level codes whose message carries no "(#code)" prefix. */
const UNPREFIXED = new Set([0, 1, 2, 190]);

/** docs/META.md §3, older table: 0/190 → 401; 10, 200–299, 368, 131031 → 403; 131000, 131016, 131057 → 500; 2, 133004 → 503; else 400. */
export function defaultHttpStatus(code: number): number {
  if (code === 0 || code === 190) return 401;
  if (code === 10 || (code >= 200 && code <= 299) || code === 368 || code === 131031) return 403;
  if (code === 131000 || code === 131016 || code === 131057) return 500;
  if (code === 2 || code === 133004) return 503;
  return 400;
}

export function defaultMessage(code: number): string {
  const title = TITLES.get(code) ?? 'An unknown error occurred';
  return UNPREFIXED.has(code) ? title : `(#${code}) ${title}`;
}

export interface GraphErrorFault {
  code: number;
  httpStatus?: number;
  message?: string;
  isTransient?: boolean;
  subcode?: number;
}

export function graphErrorFromFault(f: GraphErrorFault): GraphError {
  const carriesData = f.code === 100 || f.code >= 130000;
  return new GraphError({
    code: f.code,
    httpStatus: f.httpStatus ?? defaultHttpStatus(f.code),
    message: f.message ?? defaultMessage(f.code),
    ...(carriesData ? { details: TITLES.get(f.code) ?? 'Injected by the simulator' } : {}),
    ...(f.subcode !== undefined ? { subcode: f.subcode } : {}),
    ...(f.isTransient !== undefined ? { isTransient: f.isTransient } : {}),
  });
}
