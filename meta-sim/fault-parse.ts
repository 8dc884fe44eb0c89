// Reads a SimFault sent as JSON to POST /_sim/faults. JSON has no Infinity, so `times: null` means it.
import type { SimFault, SimFaultAction } from './types.js';
import { isObject } from './validate/check.js';

export class FaultParseError extends Error {}

function optNumber(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new FaultParseError(`${key} must be a number between ${min} and ${max}`);
  }
  return v;
}

function reqNumber(o: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = optNumber(o, key, min, max);
  if (v === undefined) throw new FaultParseError(`${key} is required`);
  return v;
}

function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new FaultParseError(`${key} must be a string`);
  return v;
}

function optBoolean(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new FaultParseError(`${key} must be a boolean`);
  return v;
}

function parseAction(a: unknown): SimFaultAction {
  if (!isObject(a)) throw new FaultParseError('action must be an object');
  switch (a['kind']) {
    case 'graph_error': {
      const code = reqNumber(a, 'code', 0, Number.MAX_SAFE_INTEGER);
      const httpStatus = optNumber(a, 'httpStatus', 100, 599);
      const message = optString(a, 'message');
      const isTransient = optBoolean(a, 'isTransient');
      const subcode = optNumber(a, 'subcode', 0, Number.MAX_SAFE_INTEGER);
      return {
        kind: 'graph_error',
        code,
        ...(httpStatus !== undefined ? { httpStatus } : {}),
        ...(message !== undefined ? { message } : {}),
        ...(isTransient !== undefined ? { isTransient } : {}),
        ...(subcode !== undefined ? { subcode } : {}),
      };
    }
    case 'http_status': {
      const body = optString(a, 'body');
      return { kind: 'http_status', status: reqNumber(a, 'status', 100, 599), ...(body !== undefined ? { body } : {}) };
    }
    case 'delay':
      return { kind: 'delay', ms: reqNumber(a, 'ms', 0, 2_147_483_647) };
    case 'drop':
      if (a['when'] !== 'before' && a['when'] !== 'after')
        throw new FaultParseError("drop needs when: 'before' | 'after'");
      return { kind: 'drop', when: a['when'] };
    default:
      throw new FaultParseError('action.kind must be graph_error, http_status, delay or drop');
  }
}

const FAULT_KEYS = new Set(['path', 'to', 'skip', 'times', 'probability', 'action']);

/** Checks a fault, from code or from JSON, and answers a clean copy; throws FaultParseError. */
export function parseFault(body: unknown): SimFault {
  if (!isObject(body)) throw new FaultParseError('a fault must be a JSON object');
  for (const key of Object.keys(body))
    if (!FAULT_KEYS.has(key)) throw new FaultParseError(`unknown fault field "${key}"`);
  const path = body['path'];
  if (path !== undefined && path !== 'messages' && path !== 'media' && path !== 'templates')
    throw new FaultParseError("path must be 'messages', 'media' or 'templates'");
  const to = optString(body, 'to');
  const skip = optNumber(body, 'skip', 0, Number.MAX_SAFE_INTEGER);
  // JSON has no Infinity: the control API sends null for it; code may pass Infinity itself.
  const rawTimes = body['times'];
  const times =
    rawTimes === null || rawTimes === Infinity ? Infinity : optNumber(body, 'times', 1, Number.MAX_SAFE_INTEGER);
  const probability = optNumber(body, 'probability', 0, 1);
  return {
    action: parseAction(body['action']),
    ...(path !== undefined ? { path } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(skip !== undefined ? { skip } : {}),
    ...(times !== undefined ? { times } : {}),
    ...(probability !== undefined ? { probability } : {}),
  };
}
