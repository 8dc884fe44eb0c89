import { invalidValue, missingParam, wrongType } from '../errors.js';
import { expectObject, onlyKeys, optionalString, sub, type Obj } from './check.js';

const LOCATION_KEYS = new Set(['latitude', 'longitude', 'name', 'address']);
const NUMERIC = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)\s*$/;

/**
 * Meta: latitude and longitude required, name and address optional (docs/META.md §1).
 * ⚠ The docs type the coordinates as strings, the spec's examples as numbers: both are accepted.
 */
export function validateLocation(v: unknown): void {
  const loc = expectObject(v, 'location');
  onlyKeys(loc, LOCATION_KEYS, 'location');
  checkCoordinate(loc, 'latitude', 90);
  checkCoordinate(loc, 'longitude', 180);
  optionalString(loc, 'name', 'location');
  optionalString(loc, 'address', 'location');
}

function checkCoordinate(loc: Obj, key: 'latitude' | 'longitude', bound: number): void {
  const path = sub('location', key);
  const v = loc[key];
  if (v === undefined) throw missingParam(path);
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && NUMERIC.test(v)) n = Number(v);
  else throw wrongType(path, 'a number or a numeric string');
  if (!Number.isFinite(n) || n < -bound || n > bound) {
    throw invalidValue(`Param ${path} must be between -${bound} and ${bound}.`);
  }
}
